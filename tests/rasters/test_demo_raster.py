"""The demo elevation layer loaded through the upload service: labelled, a COG with a hillshade,
loaded once, and made again in the same layer when its COG was lost."""
from __future__ import annotations

import pytest

from fixtures.demo_raster import SLUG, load_demo_raster
from layers.io.models import ImportJob
from layers.rasters.models import RasterSource
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def planning(departments):
    make_user("demo_manager", department=departments["planning"], role="manager")
    return departments["planning"]


def test_the_demo_raster_is_labelled_and_loaded_once(planning, raster_root):
    layer = load_demo_raster(department=planning)
    assert layer.slug == SLUG and layer.is_raster and layer.is_demo and layer.visibility == "public"
    assert "示例" in layer.title_zh and "demo data" in layer.attribution
    source = layer.raster
    assert (source.kind, source.epsg, source.width, source.height) == ("elevation", 4490, 1000, 640)
    low, high = source.value_range
    assert 110 <= low <= 125 and 250 <= high <= 300
    assert source.hillshade_path and source.overview_count >= 2 and layer.style["raster"]["hillshade"]
    stamp = (layer.updated_at, source.pk, ImportJob.objects.count())
    again = load_demo_raster(department=planning)
    assert (again.updated_at, again.raster.pk, ImportJob.objects.count()) == stamp


def test_a_lost_cog_is_made_again_in_the_same_layer(planning, raster_root):
    layer = load_demo_raster(department=planning)
    (raster_root / layer.raster.path).unlink()
    again = load_demo_raster(department=planning)
    assert again.pk == layer.pk and RasterSource.objects.get(layer=again).pk != layer.raster.pk
    assert (raster_root / again.raster.path).exists()
