"""Feature writes through layers/services.py: validation with field-level errors, versions,
conflicts, cached layer statistics and change notification."""
import pytest
from django.contrib.gis.geos import LineString, Point, Polygon

from layers.models import Feature
from layers.schema import PropertyValidationError
from layers.services import (
    FeatureInput,
    GeometryValidationError,
    VersionConflict,
    feature_create,
    feature_delete,
    feature_update,
    features_bulk_create,
    layer_clear,
    layer_refresh_stats,
)
from layers.signals import features_changed
from tests.conftest import make_layer

HARBIN = Point(126.63, 45.75, srid=4326)


@pytest.fixture
def changes():
    received = []

    def listener(sender, layer_id, bboxes, **kwargs):
        received.append((layer_id, bboxes))

    features_changed.connect(listener)
    yield received
    features_changed.disconnect(listener)


@pytest.mark.django_db
def test_bad_properties_give_one_message_per_field(school_layer):
    with pytest.raises(PropertyValidationError) as info:
        feature_create(layer=school_layer, geometry=HARBIN, properties={"pupils": "lots", "level": "college"})
    assert info.value.errors == {
        "name": "This field is required.",
        "pupils": "Enter a whole number.",
        "level": "Choose one of: primary, middle.",
    }
    assert Feature.objects.filter(layer=school_layer).count() == 3


@pytest.mark.django_db
@pytest.mark.parametrize("geometry, message", [
    (LineString((126.6, 45.7), (126.7, 45.8), srid=4326), "holds point geometries"),
    (Point(116.4, 39.9, srid=4326), "outside the area this platform serves"),
    (Point(srid=4326), "empty"),
])
def test_bad_geometries_are_refused_with_a_reason(school_layer, geometry, message):
    with pytest.raises(GeometryValidationError, match=message):
        feature_create(layer=school_layer, geometry=geometry, properties={"name": "x", "level": "primary"})


@pytest.mark.django_db
def test_invalid_polygon_is_refused(departments):
    layer = make_layer("zones", departments["planning"], geometry_type="polygon", schema=[])
    bowtie = Polygon(((126.6, 45.7), (126.7, 45.8), (126.7, 45.7), (126.6, 45.8), (126.6, 45.7)), srid=4326)
    with pytest.raises(GeometryValidationError, match="not valid"):
        feature_create(layer=layer, geometry=bowtie, properties={})


@pytest.mark.django_db
def test_geometry_in_another_crs_is_stored_in_4326(school_layer):
    web_mercator = Point(14096700, 5742300, srid=3857)
    feature = feature_create(layer=school_layer, geometry=web_mercator, properties={"name": "新校", "level": "primary"})
    feature.refresh_from_db()
    assert feature.geom.srid == 4326 and abs(feature.geom.x - 126.63) < 0.01


@pytest.mark.django_db(transaction=True)
def test_create_updates_stats_and_notifies_after_commit(school_layer, changes):
    changes.clear()
    far = Point(126.9, 45.9, srid=4326)
    feature = feature_create(layer=school_layer, geometry=far, properties={"name": "远郊小学", "level": "primary"})
    school_layer.refresh_from_db()
    assert school_layer.feature_count == 4
    assert school_layer.extent.extent[2:] == (126.9, 45.9)
    assert feature.name == "远郊小学"
    assert changes == [(school_layer.pk, [(126.9, 45.9, 126.9, 45.9)])]


@pytest.mark.django_db
def test_update_bumps_version_and_refuses_a_stale_base(school_layer, users):
    feature = Feature.objects.filter(layer=school_layer).first()
    updated = feature_update(feature=feature, base_version=1, properties={"pupils": 999}, partial=True,
                             user=users["planning_editor"])
    assert updated.version == 2 and updated.properties["pupils"] == 999 and updated.properties["name"] == feature.name
    assert updated.updated_by == users["planning_editor"]
    with pytest.raises(VersionConflict) as info:
        feature_update(feature=feature, base_version=1, properties={"pupils": 1}, partial=True)
    assert info.value.feature.version == 2
    assert Feature.objects.get(pk=feature.pk).properties["pupils"] == 999


@pytest.mark.django_db
def test_update_validates_the_merged_properties(school_layer):
    feature = Feature.objects.filter(layer=school_layer).first()
    with pytest.raises(PropertyValidationError) as info:
        feature_update(feature=feature, base_version=1, properties={"founded": "yesterday"}, partial=True)
    assert info.value.errors == {"founded": "Enter a date as YYYY-MM-DD."}
    assert Feature.objects.get(pk=feature.pk).version == 1


@pytest.mark.django_db
def test_delete_with_stale_version_conflicts_and_refresh_shrinks_the_extent(school_layer):
    features = list(Feature.objects.filter(layer=school_layer).order_by("id"))
    feature_update(feature=features[0], base_version=1, geometry=Point(126.64, 45.75, srid=4326))
    with pytest.raises(VersionConflict):
        feature_delete(feature=features[0], base_version=1)
    feature_delete(feature=features[2], base_version=1)  # the one at 126.60, 45.78
    school_layer.refresh_from_db()
    assert school_layer.feature_count == 2
    assert school_layer.extent.extent[0] == 126.60  # the cached extent only grows ...
    layer_refresh_stats(layer=school_layer)
    assert school_layer.extent.extent == (126.64, 45.75, 126.65, 45.76)  # ... until refreshed


@pytest.mark.django_db
def test_bulk_create_is_all_or_nothing_and_names_the_bad_row(school_layer):
    rows = [FeatureInput(Point(126.6 + i / 100, 45.7, srid=4326), {"name": f"校{i}", "level": "primary"})
            for i in range(5)]
    rows[3] = FeatureInput(rows[3].geometry, {"name": "坏", "level": "kindergarten"})
    with pytest.raises(ValueError, match="Row 4: level: Choose one of"):
        features_bulk_create(layer=school_layer, rows=rows)
    assert Feature.objects.filter(layer=school_layer).count() == 3
    del rows[3]
    assert features_bulk_create(layer=school_layer, rows=rows) == 4
    school_layer.refresh_from_db()
    assert school_layer.feature_count == 7


@pytest.mark.django_db(transaction=True)
def test_layer_clear_empties_the_layer_and_notifies(school_layer, changes):
    changes.clear()
    assert layer_clear(layer=school_layer) == 3
    school_layer.refresh_from_db()
    assert school_layer.feature_count == 0 and school_layer.extent is None
    assert changes == [(school_layer.pk, None)]
