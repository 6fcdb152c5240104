"""Open311 GeoReport v2: field lists of the specification, JSON and XML, filters, POST with an
api_key, tokens, and errors as an array of {code, description}."""
import json
import xml.etree.ElementTree as ET

import pytest

from annotations.models import Annotation, PartnerKey, State
from annotations.open311.core import POST_RESPONSE_FIELDS, REQUEST_FIELDS, SERVICE_FIELDS
from annotations.services import hash_token
from annotations.workflow import annotation_transition
from tests.annotation_factories import IN_WEST, submit

SPEC_SERVICE = {"service_code", "service_name", "description", "metadata", "type", "keywords", "group"}
SPEC_REQUEST = {"service_request_id", "status", "status_notes", "service_name", "service_code", "description",
                "agency_responsible", "service_notice", "requested_datetime", "updated_datetime",
                "expected_datetime", "address", "address_id", "zipcode", "lat", "long", "media_url"}
API_KEY = "partner-secret-key-123456"


@pytest.fixture
def requests_(city):
    """One resolved, one in progress and one unmoderated request."""
    editor = city["urban_editor"]
    done = submit(city["light"], description="灯坏了 light broken").annotation
    for state, reply in [("published", ""), ("assigned", ""), ("in_progress", ""), ("resolved", "已修复 fixed")]:
        done = annotation_transition(annotation=done, to_state=state, user=editor, public_reply=reply)
    busy = submit(city["light"], IN_WEST.clone(), description="另一盏 another").annotation
    busy = annotation_transition(annotation=busy, to_state="published", user=city["service_editor"])
    hidden = submit(city["light"], description="未审核 unmoderated").annotation
    return {"done": done, "busy": busy, "hidden": hidden}


def test_services_json_and_xml(client, city):
    data = client.get("/open311/v2/services.json").json()
    assert {s["service_code"] for s in data} >= {"street_light", "road_damage", "drainage"}
    assert all(set(s) == SPEC_SERVICE == set(SERVICE_FIELDS) for s in data)
    assert all(s["type"] in ("realtime", "batch", "blackbox") and s["metadata"] is False for s in data)
    response = client.get("/open311/v2/services.xml")
    assert response["Content-Type"].startswith("text/xml")
    root = ET.fromstring(response.content)
    assert root.tag == "services" and {c.tag for c in root[0]} == SPEC_SERVICE


def test_requests_list_fields_and_filters(client, requests_):
    data = client.get("/open311/v2/requests.json").json()
    ids = {r["service_request_id"] for r in data}
    assert ids == {requests_["done"].tracking_number, requests_["busy"].tracking_number}
    assert all(set(r) == SPEC_REQUEST == set(REQUEST_FIELDS) for r in data)
    done = next(r for r in data if r["service_request_id"] == requests_["done"].tracking_number)
    assert done["status"] == "closed" and done["status_notes"] == "已修复 fixed"
    assert abs(done["lat"] - 45.75) < 1e-6 and abs(done["long"] - 126.66) < 1e-6
    assert done["requested_datetime"].endswith("+08:00")
    closed = client.get("/open311/v2/requests.json", {"status": "closed"}).json()
    assert [r["service_request_id"] for r in closed] == [requests_["done"].tracking_number]
    assert client.get("/open311/v2/requests.json", {"service_code": "drainage"}).json() == []
    one = client.get("/open311/v2/requests.json", {"service_request_id": requests_["busy"].tracking_number}).json()
    assert [r["service_request_id"] for r in one] == [requests_["busy"].tracking_number]
    future = client.get("/open311/v2/requests.json", {"start_date": "2099-01-01T00:00:00+08:00",
                                                       "end_date": "2099-02-01T00:00:00+08:00"}).json()
    assert future == []
    root = ET.fromstring(client.get("/open311/v2/requests.xml").content)
    assert root.tag == "service_requests" and all(r.tag == "request" for r in root)
    assert {c.tag for c in root[0]} == SPEC_REQUEST


def test_single_request_and_errors(client, requests_):
    number = requests_["done"].tracking_number
    [item] = client.get(f"/open311/v2/requests/{number}.json").json()
    assert item["service_request_id"] == number
    missing = client.get(f"/open311/v2/requests/{requests_['hidden'].tracking_number}.json")
    assert missing.status_code == 404
    assert [set(e) for e in missing.json()] == [{"code", "description"}] and missing.json()[0]["code"] == 404
    bad = client.get("/open311/v2/requests.xml", {"status": "pending"})
    root = ET.fromstring(bad.content)
    assert bad.status_code == 400 and root.tag == "errors" and root[0].tag == "error"
    assert {c.tag for c in root[0]} == {"code", "description"} and root[0].find("code").text == "400"


def test_post_request_with_api_key_and_token(client, city):
    PartnerKey.objects.create(name="12345-hotline", prefix=API_KEY[:8], key_hash=hash_token(API_KEY))
    payload = {"service_code": "street_light", "lat": "45.75", "long": "126.66", "description": "路灯闪烁 flicker",
               "email": "partner-user@example.org", "first_name": "李", "last_name": "四"}
    refused = client.post("/open311/v2/requests.json", {**payload, "api_key": "wrong"})
    assert refused.status_code == 403 and refused.json()[0]["code"] == 403
    response = client.post("/open311/v2/requests.json", {**payload, "api_key": API_KEY})
    assert response.status_code == 201, response.content
    [created] = response.json()
    assert set(created) <= set(POST_RESPONSE_FIELDS) and created["service_request_id"].startswith("HRB-")
    annotation = Annotation.objects.get(tracking_number=created["service_request_id"])
    assert (annotation.source, annotation.contact, annotation.name) == ("12345-hotline", "partner-user@example.org",
                                                                         "李 四")
    assert annotation.department == city["urban"] and annotation.state == State.SUBMITTED
    [token] = client.get(f"/open311/v2/tokens/{created['token']}.json").json()
    assert token == {"service_request_id": annotation.tracking_number, "token": created["token"]}
    xml = client.post("/open311/v2/requests.xml", {**payload, "api_key": API_KEY, "service_code": "nope"})
    assert xml.status_code == 404 and ET.fromstring(xml.content).tag == "errors"
    no_place = client.post("/open311/v2/requests.json", {**payload, "api_key": API_KEY, "lat": ""})
    assert no_place.status_code == 400 and "lat" in json.loads(no_place.content)[0]["description"]
