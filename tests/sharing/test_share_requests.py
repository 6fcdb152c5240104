"""Share requests end to end through the pages: asked, told, approved narrower, applied, followed,
expired by moving the clock; refused, withdrawn, revoked, replaced; every step audited."""
import datetime
import json
import time

import pytest
import time_machine
from django.contrib.gis.geos import MultiPolygon, Point, Polygon
from django.core import mail
from django.utils import timezone

from geoportal.accounts.models import User
from layers.history.models import AuditLog
from layers.models import Feature, Layer, LayerGrant
from layers.permissions import user_can
from layers.printing.models import PrintJob
from layers.scope import feature_scope
from layers.search.indexing import reindex_layer
from layers.services import feature_create
from layers.sharing.models import ShareRequest
from layers.sharing.services import ShareError, share_grants_expire, share_request_approve
from tests.conftest import make_layer, make_user
from tests.tiles_support import decode_mvt

State = ShareRequest.State
NANGANG = Polygon.from_bbox((126.62, 45.70, 126.70, 45.79))


@pytest.fixture
def sharing(departments, users):
    """Education's internal schools (two in 南岗区, one outside), its manager, the districts."""
    layer = make_layer("schools", departments["education"], visibility=Layer.Visibility.DEPARTMENT)
    for i, (lon, lat) in enumerate([(126.63, 45.75), (126.65, 45.76), (126.55, 45.78)]):
        feature_create(layer=layer, geometry=Point(lon, lat, srid=4326),
                       properties={"name": f"第{i + 1}中学", "level": "middle", "pupils": 100 * (i + 1)})
    districts = make_layer("districts", departments["planning"], geometry_type=Layer.GeometryType.POLYGON,
                           schema=[{"name": "code", "type": "string"}, {"name": "name_zh", "type": "string"}])
    Feature.objects.create(layer=districts, geom=MultiPolygon(NANGANG, srid=4326),
                           properties={"code": "230103", "name_zh": "南岗区", "name_en": "Nangang District"})
    manager = make_user("e_manager", department=departments["education"], role=User.Role.MANAGER,
                        email="e_manager@example.org")
    users["planning_editor"].email = "p_editor@example.org"
    users["planning_editor"].save()
    return {"layer": layer, "manager": manager, "requester": users["planning_editor"]}


def _ask(client, **overrides):
    data = {"purpose": "学校周边规划评估 / planning around schools", "chosen": ["name"], "area_kind": "district",
            "district": "230103", "duration_days": "30", **overrides}
    if data.get("all_fields"):
        data.pop("chosen")
    return client.post("/sharing/requests/new/?layer=schools", data)


def test_a_request_approved_narrower_applies_and_expires_by_itself(client, sharing,
                                                                   django_capture_on_commit_callbacks):
    layer, manager, requester = sharing["layer"], sharing["manager"], sharing["requester"]
    client.force_login(requester)
    assert client.get("/sharing/requests/new/?layer=schools").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = _ask(client, chosen=["name", "level"])
    share = ShareRequest.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/sharing/requests/{share.pk}/"
    assert share.state == State.PENDING and share.fields == ["name", "level"] and share.area_label == "南岗区"
    assert not user_can(requester, "view", layer, scoped=True)  # nothing given before the decision
    assert mail.outbox[-1].to == ["e_manager@example.org"] and share.number in mail.outbox[-1].subject
    assert "pending" in client.get("/sharing/requests/").text

    client.force_login(manager)
    inbox = client.get("/sharing/inbox/")
    assert share.number in inbox.text
    page = client.get(f"/sharing/requests/{share.pk}/")
    assert 'data-testid="decision-form"' in page.text
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/sharing/requests/{share.pk}/", {
            "action": "decide", "decision": "approve", "chosen": ["name"], "area_kind": "whole",
            "duration_days": "20", "reason": "限于学校名称"})
    assert response.status_code == 302
    share.refresh_from_db()
    assert share.state == State.APPROVED and share.granted_fields == ["name"] and share.decided_by == manager
    assert abs(share.expires_at - (timezone.now() + datetime.timedelta(days=20))) < datetime.timedelta(minutes=1)
    grant = LayerGrant.objects.get(layer=layer, department=requester.department)
    assert share.grant == grant and grant.fields == ["name"] and grant.area.covers(Point(126.63, 45.75, srid=4326))
    assert mail.outbox[-1].to == ["p_editor@example.org"]

    assert user_can(requester, "view", layer, scoped=True)
    scope = feature_scope(principal=requester, layer=layer)
    assert scope.fields == ("name",)
    shown = scope.features(Feature.objects.of_layer(layer)).count()
    assert shown == 2  # the third school lies outside 南岗区
    client.force_login(requester)
    assert 'data-state="approved"' in client.get(f"/sharing/requests/{share.pk}/").text

    actions = list(AuditLog.objects.filter(layer=layer, action__startswith="share.").values_list("action", flat=True))
    assert sorted(actions) == ["share.approve", "share.request"]

    with time_machine.travel(timezone.now() + datetime.timedelta(days=19)):
        assert share_grants_expire() == 0
    with (time_machine.travel(timezone.now() + datetime.timedelta(days=20, minutes=5)),
          django_capture_on_commit_callbacks(execute=True)):
        assert share_grants_expire() == 1
    share.refresh_from_db()
    assert share.state == State.EXPIRED and share.grant is None
    assert not LayerGrant.objects.filter(layer=layer, department=requester.department).exists()
    assert not user_can(requester, "view", layer, scoped=True)
    assert AuditLog.objects.filter(layer=layer, action="share.expire").count() == 1
    assert "Expired" in mail.outbox[-1].subject


def test_an_expired_grant_gives_nothing_before_the_job_runs(client, sharing):
    layer, manager, requester = sharing["layer"], sharing["manager"], sharing["requester"]
    client.force_login(requester)
    _ask(client)
    share = ShareRequest.objects.get()
    share_request_approve(actor=manager, request=share)
    share.refresh_from_db()
    assert user_can(requester, "view", layer, scoped=True)
    LayerGrant.objects.filter(pk=share.grant_id).update(expires_at=timezone.now() - datetime.timedelta(hours=1))
    assert not user_can(requester, "view", layer, scoped=True)  # the database's clock decides; the job only tidies


def test_refusal_needs_a_reason_and_the_requester_sees_it(client, sharing):
    manager, requester = sharing["manager"], sharing["requester"]
    client.force_login(requester)
    _ask(client, all_fields="on", area_kind="whole")
    share = ShareRequest.objects.get()
    assert share.fields is None and share.area is None
    client.force_login(manager)
    response = client.post(f"/sharing/requests/{share.pk}/", {"action": "decide", "decision": "refuse",
                                                              "duration_days": "30"})
    assert response.status_code == 400 and 'data-testid="error-reason"' in response.text
    share.refresh_from_db()
    assert share.state == State.PENDING
    client.post(f"/sharing/requests/{share.pk}/", {"action": "decide", "decision": "refuse",
                                                   "duration_days": "30", "reason": "涉及学生隐私"})
    share.refresh_from_db()
    assert share.state == State.REFUSED and share.grant is None
    client.force_login(requester)
    assert "涉及学生隐私" in client.get(f"/sharing/requests/{share.pk}/").text
    assert AuditLog.objects.filter(action="share.refuse", target=share.number).exists()


def test_an_approval_can_only_narrow(client, sharing):
    manager, requester = sharing["manager"], sharing["requester"]
    client.force_login(requester)
    _ask(client, duration_days="30")
    share = ShareRequest.objects.get()
    with pytest.raises(ShareError, match="only narrow"):
        share_request_approve(actor=manager, request=share, fields=["name", "pupils"])
    client.force_login(manager)
    response = client.post(f"/sharing/requests/{share.pk}/", {
        "action": "decide", "decision": "approve", "chosen": ["name"], "area_kind": "whole", "duration_days": "90"})
    assert response.status_code == 400 and 'data-testid="error-duration_days"' in response.text
    far = MultiPolygon(Polygon.from_bbox((127.5, 46.5, 127.6, 46.6)), srid=4326)
    with pytest.raises(ShareError, match="does not overlap"):
        share_request_approve(actor=manager, request=share, narrow_area=far, narrow_area_label="far")
    share.refresh_from_db()
    assert share.state == State.PENDING and not LayerGrant.objects.exists()


def test_who_may_ask_and_who_may_decide(client, sharing, users):
    requester = sharing["requester"]
    assert client.get("/sharing/requests/new/?layer=schools").status_code == 302  # to the login page
    client.force_login(users["education_editor"])
    response = client.get("/sharing/requests/new/?layer=schools")
    assert response.status_code == 409 and "your own department" in response.text
    client.force_login(requester)
    assert client.get("/sharing/requests/new/?layer=districts").status_code == 409  # public: no need
    assert client.get("/sharing/requests/new/?layer=nothing").status_code == 404
    response = _ask(client, purpose="")
    assert response.status_code == 400 and 'data-testid="error-purpose"' in response.text
    response = _ask(client, area_kind="drawn", drawn="not geojson")
    assert response.status_code == 400 and 'data-testid="error-drawn"' in response.text
    assert not ShareRequest.objects.exists()
    _ask(client)
    share = ShareRequest.objects.get()
    assert client.get("/sharing/requests/new/?layer=schools").status_code == 409  # one pending at a time
    client.force_login(users["education_editor"])  # owner's editor: not a decider
    assert client.get(f"/sharing/requests/{share.pk}/").status_code == 404
    assert share.number not in client.get("/sharing/inbox/").text
    client.force_login(users["planning_manager"])  # requester's manager: follows it, cannot decide
    page = client.get(f"/sharing/requests/{share.pk}/")
    assert page.status_code == 200 and 'data-testid="decision-form"' not in page.text
    response = client.post(f"/sharing/requests/{share.pk}/", {"action": "decide", "decision": "approve",
                                                              "duration_days": "30"})
    share.refresh_from_db()
    assert share.state == State.PENDING


def test_a_drawn_area_withdrawal_and_revocation(client, sharing):
    layer, manager, requester = sharing["layer"], sharing["manager"], sharing["requester"]
    client.force_login(requester)
    drawn = json.dumps({"type": "Polygon", "coordinates": [[[126.54, 45.77], [126.56, 45.77], [126.56, 45.79],
                                                             [126.54, 45.79], [126.54, 45.77]]]})
    _ask(client, area_kind="drawn", drawn=drawn)
    first = ShareRequest.objects.get()
    assert first.area.covers(Point(126.55, 45.78, srid=4326))
    client.post(f"/sharing/requests/{first.pk}/", {"action": "withdraw"})
    first.refresh_from_db()
    assert first.state == State.WITHDRAWN
    _ask(client, area_kind="drawn", drawn=drawn)
    second = ShareRequest.objects.get(state=State.PENDING)
    share_request_approve(actor=manager, request=second)
    assert feature_scope(principal=requester, layer=layer).features(Feature.objects.of_layer(layer)).count() == 1
    client.force_login(manager)
    response = client.post(f"/sharing/requests/{second.pk}/", {"action": "revoke", "reason": ""})
    assert response.status_code == 400
    client.post(f"/sharing/requests/{second.pk}/", {"action": "revoke", "reason": "项目结束"})
    second.refresh_from_db()
    assert second.state == State.REVOKED and not LayerGrant.objects.exists()
    assert not user_can(requester, "view", layer, scoped=True)
    assert AuditLog.objects.filter(action="share.revoke", target=second.number).exists()
    assert AuditLog.objects.filter(action="share.withdraw", target=first.number).exists()


def test_a_renewal_replaces_the_share_it_follows(client, sharing):
    layer, manager, requester = sharing["layer"], sharing["manager"], sharing["requester"]
    client.force_login(requester)
    _ask(client)
    first = ShareRequest.objects.get()
    share_request_approve(actor=manager, request=first)
    _ask(client, all_fields="on", area_kind="whole", duration_days="60")
    second = ShareRequest.objects.get(state=State.PENDING)
    share_request_approve(actor=manager, request=second)
    first.refresh_from_db()
    assert first.state == State.SUPERSEDED and first.grant is None
    grant = LayerGrant.objects.get(layer=layer, department=requester.department)
    assert grant.share_request == second and grant.fields is None and grant.area is None


def test_the_sharing_matrix_counts_departments(client, sharing, users, departments):
    manager, requester = sharing["manager"], sharing["requester"]
    client.force_login(requester)
    _ask(client)
    share_request_approve(actor=manager, request=ShareRequest.objects.get())
    page = client.get("/sharing/matrix/")
    assert page.status_code == 200
    assert 'data-testid="given-education" >' not in page.text
    assert 'data-testid="given-education">1<' in page.text
    cells = [part for part in page.text.split('data-testid="cell-education-') if 'data-count="1"' in part[:40]]
    assert len(cells) == 1 and "(1)" in cells[0][:120]  # one layer, given through a request
    client.force_login(users["public"])
    assert client.get("/sharing/matrix/").status_code == 403


def test_the_expiry_runs_as_a_periodic_task(settings):
    assert ("layers.sharing.services.share_grants_expire", 300) in settings.PERIODIC_TASKS


def _feed(client, url, want, deadline=60.0):
    """The feed's changes once `want` are ready (it holds back changes younger than any open
    transaction in the cluster)."""
    stop = time.monotonic() + deadline
    while True:
        response = client.get(url)
        assert response.status_code == 200, response.text
        changes = response.json()["changes"]
        if len(changes) >= want or time.monotonic() > stop:
            return changes
        time.sleep(0.1)


def _items(response) -> list[dict]:
    assert response.status_code == 200
    return json.loads(b"".join(response.streaming_content))["features"]


@pytest.mark.django_db(transaction=True)  # the feed hands out committed changes only
def test_a_scoped_share_shows_only_its_fields_and_area(client, sharing):
    """The readers that apply a scope (the change feed, OGC API items, the REST features) show the
    approved fields inside the approved area; the others (tiles, maps, the map's layer list) treat
    the layer as absent rather than showing all of it."""
    layer, manager, requester = sharing["layer"], sharing["manager"], sharing["requester"]
    client.force_login(requester)
    _ask(client)  # the name only, inside 南岗区
    share_request_approve(actor=manager, request=ShareRequest.objects.get())
    assert user_can(requester, "view", layer, scoped=True)
    assert not user_can(requester, "view", layer)
    inside = list(Feature.objects.of_layer(layer).filter(geom__intersects=NANGANG).values_list("pk", flat=True))
    outside = Feature.objects.of_layer(layer).exclude(pk__in=inside).get().pk

    shown = [change["feature"] for change in _feed(client, "/ogc/collections/schools/changes", 2)]
    assert len(shown) == 2  # the third school lies outside 南岗区
    assert all(set(feature["properties"]) == {"name"} for feature in shown)
    assert len(_feed(client, "/api/layers/schools/changes/", 2)) == 2

    items = _items(client.get("/ogc/collections/schools/items"))
    assert sorted(item["id"] for item in items) == sorted(inside)
    assert all(set(item["properties"]) == {"name"} for item in items)
    assert client.get(f"/ogc/collections/schools/items/{outside}").status_code == 404
    one = client.get(f"/ogc/collections/schools/items/{inside[0]}")
    assert one.status_code == 200 and set(one.json()["properties"]) == {"name"}
    assert one["ETag"].startswith('W/"v1-s')
    for hidden in ("?level=middle", "?properties=level", "?sortby=pupils", "?filter=pupils>100"):
        refused = client.get(f"/ogc/collections/schools/items{hidden}")
        assert refused.status_code == 400, hidden  # a hidden field can be neither read nor filtered on
    assert set(client.get("/ogc/collections/schools/queryables").json()["properties"]) == {"id", "geometry",
                                                                                          "name"}
    collection = client.get("/ogc/collections/schools").json()
    assert any(link["href"].endswith("/schools/tiles") for link in collection["links"])  # drawn within the share

    rest = _items(client.get("/api/layers/schools/features/"))
    assert sorted(item["id"] for item in rest) == sorted(inside)
    assert all(set(item["properties"]) == {"name", "_name", "_version"} for item in rest)
    assert client.get(f"/api/layers/schools/features/{outside}/").status_code == 404
    detail = client.get(f"/api/layers/schools/features/{inside[0]}/").json()
    assert set(detail["properties"]) == {"name", "_name", "_version"}
    summary = client.get("/api/layers/schools/").json()
    assert [entry["name"] for entry in summary["schema"]] == ["name"] and summary["feature_count"] is None
    assert client.post("/api/layers/schools/features/", {"type": "Feature", "geometry": None, "properties": {}},
                       content_type="application/json").status_code == 403  # a share gives reading only

    tile = client.get("/tiles/schools/6/54/22.mvt")
    assert tile.status_code == 200 and tile["Cache-Control"].startswith("private")
    decoded = decode_mvt(tile.content)["schools"]["features"]
    assert sorted(f["id"] for f in decoded) == sorted(inside)
    assert all(set(f["properties"]) == {"name"} for f in decoded)
    geojson_tile = json.loads(client.get("/tiles/schools/6/54/22.geojson").content)
    assert sorted(f["id"] for f in geojson_tile["features"]) == sorted(inside)
    assert client.get("/tiles/schools/6/54/22.mvt")["X-Tile-Cache"] == "hit"  # kept under the scope's name
    tilejson = client.get("/tiles/schools.json").json()
    assert tilejson["vector_layers"][0]["fields"] == {"name": "String"}
    listed = {entry["slug"]: entry for entry in client.get("/api/layers/").json()["layers"]}
    assert listed["schools"]["scope"]["fields"] == ["name"] and listed["schools"]["feature_count"] is None

    exported = b"".join(client.get("/api/layers/schools/export?format=geojson").streaming_content)
    features = json.loads(exported)["features"]
    assert len(features) == 2 and all("name" in f["properties"] and set(f["properties"]) <= {"fid", "name"}
                                      for f in features)
    assert client.get("/api/layers/schools/export?format=geojson&filter=pupils>=100").status_code == 400

    outside_map = "/ogc/collections/schools/map?bbox=126.545,45.775,126.555,45.785&width=64&height=64"
    empty_map = "/ogc/collections/schools/map?bbox=126.595,45.715,126.605,45.725&width=64&height=64"
    for url in ("/tiles/schools/6/54/22.png", "/ogc/collections/schools/tiles",
                "/ogc/collections/schools/tiles/WebMercatorQuad/6/22/54", outside_map):
        assert client.get(url).status_code == 200, url  # drawn within the share
    assert client.get(outside_map).content == client.get(empty_map).content  # the school outside is not drawn
    printed = client.post("/api/prints/", {"layers": ["schools"], "bbox": [126.6, 45.7, 126.7, 45.8],
                                           "format": "png", "dpi": 150}, content_type="application/json")
    assert printed.status_code == 202, printed.content
    job = PrintJob.objects.get()
    assert job.params["scopes"][str(layer.pk)]["fields"] == ["name"]
    assert client.get(printed["Location"]).json()["state"] == "succeeded"

    client.force_login(manager)  # the owners keep seeing everything
    assert client.get(outside_map).content != client.get(empty_map).content
    assert len(_items(client.get("/ogc/collections/schools/items"))) == 3
    whole = decode_mvt(client.get("/tiles/schools/6/54/22.mvt").content)["schools"]["features"]
    assert len(whole) == 3 and set(whole[0]["properties"]) == {"name", "level", "pupils"}


def test_search_through_a_scoped_share_finds_by_shown_fields_inside_the_area(client, sharing):
    layer, manager, requester = sharing["layer"], sharing["manager"], sharing["requester"]
    schema = [dict(entry, searchable=True) if entry["name"] == "level" else entry for entry in layer.schema]
    Layer.objects.filter(pk=layer.pk).update(schema=schema)
    layer.refresh_from_db()
    reindex_layer(layer=layer)
    client.force_login(requester)
    _ask(client)  # the name only, inside 南岗区
    share_request_approve(actor=manager, request=ShareRequest.objects.get())

    def found(q, **extra):
        response = client.get("/api/search", {"q": q, "layers": "schools", **extra})
        assert response.status_code == 200, response.content
        return response.json()["features"]

    hits = found("中学")
    assert len(hits) == 2  # the third school lies outside 南岗区
    assert all(set(hit["properties"]["attributes"]) == {"name"} for hit in hits)
    assert found("第1中学")[0]["properties"]["match"] == "exact"
    assert found("第3中学") == []
    assert found("middle") == []  # the level is searchable but not shown: it finds nothing
    assert len(found("", near="126.64,45.755", radius="5000")) == 2
    everywhere = client.get("/api/search", {"q": "中学"}).json()["features"]
    assert sorted(hit["id"] for hit in everywhere) == sorted(hit["id"] for hit in hits)

    client.force_login(manager)
    assert len(found("middle")) == 3
    assert set(found("第1中学")[0]["properties"]["attributes"]) >= {"name", "level", "pupils"}


@pytest.mark.django_db(transaction=True)  # MapServer reads through a connection of its own
def test_wms_draws_and_queries_a_scoped_share_within_it(client, sharing):
    manager, requester = sharing["manager"], sharing["requester"]
    client.force_login(requester)
    _ask(client)  # the name only, inside 南岗区
    share_request_approve(actor=manager, request=ShareRequest.objects.get())

    def around(lon, lat, **extra):
        box = f"{lon - 0.005},{lat - 0.005},{lon + 0.005},{lat + 0.005}"
        params = {"SERVICE": "WMS", "VERSION": "1.1.1", "LAYERS": "schools", "QUERY_LAYERS": "schools", "STYLES": "",
                  "SRS": "EPSG:4326", "BBOX": box, "WIDTH": "101", "HEIGHT": "101", "FORMAT": "image/png",
                  "TRANSPARENT": "TRUE", **extra}
        response = client.get("/wms", params)
        assert response.status_code == 200, response.content[:300]
        return response

    def info(lon, lat, fmt="application/json"):
        return around(lon, lat, REQUEST="GetFeatureInfo", X="50", Y="50", INFO_FORMAT=fmt)

    assert "schools" in around(126.63, 45.75, REQUEST="GetCapabilities").content.decode()
    (inside,) = json.loads(info(126.63, 45.75).content)["features"]
    assert inside["properties"] == {"name": "第1中学"}
    assert "pupils" not in info(126.63, 45.75, "text/xml").content.decode()
    assert json.loads(info(126.55, 45.78).content)["features"] == []  # outside 南岗区
    empty = around(126.60, 45.72, REQUEST="GetMap").content  # no school there
    assert around(126.55, 45.78, REQUEST="GetMap").content == empty
    assert around(126.63, 45.75, REQUEST="GetMap").content != empty

    client.force_login(manager)
    assert around(126.55, 45.78, REQUEST="GetMap").content != empty
    assert json.loads(info(126.55, 45.78).content)["features"][0]["properties"]["pupils"] == "300"
