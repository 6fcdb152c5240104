"""A grant's scope (fields, area) and expiry, as layers.permissions and layers.scope decide them."""
import datetime
import json

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


def test_scope_sql_and_python_helpers_show_the_same_subset(departments):
    from django.db import connection

    from layers.models import Feature
    from layers.scope import FeatureScope

    layer = _internal_layer(departments)
    inside = Feature.objects.create(layer=layer, geom="SRID=4326;POINT(126.55 45.75)",
                                    properties={"name": "a", "pupils": 3})
    Feature.objects.create(layer=layer, geom="SRID=4326;POINT(126.75 45.75)", properties={"name": "b", "pupils": 4})
    west = MultiPolygon(Polygon.from_bbox((126.5, 45.7, 126.6, 45.8)), srid=4326)
    scope = FeatureScope(fields=("name",), area=west)

    assert list(scope.features(Feature.objects.of_layer(layer)).values_list("pk", flat=True)) == [inside.pk]
    assert scope.properties(inside.properties) == {"name": "a"}
    props_sql, props_params = scope.properties_sql("f.properties")
    area_sql, area_params = scope.area_sql("f.geom")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT f.id, {props_sql} FROM layers_feature f WHERE f.layer_id = %s AND {area_sql}",
                       [*props_params, layer.pk, *area_params])
        rows = cursor.fetchall()
    assert [(pk, json.loads(props) if isinstance(props, str) else props) for pk, props in rows] == [
        (inside.pk, {"name": "a"})]
    assert scope.key.startswith("s") and scope.key != FeatureScope(fields=("pupils",), area=west).key
    assert EVERYTHING.key == "" and EVERYTHING.properties_sql("p") == ("p", [])
