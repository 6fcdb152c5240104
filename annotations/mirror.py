"""The public `feedback` layer: a copy of each public annotation's public fields, written through
the feature services, so the tile, OGC and REST APIs serve it like any other layer without ever
seeing the private fields (name, contact, follow-ups, notes)."""
from __future__ import annotations

from django.conf import settings
from django.db import transaction

from annotations.models import PUBLIC_STATES, Annotation, Category, State
from annotations.routing import service_department
from layers.models import Feature, Layer, Theme
from layers.services import feature_create, feature_delete, feature_update

FEEDBACK_SLUG = "feedback"


def _schema() -> list[dict]:
    categories = [
        {"value": c.code, "label_zh": f"{c.icon} {c.name_zh}", "label_en": f"{c.icon} {c.name_en}"}
        for c in Category.objects.all()
    ] or [{"value": "other", "label_zh": "其他", "label_en": "Other"}]
    states = [{"value": value, "label_zh": label.split(" / ")[0], "label_en": label.split(" / ")[-1]}
              for value, label in State.choices if value in PUBLIC_STATES]
    return [
        {"name": "tracking_number", "type": "string", "required": True, "label_zh": "受理编号",
         "label_en": "Tracking number", "searchable": True},
        {"name": "category", "type": "choice", "required": True, "label_zh": "类别", "label_en": "Category",
         "choices": categories},
        {"name": "status", "type": "choice", "required": True, "label_zh": "状态", "label_en": "Status",
         "choices": states},
        {"name": "description", "type": "string", "label_zh": "描述", "label_en": "Description"},
        {"name": "district", "type": "string", "label_zh": "区划代码", "label_en": "District code"},
        {"name": "reported", "type": "date", "label_zh": "反映日期", "label_en": "Reported"},
    ]


def feedback_layer() -> Layer:
    """The feedback layer, created on first use and kept in step with the category list."""
    layer = Layer.objects.filter(slug=FEEDBACK_SLUG).first()
    schema = _schema()
    if layer is None:
        layer = Layer.objects.create(
            slug=FEEDBACK_SLUG, title_zh="公众反馈", title_en="Public feedback",
            description_zh="公众通过地图反映、经审核公开的问题（不含个人信息）。",
            description_en="Problems reported by the public, published after moderation (no personal data).",
            department=service_department(), theme=Theme.FEEDBACK, geometry_type=Layer.GeometryType.MIXED,
            schema=schema, name_field="tracking_number", visibility=Layer.Visibility.PUBLIC,
            style={"stroke": "#c0392b", "fill": "#e67e22", "opacity": 0.9, "fill_opacity": 0.3, "weight": 2,
                   "radius": 7, "symbol": "circle", "label_field": ""},
        )
    elif layer.schema != schema:
        layer.schema = schema
        layer.save(update_fields=["schema", "updated_at"])
    return layer


def _public_properties(annotation: Annotation) -> dict:
    return {
        "tracking_number": annotation.tracking_number,
        "category": annotation.category.code,
        "status": annotation.state,
        "description": annotation.description[: settings.ANNOTATION_MAX_TEXT],
        "district": annotation.district_code,
        "reported": annotation.created_at.date().isoformat(),
    }


@transaction.atomic
def annotation_sync_mirror(*, annotation: Annotation) -> None:
    """Create, update or remove the annotation's feature in the feedback layer to match its state."""
    feature = Feature.objects.filter(pk=annotation.mirror_feature_id).first() if annotation.mirror_feature_id else None
    if annotation.state not in PUBLIC_STATES:
        if feature is not None:
            feature_delete(feature=feature, channel="system")
            Annotation.objects.filter(pk=annotation.pk).update(mirror_feature=None)
            annotation.mirror_feature = None
        return
    layer = feedback_layer()
    properties = _public_properties(annotation)
    if feature is None:
        feature = feature_create(layer=layer, geometry=annotation.geom.clone(), properties=properties, channel="system")
        Annotation.objects.filter(pk=annotation.pk).update(mirror_feature=feature)
        annotation.mirror_feature = feature
    else:
        feature_update(feature=feature, base_version=feature.version, properties=properties, channel="system")
