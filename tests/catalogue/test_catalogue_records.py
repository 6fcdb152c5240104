"""Catalogue records: who reads which, the managers' edits (validated, audited), freshness after
edits, the faceted pinyin search, and the per-record ISO 19139 / DCAT / OGC API - Records documents."""
from __future__ import annotations

import json

import pytest
from django.contrib.gis.geos import Point
from django.core.management import call_command
from owslib.etree import etree
from owslib.iso import MD_Metadata

from layers.catalogue.models import CatalogueRecord
from layers.catalogue.services import records_complete, records_rebase
from layers.history.models import AuditLog
from layers.models import Layer
from layers.services import feature_create
from tests.conftest import make_layer


@pytest.fixture
def catalogue(departments, school_layer, django_capture_on_commit_callbacks):
    """A public education layer with features, an internal planning layer, and a hidden one."""
    make_layer("zoning", departments["planning"], visibility=Layer.Visibility.DEPARTMENT, theme="planning")
    secret = make_layer("secret-sites", departments["planning"], visibility=Layer.Visibility.DEPARTMENT)
    records_complete()
    CatalogueRecord.objects.filter(layer=secret).update(hidden=True)
    school_layer.title_zh = "学校"
    with django_capture_on_commit_callbacks(execute=True):  # the record follows the layer's save
        school_layer.save()
    return school_layer


def _slugs(response) -> list[str]:
    return sorted(f["id"] for f in response.json()["features"])


def test_every_layer_gets_a_record_filled_from_its_data(catalogue):
    record = CatalogueRecord.objects.get(layer=catalogue)
    assert record.topic_category == "society"  # from the layer's theme
    assert record.data_first_edit_at is not None and record.data_last_edit_at is not None
    assert CatalogueRecord.objects.count() == Layer.objects.count()


def test_metadata_crosses_departments_but_hidden_records_do_not(client, users, catalogue):
    assert _slugs(client.get("/ogc/collections/catalogue/items")) == ["schools"]
    client.force_login(users["education_editor"])
    assert _slugs(client.get("/ogc/collections/catalogue/items")) == ["schools", "zoning"]
    page = client.get("/catalogue/zoning/")
    assert page.status_code == 200 and "record-no-preview" in page.text
    assert client.get("/catalogue/secret-sites/").status_code == 404
    assert client.get("/catalogue/secret-sites/iso19139.xml").status_code == 404
    client.force_login(users["planning_editor"])
    assert _slugs(client.get("/ogc/collections/catalogue/items")) == ["schools", "secret-sites", "zoning"]


def test_the_public_reads_public_records_only(client, catalogue):
    assert client.get("/catalogue/zoning/").status_code == 404
    assert client.get("/ogc/collections/catalogue/items/zoning").status_code == 404
    assert client.get("/catalogue/zoning/dcat.jsonld").status_code == 404
    assert "zoning" not in client.get("/catalogue/").text


def test_a_manager_edits_the_record_validated_and_audited(client, users, catalogue, departments):
    layer = make_layer("plans", departments["planning"], theme="planning")
    records_complete()
    client.force_login(users["planning_manager"])
    form = {"title_zh": "控制性详细规划", "title_en": "Regulatory plans", "description_zh": "规划图层",
            "keywords": "规划，用地、控规", "topic_category": "planningCadastre", "maintenance_frequency": "monthly",
            "review_number": "GS(2024)1234号", "temporal_begin": "2024-01-01", "temporal_end": "2020-01-01",
            "field_zh__pupils": "在校学生人数"}
    bad = client.post("/catalogue/plans/edit/", form)
    assert bad.status_code == 400 and "error-temporal_end" in bad.text
    bad = client.post("/catalogue/plans/edit/", {**form, "temporal_end": "2025-01-01", "review_number": "1234"})
    assert bad.status_code == 400 and "error-review_number" in bad.text
    ok = client.post("/catalogue/plans/edit/", {**form, "temporal_end": "2025-01-01"})
    assert ok.status_code == 302
    layer.refresh_from_db()
    record = CatalogueRecord.objects.get(layer=layer)
    assert layer.title_zh == "控制性详细规划"  # the layer's own title, not a copy
    assert record.keywords == ["规划", "用地", "控规"]
    assert record.field_descriptions == {"pupils": {"zh": "在校学生人数", "en": ""}}
    entry = AuditLog.objects.get(action="catalogue.update", layer=layer)
    assert entry.changes["title_zh"] == ["plans 图层", "控制性详细规划"]
    assert entry.changes["review_number"] == ["", "GS(2024)1234号"]
    page = client.get("/catalogue/plans/")
    assert "在校学生人数" in page.text and "GS(2024)1234号" in page.text


def test_only_managers_of_the_owning_department_edit(client, users, catalogue):
    client.force_login(users["planning_manager"])
    assert client.get("/catalogue/schools/edit/").status_code == 403
    assert client.post("/catalogue/schools/edit/", {"title_zh": "x"}).status_code == 403
    client.force_login(users["education_editor"])
    assert client.post("/catalogue/schools/edit/", {"title_zh": "x"}).status_code == 403
    assert Layer.objects.get(slug="schools").title_zh == "学校"


def test_edits_of_the_data_refresh_the_record(catalogue, django_capture_on_commit_callbacks):
    before = CatalogueRecord.objects.get(layer=catalogue).data_last_edit_at
    with django_capture_on_commit_callbacks(execute=True):
        feature_create(layer=catalogue, geometry=Point(126.70, 45.80, srid=4326),
                       properties={"name": "新校", "level": "primary"})
    record = CatalogueRecord.objects.get(layer=catalogue)
    assert record.data_last_edit_at > before
    assert "126.7" in record.iso_xml  # the extent grew, and the stored document with it


def test_search_in_chinese_pinyin_and_english_with_facets(client, users, catalogue):
    client.force_login(users["education_editor"])
    for q in ("学校", "xuexiao", "xx", "schools"):
        assert _slugs(client.get("/ogc/collections/catalogue/items", {"q": q})) == ["schools"], q
    page = client.get("/catalogue/", {"q": "xuexiao"})
    assert page.status_code == 200 and 'data-slug="schools"' in page.text and 'data-slug="zoning"' not in page.text
    facets = client.get("/catalogue/").context["facets"]
    assert {f.value: f.count for f in facets["department"]} == {"education": 1, "planning": 1}
    assert _slugs(client.get("/ogc/collections/catalogue/items", {"department": "planning"})) == ["zoning"]
    assert client.get("/catalogue/", {"topic": "nonsense"}).status_code == 400


def test_records_filters_bbox_datetime_and_bad_values(client, catalogue):
    url = "/ogc/collections/catalogue/items"
    assert _slugs(client.get(url, {"bbox": "126.5,45.7,126.7,45.8"})) == ["schools"]
    assert _slugs(client.get(url, {"bbox": "100,10,101,11"})) == []
    assert _slugs(client.get(url, {"datetime": "2000-01-01/.."})) == ["schools"]
    assert _slugs(client.get(url, {"datetime": "../2000-01-01"})) == []
    for bad in ({"bbox": "1,2,3"}, {"datetime": "yesterday"}, {"limit": "0"}, {"colour": "red"}):
        response = client.get(url, bad)
        assert response.status_code == 400 and response.json()["description"], bad
    conformance = client.get("/ogc/conformance").json()["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-records-1/1.0/conf/core" in conformance
    assert "catalogue" in [c["id"] for c in client.get("/ogc/collections").json()["collections"]]


def test_iso19139_reads_with_owslib_and_dcat_is_json_ld(client, catalogue):
    response = client.get("/catalogue/schools/iso19139.xml")
    md = MD_Metadata(etree.fromstring(response.content))
    assert md.identifier == "schools"
    assert md.identification[0].title == "学校"
    assert md.identification[0].topiccategory == ["society"]
    bbox = md.identification[0].bbox
    assert float(bbox.minx) == pytest.approx(126.60) and float(bbox.maxy) == pytest.approx(45.78)
    assert any("/ogc/collections/schools/items" in o.url for o in md.distribution.online)
    dcat = json.loads(client.get("/catalogue/schools/dcat.jsonld").content)
    assert dcat["@type"] == "dcat:Dataset" and dcat["dct:identifier"] == "schools"
    urls = [d["dcat:accessURL"] for d in dcat["dcat:distribution"]]
    assert any(url.endswith("/api/layers/schools/export?format=gpkg") for url in urls)


def test_request_access_link_for_staff_of_another_department(client, users, catalogue):
    client.force_login(users["education_editor"])
    page = client.get("/catalogue/zoning/")  # planning's internal layer
    assert 'href="/sharing/requests/new/?layer=zoning"' in page.text
    assert "request-access" not in client.get("/catalogue/schools/").text  # own department
    client.force_login(users["planning_editor"])
    assert "request-access" not in client.get("/catalogue/zoning/").text


def test_the_catalogue_in_english(client, catalogue, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get("/catalogue/", {"q": "schools"})
    assert "Resource catalogue" in page.text and "1 resource" in page.text
    assert "schools layer" in page.text  # the layer's English title
    record = client.get("/ogc/collections/catalogue/items/schools", HTTP_ACCEPT_LANGUAGE="en").json()
    assert record["properties"]["title"] == "schools layer"


def test_stored_iso_documents_follow_a_new_site_address(settings, departments, school_layer):
    """CSW serves the stored ISO 19139 as it is: a changed CATALOGUE_SITE_URL rewrites it."""
    records_complete()
    assert records_rebase() == 0  # written under the current address
    settings.CATALOGUE_SITE_URL = "https://gis.harbin.gov.cn"
    call_command("catalogue_rebase")
    iso = CatalogueRecord.objects.get(layer=school_layer).iso_xml
    assert "https://gis.harbin.gov.cn/ogc/collections/schools" in iso and "localhost" not in iso
    assert records_rebase() == 0
