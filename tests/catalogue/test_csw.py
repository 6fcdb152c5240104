"""CSW 2.0.2 at /csw against a live server, read by OWSLib's CatalogueServiceWeb and GDAL's CSW
driver; anonymous clients find public records only, a token covering a department finds its records."""
from __future__ import annotations

import json
import subprocess

import pytest
from owslib.csw import CatalogueServiceWeb
from owslib.fes import BBox, PropertyIsEqualTo, PropertyIsLike

from layers.api.tokens import token_issue
from layers.catalogue.services import records_complete
from layers.models import Layer
from tests.conftest import make_layer

pytestmark = pytest.mark.django_db(transaction=True)
GMD = "http://www.isotc211.org/2005/gmd"


@pytest.fixture
def records(departments, school_layer):
    make_layer("zoning", departments["planning"], visibility=Layer.Visibility.STAFF, theme="planning")
    records_complete()
    return school_layer


def test_owslib_capabilities_getrecords_and_getrecordbyid(live_server, records):
    csw = CatalogueServiceWeb(f"{live_server.url}/csw", version="2.0.2")
    assert csw.identification.type == "CSW"
    assert {"GetCapabilities", "DescribeRecord", "GetRecords", "GetRecordById"} <= {o.name for o in csw.operations}
    csw.getrecords2(esn="full", maxrecords=50)
    assert sorted(csw.records) == ["schools"]  # the staff-only record is not for anonymous clients
    csw.getrecords2(constraints=[PropertyIsLike("csw:AnyText", "%schools%")], esn="full")
    assert list(csw.records) == ["schools"]
    csw.getrecords2(constraints=[PropertyIsEqualTo("dc:identifier", "zoning")], esn="full")
    assert csw.results["matches"] == 0
    csw.getrecords2(constraints=[BBox([45.7, 126.5, 45.8, 126.7])], esn="brief")
    assert list(csw.records) == ["schools"]
    csw.getrecords2(constraints=[BBox([10, 100, 11, 101])], esn="brief")
    assert csw.results["matches"] == 0
    csw.getrecordbyid(["schools"], outputschema=GMD)
    md = csw.records["schools"]
    assert md.identification[0].topiccategory == ["society"]
    csw.getrecordbyid(["zoning"], outputschema=GMD)
    assert not csw.records
    csw.describerecord("csw:Record")  # answered, not an exception report


def test_a_token_covering_a_department_finds_its_internal_records(live_server, records, departments):
    _, secret = token_issue(name="catalogue", departments=[departments["planning"]])
    csw = CatalogueServiceWeb(f"{live_server.url}/csw", version="2.0.2",
                              headers={"Authorization": f"Bearer {secret}"})
    csw.getrecords2(esn="full", maxrecords=50)
    assert sorted(csw.records) == ["schools", "zoning"]


def _ogr_geojson(*args: str) -> dict:
    """ogr2ogr from GDAL's CSW driver into GeoJSON, in its own process (as the other GDAL client tests)."""
    done = subprocess.run(["ogr2ogr", "-f", "GeoJSON", "/vsistdout/", *args], capture_output=True, text=True,
                          timeout=60, env={"GDAL_HTTP_TIMEOUT": "30", "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_gdal_csw_driver_reads_the_records(live_server, records):
    every = _ogr_geojson(f"CSW:{live_server.url}/csw")
    assert sorted(f["properties"]["identifier"] for f in every["features"]) == ["schools"]
    properties = every["features"][0]["properties"]
    assert properties["subject"] == "society" and properties["type"] == "dataset"
    inside = _ogr_geojson("-spat", "126.5", "45.7", "126.7", "45.8", f"CSW:{live_server.url}/csw")
    assert [f["properties"]["identifier"] for f in inside["features"]] == ["schools"]
    outside = _ogr_geojson("-spat", "100", "10", "101", "11", f"CSW:{live_server.url}/csw")
    assert outside["features"] == []
