"""The raster factories' fixtures for the tests in this folder."""
from tests.raster_factories import elevation_layer, imagery_layer, paletted_layer, raster_root  # noqa: F401
