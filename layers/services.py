"""Writes to layers and features. Views, serializers and importers call these; nothing else
writes features, so validation, versioning and change notification happen in one place."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.gis.geos import GEOSGeometry, Polygon
from django.db import connection, transaction

from layers.history.models import FeatureVersion
from layers.history.recording import (
    feature_version_ensure_baseline,
    feature_version_record,
    feature_version_record_delete,
    feature_versions_record_bulk,
)
from layers.models import Feature, Layer
from layers.schema import validate_properties
from layers.search.indexing import index_features
from layers.signals import FeatureChange, features_changed

# Through which door a change came in; recorded in the feature history.
CHANNELS = ("browser", "rest", "ogc", "import", "suggestion", "system")

GEOMETRY_FAMILIES = {
    Layer.GeometryType.POINT: {"Point", "MultiPoint"},
    Layer.GeometryType.LINE: {"LineString", "MultiLineString"},
    Layer.GeometryType.POLYGON: {"Polygon", "MultiPolygon"},
}


class GeometryValidationError(ValueError):
    """The geometry cannot be stored in this layer; the message says why."""


class InvalidGeometryError(GeometryValidationError):
    """The geometry is not valid (self-intersection, ...); ST_MakeValid may repair it."""


class VersionConflict(Exception):
    """The write was based on an older version of the feature than the stored one."""

    def __init__(self, feature: Feature):
        self.feature = feature
        super().__init__(f"Feature {feature.pk} is at version {feature.version}.")


@dataclass(frozen=True)
class FeatureInput:
    geometry: GEOSGeometry
    properties: dict[str, Any]


def clean_geometry(*, layer: Layer, geometry: GEOSGeometry) -> GEOSGeometry:
    """Return the geometry in EPSG:4326 if it fits the layer, else raise GeometryValidationError."""
    if geometry is None or geometry.empty:
        raise GeometryValidationError("The geometry is empty.")
    if geometry.srid is None:
        geometry.srid = 4326
    if geometry.srid != 4326:
        geometry = geometry.transform(4326, clone=True)
    family = GEOMETRY_FAMILIES.get(layer.geometry_type)
    if family is not None and geometry.geom_type not in family:
        raise GeometryValidationError(
            f"This layer holds {layer.geometry_type} geometries; a {geometry.geom_type} cannot be stored in it."
        )
    if not geometry.valid:
        raise InvalidGeometryError(f"The geometry is not valid: {geometry.valid_reason}.")
    west, south, east, north = settings.CITY_EXTENT
    if not Polygon.from_bbox((west, south, east, north)).contains(geometry.envelope):
        raise GeometryValidationError(
            f"The geometry lies outside the area this platform serves ({west}, {south}, {east}, {north})."
        )
    return geometry


def _check_channel(channel: str) -> None:
    if channel not in CHANNELS:
        raise ValueError(f"Unknown write channel {channel!r}; use one of {', '.join(CHANNELS)}.")


def display_name(layer: Layer, properties: dict[str, Any]) -> str:
    if layer.name_field and properties.get(layer.name_field) not in (None, ""):
        return str(properties[layer.name_field])[:255]
    return ""


def _notify(layer_id: int, geometries: Iterable[GEOSGeometry | None], *, feature_id: int, action: str,
            version: int) -> None:
    bboxes = [g.extent for g in geometries if g is not None and not g.empty]
    bbox = (min(b[0] for b in bboxes), min(b[1] for b in bboxes), max(b[2] for b in bboxes),
            max(b[3] for b in bboxes)) if bboxes else None
    changes = [FeatureChange(feature_id=feature_id, action=action, version=version, bbox=bbox)]
    transaction.on_commit(
        lambda: features_changed.send(sender=Feature, layer_id=layer_id, bboxes=bboxes, changes=changes))


def _adjust_layer_stats(layer: Layer, *, delta: int, geometry: GEOSGeometry | None) -> None:
    """Keep the cached count and extent current without rescanning the layer.

    The extent only grows here; layer_refresh_stats() shrinks it back after deletes or moves."""
    with connection.cursor() as cursor:
        if geometry is None:
            cursor.execute("UPDATE layers_layer SET feature_count = feature_count + %s WHERE id = %s",
                           [delta, layer.pk])
            return
        west, south, east, north = geometry.extent
        cursor.execute(
            """
            UPDATE layers_layer SET feature_count = feature_count + %s,
              extent = CASE WHEN extent IS NULL THEN ST_MakeEnvelope(%s, %s, %s, %s, 4326)
                ELSE ST_MakeEnvelope(LEAST(ST_XMin(extent), %s), LEAST(ST_YMin(extent), %s),
                                     GREATEST(ST_XMax(extent), %s), GREATEST(ST_YMax(extent), %s), 4326) END
            WHERE id = %s
            """,
            [delta, west, south, east, north, west, south, east, north, layer.pk],
        )


def feature_create(
    *, layer: Layer, geometry: GEOSGeometry, properties: dict[str, Any], user=None, channel: str = "system"
) -> Feature:
    _check_channel(channel)
    cleaned = validate_properties(layer.schema, properties)
    geometry = clean_geometry(layer=layer, geometry=geometry)
    with transaction.atomic():
        feature = Feature.objects.create(
            layer=layer,
            geom=geometry,
            properties=cleaned,
            name=display_name(layer, cleaned),
            created_by=user if getattr(user, "pk", None) else None,
            updated_by=user if getattr(user, "pk", None) else None,
        )
        feature_version_record(feature=feature, action=FeatureVersion.Action.CREATE, channel=channel, user=user)
        _adjust_layer_stats(layer, delta=+1, geometry=geometry)
        index_features(layer=layer, features=[feature])
        _notify(layer.pk, [geometry], feature_id=feature.pk, action="create", version=feature.version)
    return feature


def feature_update(
    *,
    feature: Feature,
    base_version: int,
    geometry: GEOSGeometry | None = None,
    properties: dict[str, Any] | None = None,
    partial: bool = False,
    user=None,
    channel: str = "system",
    history_action: str = FeatureVersion.Action.UPDATE,
) -> Feature:
    """Update a feature if `base_version` is still current; raise VersionConflict otherwise.

    With `partial`, given properties are merged into the stored ones (PATCH semantics).
    `history_action` marks restores of an earlier version in the feature's history."""
    _check_channel(channel)
    layer = feature.layer
    new_geometry = clean_geometry(layer=layer, geometry=geometry) if geometry is not None else None
    with transaction.atomic():
        current = Feature.objects.select_for_update().get(pk=feature.pk)
        if current.version != base_version:
            raise VersionConflict(current)
        if properties is not None:
            # Merged with the locked row, so a partial update never resurrects stale values.
            cleaned = validate_properties(layer.schema, {**current.properties, **properties} if partial else properties)
        else:
            cleaned = current.properties
        feature_version_ensure_baseline(feature=current)
        old_geometry = current.geom
        current.properties = cleaned
        current.name = display_name(layer, cleaned)
        if new_geometry is not None:
            current.geom = new_geometry
        current.version = current.version + 1
        current.updated_by = user if getattr(user, "pk", None) else None
        fields = ["properties", "name", "version", "updated_by", "updated_at"]
        current.save(update_fields=[*fields, "geom"] if new_geometry is not None else fields)
        feature_version_record(feature=current, action=history_action, channel=channel, user=user)
        if new_geometry is not None:
            _adjust_layer_stats(layer, delta=0, geometry=new_geometry)
        index_features(layer=layer, features=[current])
        _notify(layer.pk, [old_geometry, new_geometry], feature_id=current.pk, action="update",
                version=current.version)
    return current


def feature_delete(
    *, feature: Feature, base_version: int | None = None, user=None, channel: str = "system"
) -> None:
    _check_channel(channel)
    with transaction.atomic():
        current = Feature.objects.select_for_update().get(pk=feature.pk)
        if base_version is not None and current.version != base_version:
            raise VersionConflict(current)
        geometry = current.geom
        feature_version_ensure_baseline(feature=current)
        feature_version_record_delete(feature=current, channel=channel, user=user)
        current.delete()  # its search index row goes with it (ON DELETE CASCADE)
        _adjust_layer_stats(current.layer, delta=-1, geometry=None)
        _notify(feature.layer_id, [geometry], feature_id=feature.pk, action="delete", version=current.version + 1)


def features_bulk_create(
    *, layer: Layer, rows: Iterable[FeatureInput], user=None, channel: str = "import", batch_size: int = 2000
) -> int:
    """Validate and insert many features in one transaction; any bad row aborts all."""
    _check_channel(channel)
    creator = user if getattr(user, "pk", None) else None
    objects = []
    for index, row in enumerate(rows, start=1):
        try:
            cleaned = validate_properties(layer.schema, row.properties)
            geometry = clean_geometry(layer=layer, geometry=row.geometry)
        except ValueError as exc:
            raise ValueError(f"Row {index}: {exc}") from exc
        objects.append(
            Feature(
                layer=layer,
                geom=geometry,
                properties=cleaned,
                name=display_name(layer, cleaned),
                created_by=creator,
                updated_by=creator,
            )
        )
    with transaction.atomic():
        Feature.objects.bulk_create(objects, batch_size=batch_size)
        index_features(layer=layer, features=objects)
        feature_versions_record_bulk(feature_ids=[o.pk for o in objects], channel=channel, user=creator)
        layer_refresh_stats(layer=layer)
        transaction.on_commit(lambda: features_changed.send(sender=Feature, layer_id=layer.pk, bboxes=None))
    return len(objects)


def feature_undelete(*, layer: Layer, feature_id: int, user=None, channel: str = "system") -> Feature:
    """Bring a deleted feature back under its old id from its last recorded state, as a new version.

    The state is validated again, so a feature that no longer fits the layer's schema is refused."""
    _check_channel(channel)
    with transaction.atomic():
        last = (
            FeatureVersion.objects.select_for_update()
            .filter(layer=layer, feature_id=feature_id)
            .order_by("-version")
            .first()
        )
        if last is None or not last.deleted or Feature.objects.filter(pk=feature_id).exists():
            raise LookupError(f"Feature {feature_id} is not a deleted feature of layer {layer.slug}.")
        cleaned = validate_properties(layer.schema, last.properties)
        geometry = clean_geometry(layer=layer, geometry=last.geom)
        creator = user if getattr(user, "pk", None) else None
        feature = Feature.objects.create(
            pk=feature_id, layer=layer, geom=geometry, properties=cleaned, name=display_name(layer, cleaned),
            version=last.version + 1, created_by=creator, updated_by=creator,
        )
        feature_version_record(feature=feature, action=FeatureVersion.Action.RESTORE, channel=channel, user=user)
        _adjust_layer_stats(layer, delta=+1, geometry=geometry)
        index_features(layer=layer, features=[feature])
        _notify(layer.pk, [geometry], feature_id=feature.pk, action="create", version=feature.version)
    return feature


def layer_refresh_stats(*, layer: Layer) -> None:
    """Recompute a layer's cached feature count and extent from its features (one scan)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE layers_layer l SET feature_count = s.n,
              extent = CASE WHEN s.e IS NULL THEN NULL
                ELSE ST_MakeEnvelope(ST_XMin(s.e), ST_YMin(s.e), ST_XMax(s.e), ST_YMax(s.e), 4326) END
            FROM (SELECT count(*) AS n, ST_Extent(geom) AS e FROM layers_feature WHERE layer_id = %s) s
            WHERE l.id = %s
            """,
            [layer.pk, layer.pk],
        )
    layer.refresh_from_db(fields=["feature_count", "extent"])


def layer_clear(*, layer: Layer, user=None, channel: str = "system") -> int:
    """Delete every feature of a layer in one statement (a reload replaces the layer's content)."""
    with transaction.atomic():
        _, per_model = Feature.objects.filter(layer=layer).delete()
        layer_refresh_stats(layer=layer)
        transaction.on_commit(lambda: features_changed.send(sender=Feature, layer_id=layer.pk, bboxes=None))
    return per_model.get(Feature._meta.label, 0)
