"""Writes to layers and features. Views, serializers and importers call these; nothing else
writes features, so validation, versioning and change notification happen in one place."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

from django.conf import settings
from django.contrib.gis.geos import GEOSGeometry, Polygon
from django.db import connection, transaction

from layers.models import Feature, Layer
from layers.schema import validate_properties
from layers.signals import features_changed

# Through which door a change came in; recorded in the feature history.
CHANNELS = ("browser", "rest", "ogc", "import", "suggestion", "system")

GEOMETRY_FAMILIES = {
    Layer.GeometryType.POINT: {"Point", "MultiPoint"},
    Layer.GeometryType.LINE: {"LineString", "MultiLineString"},
    Layer.GeometryType.POLYGON: {"Polygon", "MultiPolygon"},
}


class GeometryValidationError(ValueError):
    """The geometry cannot be stored in this layer; the message says why."""


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
        raise GeometryValidationError(f"The geometry is not valid: {geometry.valid_reason}.")
    west, south, east, north = settings.CITY_EXTENT
    if not Polygon.from_bbox((west, south, east, north)).contains(geometry.envelope):
        raise GeometryValidationError(
            f"The geometry lies outside the area this platform serves ({west}, {south}, {east}, {north})."
        )
    return geometry


def display_name(layer: Layer, properties: dict[str, Any]) -> str:
    if layer.name_field and properties.get(layer.name_field) not in (None, ""):
        return str(properties[layer.name_field])[:255]
    return ""


def _notify(layer_id: int, geometries: Iterable[GEOSGeometry | None]) -> None:
    bboxes = [g.extent for g in geometries if g is not None and not g.empty]
    transaction.on_commit(lambda: features_changed.send(sender=Feature, layer_id=layer_id, bboxes=bboxes))


def _adjust_layer_stats(layer: Layer, *, delta: int, geometry: GEOSGeometry | None) -> None:
    """Keep the cached count and extent current without rescanning the layer.

    The extent only grows here; layer_refresh_stats() shrinks it back after deletes or moves."""
    with connection.cursor() as cursor:
        if geometry is None:
            cursor.execute("UPDATE layers_layer SET feature_count = feature_count + %s WHERE id = %s", [delta, layer.pk])
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
        _adjust_layer_stats(layer, delta=+1, geometry=geometry)
        _notify(layer.pk, [geometry])
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
) -> Feature:
    """Update a feature if `base_version` is still current; raise VersionConflict otherwise.

    With `partial`, given properties are merged into the stored ones (PATCH semantics)."""
    layer = feature.layer
    if properties is not None:
        merged = {**feature.properties, **properties} if partial else properties
        cleaned = validate_properties(layer.schema, merged)
    else:
        cleaned = feature.properties
    new_geometry = clean_geometry(layer=layer, geometry=geometry) if geometry is not None else None
    with transaction.atomic():
        current = Feature.objects.select_for_update().get(pk=feature.pk)
        if current.version != base_version:
            raise VersionConflict(current)
        old_geometry = current.geom
        current.properties = cleaned
        current.name = display_name(layer, cleaned)
        if new_geometry is not None:
            current.geom = new_geometry
        current.version = current.version + 1
        current.updated_by = user if getattr(user, "pk", None) else None
        current.save()
        if new_geometry is not None:
            _adjust_layer_stats(layer, delta=0, geometry=new_geometry)
        _notify(layer.pk, [old_geometry, new_geometry])
    return current


def feature_delete(
    *, feature: Feature, base_version: int | None = None, user=None, channel: str = "system"
) -> None:
    with transaction.atomic():
        current = Feature.objects.select_for_update().get(pk=feature.pk)
        if base_version is not None and current.version != base_version:
            raise VersionConflict(current)
        geometry = current.geom
        current.delete()
        _adjust_layer_stats(current.layer, delta=-1, geometry=None)
        _notify(feature.layer_id, [geometry])


def features_bulk_create(
    *, layer: Layer, rows: Iterable[FeatureInput], user=None, channel: str = "import", batch_size: int = 2000
) -> int:
    """Validate and insert many features in one transaction; any bad row aborts all."""
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
        layer_refresh_stats(layer=layer)
        transaction.on_commit(lambda: features_changed.send(sender=Feature, layer_id=layer.pk, bboxes=None))
    return len(objects)


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
