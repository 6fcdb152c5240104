"""Splitting a line or polygon feature with a drawn line (ST_Split in PostGIS).

The first part stays the feature (as its next version); every other part becomes a new
feature with the same properties. All in one transaction: either every part is written or none."""
from __future__ import annotations

from django.contrib.gis.geos import GEOSGeometry
from django.db import connection, transaction

from layers.models import Feature, Layer
from layers.services import GeometryValidationError, VersionConflict, feature_create, feature_update


def feature_split(
    *, feature: Feature, base_version: int, blade: GEOSGeometry, user=None, channel: str = "browser"
) -> list[Feature]:
    """Split `feature` along the line `blade`; return the parts, the original feature first."""
    if feature.layer.geometry_type not in (Layer.GeometryType.LINE, Layer.GeometryType.POLYGON):
        raise GeometryValidationError("Only line and polygon features can be split.")
    if blade.geom_type != "LineString":
        raise GeometryValidationError("Split with a line.")
    with transaction.atomic():
        current = Feature.objects.select_for_update().select_related("layer").get(pk=feature.pk)
        if current.version != base_version:
            raise VersionConflict(current)
        with connection.cursor() as cursor:
            cursor.execute(
                """
                SELECT ST_AsEWKB((ST_Dump(ST_Split(f.geom, ST_SetSRID(ST_GeomFromEWKB(%s), 4326)))).geom)
                FROM layers_feature f WHERE f.id = %s
                """,
                [bytes(blade.ewkb), current.pk],
            )
            parts = [GEOSGeometry(memoryview(bytes(row[0]))) for row in cursor.fetchall()]
        if len(parts) < 2:
            raise GeometryValidationError("The line does not cut this feature into parts; draw it across the feature.")
        first = feature_update(feature=current, base_version=base_version, geometry=parts[0], user=user,
                               channel=channel)
        others = [feature_create(layer=current.layer, geometry=part, properties=current.properties, user=user,
                                 channel=channel) for part in parts[1:]]
    return [first, *others]
