"""Layer management by managers: create a layer, change its metadata, style and schema.

Every change is checked against layers.permissions and written to the audit log in the same
transaction. Schema changes (add, rename, retype, drop) are tried on every feature first; if
any feature would not fit, nothing changes and the failures are reported."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction

from geoportal.accounts.models import Department
from layers.history.audit import audit_changes, audit_record
from layers.history.models import AuditLog
from layers.models import RESERVED_SLUGS, Feature, Layer, default_style
from layers.permissions import can_create_layers, user_can
from layers.rasters.styles import validate_raster_style
from layers.schema import PropertyValidationError, SchemaError, parse_schema, validate_properties
from layers.search.indexing import reindex_layer
from layers.services import GEOMETRY_FAMILIES

METADATA_FIELDS = ("title_zh", "title_en", "description_zh", "description_en", "theme", "visibility",
                   "min_zoom", "max_zoom", "attribution", "licence", "name_field", "geometry_type")
COLOR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")
STYLE_NUMBERS = {"opacity": (0, 1), "fill_opacity": (0, 1), "weight": (0, 20), "radius": (1, 40)}
MAX_REPORTED_FAILURES = 100


class LayerChangeError(ValueError):
    """The change cannot be made; `errors` maps a field to a message."""

    def __init__(self, errors: dict[str, str], failures: list[dict] | None = None):
        self.errors = errors
        self.failures = failures or []
        super().__init__("; ".join(errors.values()))


@dataclass(frozen=True)
class SchemaDryRun:
    checked: int
    failures: list[dict]  # {"feature_id", "errors": {field: message}}, at most MAX_REPORTED_FAILURES
    failed: int


def clean_style(raw: Any) -> dict:
    if not isinstance(raw, dict):
        raise LayerChangeError({"style": "The style must be an object."})
    style = {**default_style(), **raw}
    errors = {}
    for key in ("stroke", "fill"):
        if not COLOR_RE.match(str(style[key])):
            errors[f"style.{key}"] = "Give a colour as #rrggbb."
    for key, (low, high) in STYLE_NUMBERS.items():
        value = style[key]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
            errors[f"style.{key}"] = f"Give a number from {low} to {high}."
    unknown = set(style) - set(default_style())
    if unknown:
        errors["style"] = f"Unknown style keys: {', '.join(sorted(unknown))}."
    if errors:
        raise LayerChangeError(errors)
    return style


def clean_raster_style(raw: Any, *, layer: Layer) -> dict:
    """A raster layer's style (layers/rasters/styles.py), its ramp and hillshade for elevation only."""
    kind = getattr(getattr(layer, "raster", None), "kind", "")
    try:
        return validate_raster_style(raw, kind=kind)
    except ValueError as exc:
        raise LayerChangeError({"style": str(exc)}) from exc


def _full_clean(layer: Layer) -> None:
    """Django's own field checks (choices, lengths, zoom range) as per-field messages."""
    try:
        layer.full_clean(exclude=["extent", "department", "slug"])
    except ValidationError as exc:
        raise LayerChangeError({key: " ".join(messages) for key, messages in exc.message_dict.items()}) from exc


def _clean_schema(raw: Any) -> list:
    try:
        parse_schema(raw)
    except SchemaError as exc:
        raise LayerChangeError({"schema": str(exc)}) from exc
    return raw


def _migrated(properties: dict, renames: dict[str, str], names: set[str]) -> dict:
    moved = {renames.get(key, key): value for key, value in properties.items()}
    return {key: value for key, value in moved.items() if key in names}


def layer_schema_dry_run(*, layer: Layer, schema: list, renames: dict[str, str] | None = None) -> SchemaDryRun:
    """Which features would not fit `schema` after `renames` (old name -> new name)."""
    renames = renames or {}
    _clean_schema(schema)
    names = {field["name"] for field in schema}
    failures, failed, checked = [], 0, 0
    for pk, properties in Feature.objects.filter(layer=layer).values_list("pk", "properties").iterator(2000):
        checked += 1
        try:
            validate_properties(schema, _migrated(properties, renames, names))
        except PropertyValidationError as exc:
            failed += 1
            if len(failures) < MAX_REPORTED_FAILURES:
                failures.append({"feature_id": pk, "errors": exc.errors})
    return SchemaDryRun(checked=checked, failures=failures, failed=failed)


def _apply_schema(*, layer: Layer, schema: list, renames: dict[str, str]) -> None:
    names = {field["name"] for field in schema}
    changed = []
    for feature in Feature.objects.filter(layer=layer).only("pk", "properties").iterator(2000):
        cleaned = validate_properties(schema, _migrated(feature.properties, renames, names))
        if cleaned != feature.properties:
            feature.properties = cleaned
            changed.append(feature)
    Feature.objects.bulk_update(changed, ["properties"], batch_size=2000)


def _check_geometry_type(layer: Layer, geometry_type: str) -> None:
    if geometry_type not in Layer.GeometryType.values:
        raise LayerChangeError({"geometry_type": f"Choose one of {', '.join(Layer.GeometryType.values)}."})
    family = GEOMETRY_FAMILIES.get(geometry_type)
    if family is None:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM layers_feature WHERE layer_id = %s AND NOT (GeometryType(geom) = ANY(%s))",
            [layer.pk, [name.upper() for name in family]],
        )
        misfits = cursor.fetchone()[0]
    if misfits:
        raise LayerChangeError({"geometry_type": f"{misfits} features of this layer are not of type {geometry_type}."})


def layer_create(*, actor, slug: str, department: Department | None = None, **values) -> Layer:
    """A new, empty layer owned by the manager's department (administrators may name another)."""
    if not can_create_layers(actor):
        raise PermissionDenied("Only department managers and administrators create layers.")
    if not actor.is_platform_admin or department is None:
        department = actor.department
    if department is None:
        raise LayerChangeError({"department": "Choose the department that owns the layer."})
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]{1,63}", slug or ""):
        raise LayerChangeError({"slug": "Use 2-64 lower-case letters, digits and hyphens."})
    if slug in RESERVED_SLUGS:
        raise LayerChangeError({"slug": f"{slug!r} is taken by the platform (the resource catalogue); choose another."})
    if Layer.objects.filter(slug=slug).exists():
        raise LayerChangeError({"slug": "A layer with this name already exists."})
    unknown = set(values) - set(METADATA_FIELDS) - {"schema", "style"}
    if unknown:
        raise LayerChangeError({"__all__": f"Unknown fields: {', '.join(sorted(unknown))}."})
    if not values.get("title_zh"):
        raise LayerChangeError({"title_zh": "Give the layer a Chinese title."})
    _check_geometry_type(Layer(), values.get("geometry_type", ""))
    values["schema"] = _clean_schema(values.get("schema", []))
    values["style"] = clean_style(values.get("style", {}))
    layer = Layer(slug=slug, department=department, **values)
    _full_clean(layer)
    with transaction.atomic():
        layer.save()
        audit_record(actor=actor, action=AuditLog.Action.LAYER_CREATE, layer=layer,
                     changes={key: [None, value] for key, value in values.items()})
    return layer


def layer_update(*, layer: Layer, actor, changes: dict[str, Any], renames: dict[str, str] | None = None) -> Layer:
    """Change metadata, style and/or schema; each kind of change gets its own audit entry."""
    if not user_can(actor, "manage", layer):
        raise PermissionDenied("Only the managers of the owning department may change this layer.")
    unknown = set(changes) - set(METADATA_FIELDS) - {"schema", "style"}
    if unknown:
        raise LayerChangeError({"__all__": f"Unknown fields: {', '.join(sorted(unknown))}."})
    renames = renames or {}
    with transaction.atomic():
        layer = Layer.objects.select_for_update().get(pk=layer.pk)
        before = {key: getattr(layer, key) for key in changes}
        before_schema = layer.schema
        metadata = {key: value for key, value in changes.items() if key in METADATA_FIELDS}
        if "geometry_type" in metadata:
            _check_geometry_type(layer, metadata["geometry_type"])
        if "style" in changes:
            layer.style = (clean_raster_style(changes["style"], layer=layer) if layer.is_raster
                           else clean_style(changes["style"]))
        if layer.is_raster and ("schema" in changes or renames):
            raise LayerChangeError({"schema": "A raster layer has no attribute schema."})
        schema_changed = bool(renames) or ("schema" in changes and changes["schema"] != layer.schema)
        if schema_changed:
            schema = _clean_schema(changes.get("schema", layer.schema))
            trial = layer_schema_dry_run(layer=layer, schema=schema, renames=renames)
            if trial.failed:
                raise LayerChangeError({"schema": f"{trial.failed} of {trial.checked} features would not fit."},
                                       failures=trial.failures)
            _apply_schema(layer=layer, schema=schema, renames=renames)
            layer.schema = schema
            if layer.name_field in renames:
                layer.name_field = renames[layer.name_field]
        for key, value in metadata.items():
            setattr(layer, key, value)
        _full_clean(layer)
        layer.save()
        if schema_changed or "name_field" in metadata:
            reindex_layer(layer=layer)  # searchable fields, renamed keys or the name field changed
        meta_changes = audit_changes(before, metadata)
        if meta_changes:
            audit_record(actor=actor, action=AuditLog.Action.LAYER_UPDATE, layer=layer, changes=meta_changes)
        if "style" in changes and before["style"] != layer.style:
            audit_record(actor=actor, action=AuditLog.Action.STYLE_UPDATE, layer=layer,
                         changes={"style": [before["style"], layer.style]})
        if schema_changed:
            audit_record(actor=actor, action=AuditLog.Action.SCHEMA_UPDATE, layer=layer,
                         changes={"schema": [before_schema, layer.schema], "renames": renames})
    return layer
