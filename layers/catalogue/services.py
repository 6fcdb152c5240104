"""Writes to catalogue records: completing and refreshing them, and the managers' edits."""
from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Max, Min
from django.utils import timezone

from layers.catalogue.codes import THEME_TOPIC
from layers.catalogue.documents import iso19139
from layers.catalogue.models import CatalogueRecord
from layers.history.audit import audit_changes, audit_record
from layers.models import Feature, Layer
from layers.permissions import user_can
from layers.search.text import normalise, pinyin_forms

AUDIT_ACTION = "catalogue.update"  # a value of AuditLog.action (max 16 characters)
LAYER_FIELDS = ("title_zh", "title_en", "description_zh", "description_en", "licence")
RECORD_FIELDS = ("keywords", "topic_category", "contact_name", "contact_email", "contact_phone",
                 "maintenance_frequency", "lineage", "temporal_begin", "temporal_end", "review_number",
                 "field_descriptions", "hidden")


def _search_texts(record: CatalogueRecord) -> tuple[str, str]:
    """What a query is compared with: the normalised text, and pinyin (full and initials) of its
    Chinese parts, as layers/search builds them for features."""
    layer = record.layer
    parts = [layer.title_zh, layer.title_en, layer.description_zh, layer.description_en, *record.keywords,
             layer.department.name_zh, layer.department.name_en, layer.slug]
    text = " | ".join(normalise(p) for p in parts if p)
    pinyin = []
    for part in (layer.title_zh, *record.keywords, layer.department.name_zh):
        full, initials = pinyin_forms(normalise(part)) if part else ("", "")
        if full:
            pinyin += [full, initials]
    return text, " ".join(pinyin)


def record_refresh(*, layer: Layer) -> CatalogueRecord:
    """Create the layer's record if it has none, and rewrite what is derived from the layer and the
    record (search texts, the ISO 19139 document). Cheap: no scan of the layer's features, except
    once, when the record is created for a layer that already has features."""
    layer = Layer.objects.select_related("department").get(pk=layer.pk)
    record = CatalogueRecord.objects.filter(layer=layer).first()
    if record is None:
        dates = Feature.objects.of_layer(layer).aggregate(first=Min("created_at"), last=Max("updated_at"))
        record, _ = CatalogueRecord.objects.get_or_create(layer=layer, defaults={
            "topic_category": THEME_TOPIC.get(layer.theme, THEME_TOPIC["other"]),
            "data_first_edit_at": dates["first"], "data_last_edit_at": dates["last"],
        })
    record.layer = layer
    record.search_text, record.search_pinyin = _search_texts(record)
    record.iso_xml = iso19139(record=record, base=settings.CATALOGUE_SITE_URL)
    CatalogueRecord.objects.filter(pk=record.pk).update(
        search_text=record.search_text, search_pinyin=record.search_pinyin, iso_xml=record.iso_xml)
    return record


def records_complete() -> int:
    """Give every layer that lacks one its record (layers created before the catalogue, or by bulk
    writes that send no signal). One anti-join over the layers table when nothing is missing."""
    missing = list(Layer.objects.filter(catalogue_record__isnull=True).only("pk"))
    for layer in missing:
        record_refresh(layer=layer)
    return len(missing)


def records_rebase() -> int:
    """Rewrite the stored ISO 19139 documents written under another CATALOGUE_SITE_URL (CSW serves
    them as stored), once the setting changed. Periodic (PERIODIC_TASKS) and `manage.py
    catalogue_rebase`; returns how many were rewritten."""
    marker = f"{settings.CATALOGUE_SITE_URL}/catalogue/"
    stale = list(CatalogueRecord.objects.exclude(iso_xml__contains=marker).select_related("layer"))
    for record in stale:
        record_refresh(layer=record.layer)
    return len(stale)


def record_data_changed(*, layer_id: int) -> None:
    """The layer's features changed (committed): note when, and refresh the derived document
    (its extent and count are the layer's, kept by layers.services)."""
    now = timezone.now()
    updated = CatalogueRecord.objects.filter(layer_id=layer_id).update(data_last_edit_at=now)
    CatalogueRecord.objects.filter(layer_id=layer_id, data_first_edit_at__isnull=True).update(data_first_edit_at=now)
    layer = Layer.objects.filter(pk=layer_id).first()
    if layer is not None and updated:
        record_refresh(layer=layer)


def record_update(*, layer: Layer, actor, cleaned: dict) -> CatalogueRecord:
    """A manager's edit of the record (and of the layer's own title, abstract and licence),
    validated beforehand by RecordForm; atomic and audited."""
    if not user_can(actor, "manage", layer):
        raise PermissionDenied("Only the managers of the owning department may edit this record.")
    with transaction.atomic():
        layer = Layer.objects.select_for_update().get(pk=layer.pk)
        record = record_refresh(layer=layer)
        record = CatalogueRecord.objects.select_for_update().get(pk=record.pk)
        before = {f: getattr(layer, f) for f in LAYER_FIELDS} | {f: _plain(getattr(record, f)) for f in RECORD_FIELDS}
        after = {f: _plain(cleaned[f]) for f in (*LAYER_FIELDS, *RECORD_FIELDS) if f in cleaned}
        changes = audit_changes(before, after)
        if not changes:
            return record
        layer_changes = {f: cleaned[f] for f in LAYER_FIELDS if f in changes}
        if layer_changes:
            for name, value in layer_changes.items():
                setattr(layer, name, value)
            layer.save(update_fields=[*layer_changes, "updated_at"])
        for name in RECORD_FIELDS:
            if name in changes:
                setattr(record, name, cleaned[name])
        record.save()
        audit_record(actor=actor, action=AUDIT_ACTION, layer=layer, changes=changes)
        return record_refresh(layer=layer)


def _plain(value):
    """A JSON-friendly value for the audit entry (dates as ISO text)."""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, tuple):
        return list(value)
    return value
