"""The share-request form, the decision form and the revocation form. They turn what a person
chose (fields, a district or a drawn polygon, days) into the arguments of layers/sharing/services."""
from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.gis.gdal import GDALException
from django.contrib.gis.geos import GEOSException, GEOSGeometry
from django.core.validators import MaxValueValidator
from django.utils.translation import get_language

from layers.models import Layer
from layers.schema import parse_schema
from layers.sharing.selectors import district_area, districts

AREA_WHOLE, AREA_DISTRICT, AREA_DRAWN = "whole", "district", "drawn"
MAX_DRAWN_VERTICES = 5000


def _english() -> bool:
    return (get_language() or "zh").startswith("en")


def _field_choices(layer: Layer, only: list[str] | None = None) -> list[tuple[str, str]]:
    if layer.kind != Layer.Kind.VECTOR:
        return []
    language = "en" if _english() else "zh"
    return [(f.name, f"{f.label(language)} ({f.name})") for f in parse_schema(layer.schema or [])
            if only is None or f.name in only]


def _district_choices() -> list[tuple[str, str]]:
    english = _english()
    return [("", "—")] + [(d.code, d.label(english)) for d in districts()]


class _AreaMixin:
    """A district by its code, or a polygon drawn on the map (GeoJSON in a hidden field)."""

    def clean_area(self) -> tuple:
        kind = self.cleaned_data.get("area_kind") or AREA_WHOLE
        if kind == AREA_DISTRICT:
            code = self.cleaned_data.get("district")
            found = district_area(code) if code else None
            if found is None:
                self.add_error("district", "Choose a district.")
                return None, ""
            geometry, district = found
            return geometry, district.label(_english())
        if kind == AREA_DRAWN:
            raw = (self.cleaned_data.get("drawn") or "").strip()
            if not raw:
                self.add_error("drawn", "Draw the area on the map (a polygon), or choose another option.")
                return None, ""
            try:
                geometry = GEOSGeometry(raw, srid=4326)
            except (GEOSException, GDALException, ValueError, TypeError):
                self.add_error("drawn", "The drawn area could not be read; draw it again.")
                return None, ""
            if geometry.num_coords > MAX_DRAWN_VERTICES:
                self.add_error("drawn", f"The drawn area has more than {MAX_DRAWN_VERTICES} points.")
                return None, ""
            return geometry, "绘制范围 / Drawn area"
        return None, ""


class ShareRequestForm(_AreaMixin, forms.Form):
    purpose = forms.CharField(label="用途 / Purpose", widget=forms.Textarea(attrs={"rows": 3}), max_length=2000,
                              help_text="What the data is for: the owners decide on it.")
    all_fields = forms.BooleanField(label="全部字段 / All fields", required=False, initial=True)
    chosen = forms.MultipleChoiceField(label="字段 / Fields", required=False, widget=forms.CheckboxSelectMultiple)
    area_kind = forms.ChoiceField(label="范围 / Area", initial=AREA_WHOLE, widget=forms.RadioSelect)
    district = forms.ChoiceField(label="行政区 / District", required=False)
    drawn = forms.CharField(required=False, widget=forms.HiddenInput, max_length=500_000)
    duration_days = forms.IntegerField(label="期限（天）/ Duration (days)", min_value=1, initial=90)

    def __init__(self, *args, layer: Layer, **kwargs):
        super().__init__(*args, **kwargs)
        self.layer = layer
        _limit_days(self.fields["duration_days"], settings.SHARE_MAX_DAYS)
        choices = _field_choices(layer)
        self.fields["chosen"].choices = choices
        if layer.kind == Layer.Kind.VECTOR:
            self.fields["area_kind"].choices = [(AREA_WHOLE, "整个图层 / The whole layer"),
                                                (AREA_DISTRICT, "一个行政区 / A district"),
                                                (AREA_DRAWN, "在地图上绘制 / Drawn on the map")]
            self.fields["district"].choices = _district_choices()
        else:  # raster layers are shared whole, with no fields
            self.fields["area_kind"].choices = [(AREA_WHOLE, "整个图层 / The whole layer")]
            for name in ("all_fields", "chosen", "district", "drawn"):
                del self.fields[name]

    def clean(self):
        data = super().clean()
        if "chosen" in self.fields:
            if data.get("all_fields"):
                data["chosen_fields"] = None
            elif data.get("chosen"):
                data["chosen_fields"] = list(data["chosen"])
            else:
                self.add_error("chosen", "Tick the fields you need, or all fields.")
        else:
            data["chosen_fields"] = None
        data["area"], data["area_label"] = self.clean_area()
        return data


def _limit_days(field: forms.IntegerField, most: int) -> None:
    field.validators.append(MaxValueValidator(most, f"At most {most} days."))
    field.widget.attrs["max"] = most


class DecisionForm(_AreaMixin, forms.Form):
    APPROVE, REFUSE = "approve", "refuse"
    decision = forms.ChoiceField(label="决定 / Decision", widget=forms.RadioSelect,
                                 choices=[(APPROVE, "批准 / Approve"), (REFUSE, "拒绝 / Refuse")])
    chosen = forms.MultipleChoiceField(label="批准的字段 / Fields given", required=False,
                                       widget=forms.CheckboxSelectMultiple)
    area_kind = forms.ChoiceField(label="缩小范围 / Narrow the area", required=False, initial=AREA_WHOLE,
                                  widget=forms.RadioSelect)
    district = forms.ChoiceField(label="限于行政区 / Within the district", required=False)
    drawn = forms.CharField(required=False, widget=forms.HiddenInput, max_length=500_000)
    duration_days = forms.IntegerField(label="期限（天）/ Duration (days)", min_value=1)
    reason = forms.CharField(label="说明 / Reason", required=False, widget=forms.Textarea(attrs={"rows": 2}),
                             max_length=2000, help_text="Required for a refusal; the requester sees it.")

    def __init__(self, *args, request, **kwargs):
        super().__init__(*args, **kwargs)
        layer = request.layer
        self.share_request = request
        self.fields["duration_days"].initial = request.duration_days
        _limit_days(self.fields["duration_days"], request.duration_days)
        if layer.kind == Layer.Kind.VECTOR:
            self.fields["chosen"].choices = _field_choices(layer, request.fields)
            self.fields["chosen"].initial = [name for name, _ in self.fields["chosen"].choices]
            self.fields["area_kind"].choices = [(AREA_WHOLE, "按申请 / As asked"),
                                                (AREA_DISTRICT, "限于一个行政区 / Within a district"),
                                                (AREA_DRAWN, "限于绘制范围 / Within a drawn area")]
            self.fields["district"].choices = _district_choices()
        else:
            self.fields["area_kind"].choices = [(AREA_WHOLE, "按申请 / As asked")]
            for name in ("chosen", "district", "drawn"):
                del self.fields[name]

    def clean(self):
        data = super().clean()
        if data.get("decision") == self.REFUSE:
            if not (data.get("reason") or "").strip():
                self.add_error("reason", "Give the reason for the refusal: the requester sees it.")
            return data
        if "chosen" in self.fields:
            offered = [name for name, _ in self.fields["chosen"].choices]
            chosen = list(data.get("chosen") or [])
            if not chosen:
                self.add_error("chosen", "Give at least one field, or refuse the request.")
            data["chosen_fields"] = None if chosen == offered else chosen
        else:
            data["chosen_fields"] = None
        data["area"], data["area_label"] = self.clean_area()
        return data


class RevokeForm(forms.Form):
    reason = forms.CharField(label="收回原因 / Reason", widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)
