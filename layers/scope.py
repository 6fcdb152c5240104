"""What of a layer a viewer sees: every feature and property, or a grant's subset.

A layer seen by right (it is public, staff-wide to a staff user, the viewer's own department's, a
token's coverage, an administrator) is seen whole. A layer seen only through grants, and only
through scoped ones (a share request's field subset or area, layers/sharing), is seen through the
union of those grants' scopes: the properties any of them lists, the features meeting any of their
areas. Every reader of features (tiles, OGC API, REST, export, WMS, the change feed, live events)
asks `feature_scope` once per request, after layers.permissions decided the layer is visible.
"""
from __future__ import annotations

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
