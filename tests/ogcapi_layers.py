"""Layers the OGC API - Tiles and Maps tests share: a department-only layer and small raster layers."""
from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.gis.geos import Point
from osgeo import gdal

from layers.models import Layer
from layers.services import feature_create
from tests.conftest import make_layer
from tests.raster_factories import raster_layer_create, write_elevation, write_imagery

HIDDEN_SLUG = "planning-secret"
gdal.UseExceptions()


def hidden_layer_create(departments) -> Layer:
    """A planning-department-only point layer: invisible to the public and to other departments."""
    layer = make_layer(HIDDEN_SLUG, departments["planning"], visibility=Layer.Visibility.DEPARTMENT)
    feature_create(layer=layer, geometry=Point(126.64, 45.76, srid=4326),
                   properties={"name": "内部", "level": "primary"})
    layer.refresh_from_db()
    return layer


def raster_layer_for_tests(settings, users, tmp_path: Path, kind: str) -> Layer:
    """A public elevation ("dem") or imagery ("ortho") layer over central Harbin, its COG in tmp_path."""
    settings.RASTER_ROOT = tmp_path / "rasters"
    settings.IMPORT_WORK_DIR = str(tmp_path / "imports")
    write = write_elevation if kind == "dem" else write_imagery
    return raster_layer_create(user=users["planning_manager"], path=write(tmp_path / f"{kind}.tif"),
                               title=f"{kind} 测试", slug=kind)


def decode_image(body: bytes, name: str) -> gdal.Dataset:
    """An image the server sent, opened by GDAL from memory."""
    path = f"/vsimem/{name}"
    gdal.FileFromMemBuffer(path, body)
    return gdal.Open(path)


# Fixtures; a test module takes them by assigning them to its own names (hidden_layer = …).
@pytest.fixture
def hidden_layer(departments) -> Layer:
    return hidden_layer_create(departments)


@pytest.fixture
def dem(settings, users, tmp_path) -> Layer:
    return raster_layer_for_tests(settings, users, tmp_path, "dem")


@pytest.fixture
def ortho(settings, users, tmp_path) -> Layer:
    return raster_layer_for_tests(settings, users, tmp_path, "ortho")
