"""A grant's scope (fields, area) and expiry, as layers.permissions and layers.scope decide them."""
import datetime

from django.contrib.gis.geos import MultiPolygon, Polygon
from django.utils import timezone

from layers.models import Layer, LayerGrant
from layers.permissions import layers_for, user_can
from layers.scope import EVERYTHING, feature_scope
from tests.conftest import make_layer


def _internal_layer(departments) -> Layer:
    return make_layer("parcels", departments["education"], visibility=Layer.Visibility.DEPARTMENT)


def _grant(layer, department, **scope) -> LayerGrant:
    return LayerGrant.objects.create(layer=layer, department=department, **scope)


def test_expired_grants_give_nothing(users, departments):
    layer = _internal_layer(departments)
    grant = _grant(layer, departments["planning"], expires_at=timezone.now() + datetime.timedelta(hours=1))
    viewer = users["planning_editor"]
    assert user_can(viewer, "view", layer)
    LayerGrant.objects.filter(pk=grant.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    assert not user_can(viewer, "view", layer)
    assert not layers_for(viewer).filter(pk=layer.pk).exists()


def test_scoped_grants_combine_and_unscoped_views_see_everything(users, departments):
    layer = _internal_layer(departments)
    west = MultiPolygon(Polygon.from_bbox((126.5, 45.7, 126.6, 45.8)), srid=4326)
    east = MultiPolygon(Polygon.from_bbox((126.7, 45.7, 126.8, 45.8)), srid=4326)
    _grant(layer, departments["planning"], fields=["name"], area=west)
    viewer = users["planning_editor"]
    LayerGrant.objects.create(layer=layer, user=viewer, fields=["level"], area=east)

    scope = feature_scope(principal=viewer, layer=layer)
    assert scope.fields == ("level", "name")
    assert scope.area.covers(west.union(east))
    assert not scope.shows_field("pupils")

    assert feature_scope(principal=users["education_editor"], layer=layer) is EVERYTHING  # owner
    assert feature_scope(principal=users["admin"], layer=layer) is EVERYTHING

    LayerGrant.objects.filter(user=viewer).update(fields=None, area=None)  # one unscoped grant suffices
    assert feature_scope(principal=viewer, layer=layer) is EVERYTHING
