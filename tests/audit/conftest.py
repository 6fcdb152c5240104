"""Fixtures of the audit tests: an internal layer with a feature, and an empty read queue."""
from __future__ import annotations

import pytest
from django.contrib.gis.geos import Point

from geoportal.audit.reads import QUEUE_KEY, _queue
from layers.models import Layer
from layers.services import feature_create
from tests.conftest import make_layer

HARBIN = (126.642, 45.757)


@pytest.fixture
def read_queue(settings):
    """The Redis list of queued reads, empty at the start and the end of the test."""
    _queue.cache_clear()
    queue = _queue()
    queue.delete(QUEUE_KEY)
    yield queue
    queue.delete(QUEUE_KEY)
    _queue.cache_clear()


@pytest.fixture
def internal_layer(departments, users) -> Layer:
    layer = make_layer("pipes", departments["planning"], visibility=Layer.Visibility.DEPARTMENT)
    feature_create(layer=layer, geometry=Point(*HARBIN, srid=4326),
                   properties={"name": "Songhua pump", "level": "primary"}, user=users["planning_editor"])
    return layer


@pytest.fixture
def public_layer(departments, users) -> Layer:
    layer = make_layer("parks", departments["planning"])
    feature_create(layer=layer, geometry=Point(*HARBIN, srid=4326),
                   properties={"name": "Zhaolin park", "level": "primary"}, user=users["planning_editor"])
    return layer
