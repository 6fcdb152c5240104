"""Fixtures of the search tests: the districts (gazetteer) and public service centres."""
import pytest

from layers.models import Layer
from tests.search_data import add_centres, add_districts


@pytest.fixture
def search_world(departments) -> dict[str, Layer]:
    return {
        "districts": add_districts(departments["planning"]),
        "centres": add_centres(departments["planning"]),
    }
