import pytest
from django.contrib.gis.geos import Point
from django.db import IntegrityError, transaction
from django.utils import translation

from layers.models import Feature, Layer, LayerGrant, default_style
from tests.conftest import make_layer


@pytest.mark.django_db
def test_layer_defaults_and_bilingual_title(departments):
    layer = make_layer("parks", departments["planning"])
    assert layer.style == default_style() and layer.visibility == Layer.Visibility.PUBLIC
    assert layer.feature_count == 0 and layer.extent is None and not layer.is_demo
    with translation.override("en"):
        assert layer.title == "parks layer"
    with translation.override("zh-hans"):
        assert layer.title == "parks 图层"


@pytest.mark.django_db
def test_zoom_range_is_enforced_by_the_database(departments):
    with pytest.raises(IntegrityError), transaction.atomic():
        make_layer("bad-zoom", departments["planning"], min_zoom=15, max_zoom=10)


@pytest.mark.django_db
def test_slug_is_unique(departments):
    make_layer("schools", departments["education"])
    with pytest.raises(IntegrityError), transaction.atomic():
        make_layer("schools", departments["planning"])


@pytest.mark.django_db
def test_a_grant_names_exactly_one_grantee_once(departments, users, school_layer):
    with pytest.raises(IntegrityError), transaction.atomic():
        LayerGrant.objects.create(layer=school_layer)
    with pytest.raises(IntegrityError), transaction.atomic():
        LayerGrant.objects.create(layer=school_layer, department=departments["planning"], user=users["public"])
    LayerGrant.objects.create(layer=school_layer, department=departments["planning"])
    with pytest.raises(IntegrityError), transaction.atomic():
        LayerGrant.objects.create(layer=school_layer, department=departments["planning"], level="edit")


@pytest.mark.django_db
def test_features_keep_geometry_in_4326_and_go_with_their_layer(school_layer):
    feature = Feature.objects.filter(layer=school_layer).first()
    assert feature.geom.srid == 4326 and feature.version == 1 and str(feature) == feature.name
    unnamed = Feature(layer=school_layer, geom=Point(126.6, 45.7, srid=4326))
    assert str(unnamed) == f"{school_layer.pk}/None"
    school_layer.delete()
    assert not Feature.objects.filter(pk=feature.pk).exists()


@pytest.mark.django_db
def test_a_deleted_user_leaves_the_features_they_wrote_without_a_writer(school_layer, users):
    """created_by / updated_by have no database constraint; Django clears them when a user goes."""
    from layers.services import feature_create

    writer = users["education_editor"]
    feature = feature_create(layer=school_layer, geometry=Point(126.6, 45.7, srid=4326),
                             properties={"name": "新校", "level": "middle"}, user=writer)
    assert (feature.created_by, feature.updated_by) == (writer, writer)
    writer.delete()
    feature.refresh_from_db()
    assert (feature.created_by_id, feature.updated_by_id) == (None, None)
