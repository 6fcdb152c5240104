"""What of a layer a viewer sees: every feature and property, or a grant's subset.

A layer seen by right (it is public, staff-wide to a staff user, the viewer's own department's, a
token's coverage, an administrator) is seen whole. A layer seen only through grants, and only
through scoped ones (a share request's field subset or area, layers/sharing), is seen through the
union of those grants' scopes: the properties any of them lists, the features meeting any of their
areas. Every reader of features (tiles, OGC API, REST, export, WMS, the change feed, live events)
asks `feature_scope` once per request, after layers.permissions decided the layer is visible.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from django.contrib.gis.geos import GEOSGeometry, MultiPolygon
from django.db.models import Q
from django.db.models.functions import Now

from layers.models import Layer, LayerGrant


@dataclass(frozen=True)
class FeatureScope:
    """All fields or these, everywhere or where features meet this area (EPSG:4326)."""

    fields: tuple[str, ...] | None = None
    area: GEOSGeometry | None = None

    @property
    def everything(self) -> bool:
        return self.fields is None and self.area is None

    def shows_field(self, name: str) -> bool:
        return self.fields is None or name in self.fields

    @property
    def key(self) -> str:
        """A short stable name of the scope for cache keys: "" for everything."""
        if self.everything:
            return ""
        text = f"{self.fields!r}|{self.area.ewkt if self.area is not None else ''}"
        return "s" + hashlib.sha256(text.encode()).hexdigest()[:16]

    @property
    def area_ewkb(self) -> bytes | None:
        """The area as EWKB in EPSG:4326, the features' CRS, for SQL parameters."""
        if self.area is None:
            return None
        area = self.area.clone()
        if area.srid is None:
            area.srid = 4326
        elif area.srid != 4326:
            area.transform(4326)
        return bytes(area.ewkb)

    def document(self) -> dict:
        """The scope as JSON (a job that draws later keeps the scope it was asked with)."""
        return {"fields": list(self.fields) if self.fields is not None else None,
                "area": json.loads(self.area.geojson) if self.area is not None else None}

    @classmethod
    def from_document(cls, document: dict) -> FeatureScope:
        fields, area = document.get("fields"), document.get("area")
        return cls(fields=tuple(fields) if fields is not None else None,
                   area=GEOSGeometry(json.dumps(area), srid=4326) if area is not None else None)

    def schema(self, fields: list):
        """The schema fields (layers.schema.FieldDef) the scope shows: a scoped viewer can neither
        read, filter nor sort on the others."""
        if self.fields is None:
            return list(fields)
        return [fdef for fdef in fields if fdef.name in self.fields]

    def properties(self, properties: dict) -> dict:
        """A feature's properties as the scope shows them."""
        if self.fields is None:
            return properties
        return {name: value for name, value in properties.items() if name in self.fields}

    def features(self, queryset):
        """A Feature queryset narrowed to the features the scope shows (those meeting its area)."""
        if self.area is None:
            return queryset
        return queryset.filter(geom__intersects=self.area)

    def properties_sql(self, column: str = "properties") -> tuple[str, list]:
        """SQL for a jsonb properties column as the scope shows it, and its parameters."""
        if self.fields is None:
            return column, []
        return (f"COALESCE((SELECT jsonb_object_agg(e.key, e.value) FROM jsonb_each({column}) AS e "
                "WHERE e.key = ANY(%s)), '{}'::jsonb)", [list(self.fields)])

    def area_sql(self, geometry: str = "geom") -> tuple[str, list]:
        """An SQL condition true for the features the scope shows, and its parameters."""
        if self.area is None:
            return "TRUE", []
        return f"ST_Intersects({geometry}, ST_GeomFromEWKB(%s))", [self.area_ewkb]


EVERYTHING = FeatureScope()


def _grants_of(principal, layer: Layer):
    """The principal's grants on the layer that are in force now (user's own, department's)."""
    who = Q(user_id=principal.pk)
    if getattr(principal, "is_department_staff", False) and principal.department_id:
        who |= Q(department_id=principal.department_id)
    return (LayerGrant.objects.filter(who, layer=layer)
            .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=Now())))


def _seen_by_right(principal, layer: Layer) -> bool:
    if getattr(principal, "token_id", None) is not None:  # tokens see by coverage, never by grant
        return True
    if not getattr(principal, "is_authenticated", False):
        return True  # anonymous visitors see public layers only, and those whole
    if principal.is_platform_admin or layer.visibility == Layer.Visibility.PUBLIC:
        return True
    if not principal.is_department_staff:
        return False
    return layer.visibility == Layer.Visibility.STAFF or layer.department_id == principal.department_id


def reader_scope(*, principal, layer: Layer) -> FeatureScope | None:
    """The scope a reader applies to `layer`, which `principal` may view; None when it is a raster
    seen only through a scoped share: a raster has no features to cut, so such a layer is treated
    as not seen (404, and missing from lists)."""
    scope = feature_scope(principal=principal, layer=layer)
    return None if layer.is_raster and not scope.everything else scope


def drawing_scopes(*, principal, layers) -> dict[int, FeatureScope] | None:
    """The scopes, by layer id, of the scoped layers among `layers` for a drawing (WMS, WMTS, map
    images, prints); None when one of them is not seen (reader_scope)."""
    scopes = {}
    for layer in layers:
        scope = reader_scope(principal=principal, layer=layer)
        if scope is None:
            return None
        if not scope.everything:
            scopes[layer.pk] = scope
    return scopes


def feature_scope(*, principal, layer: Layer) -> FeatureScope:
    """The scope of `layer` for `principal`, who may view it (the caller asked layers.permissions)."""
    if principal is None or _seen_by_right(principal, layer):
        return EVERYTHING
    fields: set[str] | None = set()
    polygons: list[GEOSGeometry] | None = []
    for grant in _grants_of(principal, layer).only("fields", "area"):
        if not grant.scoped:
            return EVERYTHING
        if grant.fields is None:
            fields = None
        elif fields is not None:
            fields.update(grant.fields)
        if grant.area is None:
            polygons = None
        elif polygons is not None:
            polygons.extend(grant.area)
    area = None
    if polygons:
        area = MultiPolygon(polygons, srid=4326).unary_union
    return FeatureScope(fields=None if fields is None else tuple(sorted(fields)), area=area)
