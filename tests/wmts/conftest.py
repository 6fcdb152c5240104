"""Layers the WMTS tests share: a department-only one and a token for it, and the raster factories' imagery."""
from __future__ import annotations

import pytest
from django.contrib.gis.geos import Point

from layers.api.tokens import token_issue
from layers.models import Layer
from layers.services import feature_create
from tests.conftest import make_layer
from tests.raster_factories import imagery_layer, raster_root  # noqa: F401 (fixtures)

HIDDEN_POINT = (126.64, 45.76)


@pytest.fixture
def hidden_layer(departments) -> Layer:
    layer = make_layer("planning-secret", departments["planning"], visibility=Layer.Visibility.DEPARTMENT)
    feature_create(layer=layer, geometry=Point(*HIDDEN_POINT, srid=4326),
                   properties={"name": "内部", "level": "primary"})
    layer.refresh_from_db()
    return layer


@pytest.fixture
def hidden_token(hidden_layer) -> str:
    return token_issue(name="city-gis", layers=[hidden_layer])[1]
