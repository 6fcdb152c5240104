"""The live map's socket (layers/live) through a real WebSocket client against the ASGI process,
the real Redis channel layer and real commits: who may open it, and what reaches whom."""
from __future__ import annotations

import asyncio
import json
from concurrent.futures import ThreadPoolExecutor
from urllib.error import HTTPError
from urllib.request import urlopen

import pytest
from django.contrib.gis.geos import MultiPolygon, Point, Polygon
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from websockets.exceptions import InvalidStatus

from geoportal.accounts.models import User
from layers.io.services import ImportRequest, import_job_create
from layers.live import relay
from layers.live.access import layers_followable
from layers.live.checks import check_live_settings
from layers.models import Feature, Layer
from layers.permissions import layer_grant, layer_revoke
from layers.services import FeatureInput, feature_create, feature_delete, feature_update, features_bulk_create
from tests.conftest import make_layer, make_user
from tests.live_support import nothing_arrives, receive
from tests.raster_factories import raster_layer_create, raster_root, write_elevation  # noqa: F401


def signed_in(user) -> tuple[Client, str]:
    client = Client()
    client.force_login(user)
    return client, client.cookies["sessionid"].value


def follow(ws, *layers: Layer) -> list[int]:
    ws.send(json.dumps({"type": "follow", "layers": [layer.slug for layer in layers]}))
    answer = receive(ws)
    assert answer["type"] == "following"
    return answer["layers"]


def create(layer: Layer, name: str, lon: float = 126.63, lat: float = 45.75):
    return feature_create(layer=layer, geometry=Point(lon, lat, srid=4326),
                          properties={"name": name, "level": "middle"})


@pytest.fixture
def public_and_private(departments):
    public = make_layer("open-schools", departments["education"])
    private = make_layer("dept-schools", departments["planning"], visibility=Layer.Visibility.DEPARTMENT)
    return public, private


def test_a_private_layers_change_never_reaches_an_anonymous_socket(live_socket_server, public_and_private):
    public, private = public_and_private
    with live_socket_server.connect() as anonymous:
        assert receive(anonymous) == {"type": "hello", "user": None}
        # It asks for both; the permission module lets it follow the public one only.
        assert follow(anonymous, public, private) == [public.slug]
        create(private, "内部")
        create(public, "公开")
        message = receive(anonymous)
        assert message["type"] == "change" and message["layer"] == public.slug
        [change] = message["changes"]
        assert change["action"] == "create" and change["version"] == 1
        assert change["bbox"] == pytest.approx([126.63, 45.75, 126.63, 45.75])
        assert nothing_arrives(anonymous)


def test_the_owning_departments_staff_follow_every_kind_of_write(live_socket_server, public_and_private, users):
    _, private = public_and_private
    _, key = signed_in(users["planning_editor"])
    with live_socket_server.connect(session_key=key) as staff:
        assert receive(staff)["user"] == "p_editor"
        assert follow(staff, private) == [private.slug]
        feature = create(private, "内部")
        feature_update(feature=feature, base_version=1, geometry=Point(126.64, 45.76, srid=4326))
        feature_delete(feature=feature)
        features_bulk_create(layer=private, rows=[FeatureInput(geometry=Point(126.6, 45.7, srid=4326),
                                                               properties={"name": "导入", "level": "primary"})])
        seen = [receive(staff) for _ in range(4)]
        assert [(m["changes"][0]["action"], m["changes"][0]["version"]) for m in seen[:3]] == [
            ("create", 1), ("update", 2), ("delete", 3)]
        # The move's box covers the old and the new place, so both places' tiles are refetched.
        assert seen[1]["changes"][0]["bbox"] == pytest.approx([126.63, 45.75, 126.64, 45.76])
        assert seen[3] == {"type": "change", "layer": private.slug, "changes": None}  # the whole layer


def test_a_socket_stops_getting_changes_once_a_grant_is_revoked(live_socket_server, public_and_private, users,
                                                                 settings):
    settings.LIVE_RECHECK_SECONDS = 0  # ask the permission module at every event
    _, private = public_and_private
    reader, manager = users["education_editor"], users["planning_manager"]
    layer_grant(layer=private, actor=manager, user=reader, level="view")
    _, key = signed_in(reader)
    with live_socket_server.connect(session_key=key) as grantee:
        receive(grantee)
        assert follow(grantee, private) == [private.slug]
        create(private, "第一")
        assert receive(grantee)["type"] == "change"
        layer_revoke(layer=private, actor=manager, user=reader)
        create(private, "第二")
        assert nothing_arrives(grantee, timeout=1)


def test_signing_out_makes_an_open_socket_anonymous(live_socket_server, public_and_private, users, settings):
    settings.LIVE_RECHECK_SECONDS = 0
    public, private = public_and_private
    client, key = signed_in(users["planning_editor"])
    with live_socket_server.connect(session_key=key) as staff:
        receive(staff)
        assert follow(staff, public, private) == sorted([public.slug, private.slug])
        client.post("/accounts/logout/")
        create(private, "内部")
        create(public, "公开")
        assert receive(staff)["layer"] == public.slug
        assert nothing_arrives(staff)


def test_a_session_waiting_for_its_second_factor_is_anonymous(live_socket_server, public_and_private, users, settings):
    settings.TWO_FACTOR_REQUIRED = True
    _, private = public_and_private
    _, key = signed_in(users["planning_editor"])  # signed in with the password only
    with live_socket_server.connect(session_key=key) as socket_:
        assert receive(socket_) == {"type": "hello", "user": None}
        assert follow(socket_, private) == []


def test_sockets_from_other_sites_or_without_an_origin_are_refused(live_socket_server, settings):
    settings.ALLOWED_HOSTS = ["testserver"]
    for origin in ("http://evil.example", None, "null"):
        with pytest.raises(InvalidStatus) as refused:
            live_socket_server.connect(origin=origin)
        assert refused.value.response.status_code == 403
    with live_socket_server.connect(origin="http://testserver:8000") as good:
        assert receive(good)["type"] == "hello"


def test_editors_of_a_layer_see_each_other_and_viewers_may_not_join(live_socket_server, public_and_private, users):
    public, _ = public_and_private  # the education department's layer
    first = users["education_editor"]
    second = make_user("e_editor2", department=first.department, role=User.Role.EDITOR, first_name="二号")
    with (live_socket_server.connect(session_key=signed_in(first)[1]) as one,
          live_socket_server.connect(session_key=signed_in(second)[1]) as two,
          live_socket_server.connect(session_key=signed_in(users["public"])[1]) as viewer):
        for ws in (one, two, viewer):
            receive(ws)
        one.send(json.dumps({"type": "edit", "layer": public.slug}))
        assert receive(one) == {"type": "presence", "layer": public.slug, "editors": []}
        two.send(json.dumps({"type": "edit", "layer": public.slug}))
        assert receive(two) == {"type": "presence", "layer": public.slug, "editors": []}
        assert receive(one) == {"type": "presence", "layer": public.slug, "editors": ["二号"]}
        assert receive(two) == {"type": "presence", "layer": public.slug, "editors": ["e_editor"]}
        viewer.send(json.dumps({"type": "edit", "layer": public.slug}))
        assert receive(viewer)["type"] == "error"
        assert nothing_arrives(one, timeout=0.3)
        two.close()
        assert receive(one) == {"type": "presence", "layer": public.slug, "editors": []}


def test_bad_messages_get_an_explanation(live_socket_server):
    with live_socket_server.connect() as anonymous:
        receive(anonymous)
        for text in ("not json", '{"type": "dance"}', '{"type": "follow", "layers": "all"}',
                     '{"type": "follow", "layers": [7]}'):
            anonymous.send(text)
            answer = receive(anonymous)
            assert answer["type"] == "error" and answer["error"]


@pytest.mark.parametrize("value, valid", [
    ("/live/", True), (":8001/live/", True), ("wss://live.example.cn/live/", True), ("", True),
    ("live/", False), ("http://example.cn/live/", False), (":port/live/", False), ("wss://", False),
])
def test_live_url_forms_are_checked_at_start_up(settings, value, valid):
    settings.LIVE_URL = value
    ids = [error.id for error in check_live_settings()]
    assert ids == ([] if valid else ["live.E001"])


def test_the_live_process_serves_nothing_but_the_socket(live_socket_server):
    base = f"http://127.0.0.1:{live_socket_server.port}"
    assert urlopen(f"{base}/live/healthz", timeout=5).read() == b"ok\n"
    with pytest.raises(HTTPError) as missing:
        urlopen(f"{base}/api/layers/", timeout=5)
    assert missing.value.code == 404


def test_one_failing_socket_does_not_keep_a_change_from_the_others(caplog):
    """layers/live/relay.py hands a commit to every follower; one whose client vanished mid-send
    is reported, and the others still get it."""
    received = []

    class Gone:
        channel_name = "gone"

        async def live_change(self, event):
            raise ConnectionResetError("client went away")

    class Listening:
        channel_name = "listening"

        async def live_change(self, event):
            received.append(event)

    gone, listening = Gone(), Listening()
    relay.follow(gone, [999_001])
    relay.follow(listening, [999_001])
    try:
        # In a thread of its own: the browser tests' Playwright may run an event loop in this one.
        with ThreadPoolExecutor(1) as pool:
            pool.submit(asyncio.run, relay.deliver({"layer": 999_001, "changes": None})).result()
    finally:
        relay.unfollow(gone, [999_001])
        relay.unfollow(listening, [999_001])
    assert received == [{"layer": 999_001, "changes": None}]
    assert "did not reach socket gone" in caplog.text


def test_an_editor_whose_edit_grant_is_revoked_no_longer_sees_who_edits(live_socket_server, public_and_private,
                                                                         users, settings):
    settings.LIVE_RECHECK_SECONDS = 0
    _, private = public_and_private  # the planning department's layer
    guest, manager = users["education_editor"], users["planning_manager"]
    layer_grant(layer=private, actor=manager, user=guest, level="edit")
    with (live_socket_server.connect(session_key=signed_in(guest)[1]) as granted,
          live_socket_server.connect(session_key=signed_in(users["planning_editor"])[1]) as owner):
        for ws in (granted, owner):
            receive(ws)
        granted.send(json.dumps({"type": "edit", "layer": private.slug}))
        assert receive(granted)["editors"] == []
        layer_revoke(layer=private, actor=manager, user=guest)
        owner.send(json.dumps({"type": "edit", "layer": private.slug}))
        assert receive(owner)["editors"] == []
        # The guest's socket, asked again, leaves the editors: its name and theirs are no longer shared.
        assert nothing_arrives(granted, timeout=1)
        assert nothing_arrives(owner, timeout=0.5)


@pytest.mark.usefixtures("raster_root")
def test_a_replaced_raster_reaches_its_viewers_with_the_layers_new_stamp(live_socket_server, users, tmp_path):
    """The map fetches the new image: raster tiles' URLs carry the layer's stamp (js/rasters.js)."""
    manager = users["planning_manager"]
    layer = raster_layer_create(user=manager, path=write_elevation(tmp_path / "dem.tif"), title="高程", slug="dem")
    with live_socket_server.connect() as anonymous:
        receive(anonymous)
        assert follow(anonymous, layer) == [layer.slug]
        path = write_elevation(tmp_path / "new.tif", width=80, height=48)
        upload = SimpleUploadedFile(path.name, path.read_bytes(), content_type="image/tiff")
        job = import_job_create(user=manager, uploaded=upload, run_now=True,
                                request=ImportRequest(mode="replace", layer_slug=layer.slug))
        assert job.state == "succeeded", job.error
        message = receive(anonymous, timeout=10)
        layer.refresh_from_db()
        assert message == {"type": "change", "layer": "dem", "changes": None, "stamp": layer.updated_at.isoformat()}


def test_a_scoped_share_is_followed_within_its_area(live_socket_server, public_and_private, users):
    """A viewer through a share of 南岗 only learns of what happens there: a feature moving out is
    gone for it, one moving in is new, and a change elsewhere never reaches its socket, not even
    its box."""
    _, private = public_and_private
    reader, manager = users["education_editor"], users["planning_manager"]
    nangang = MultiPolygon(Polygon.from_bbox((126.60, 45.70, 126.70, 45.80)), srid=4326)
    layer_grant(layer=private, actor=manager, user=reader, level="view", fields=["name"], area=nangang)
    _, key = signed_in(reader)
    with live_socket_server.connect(session_key=key) as grantee:
        receive(grantee)
        assert follow(grantee, private) == [private.slug]
        outside = create(private, "道里", lon=126.55, lat=45.75)
        inside = create(private, "南岗", lon=126.63, lat=45.75)
        message = receive(grantee)
        assert message == {"type": "change", "layer": private.slug, "changes": [
            {"feature": inside.pk, "action": "create", "version": 1, "bbox": [126.63, 45.75, 126.63, 45.75]}]}
        feature_update(feature=outside, base_version=1, geometry=Point(126.54, 45.74, srid=4326))
        feature_update(feature=outside, base_version=2, geometry=Point(126.65, 45.72, srid=4326))  # moves in
        [moved_in] = receive(grantee)["changes"]
        assert moved_in == {"feature": outside.pk, "action": "create", "version": 3,
                            "bbox": pytest.approx([126.65, 45.72, 126.65, 45.72])}
        feature_update(feature=inside, base_version=1, geometry=Point(126.50, 45.70, srid=4326))  # moves out
        [moved_out] = receive(grantee)["changes"]
        assert moved_out["action"] == "delete" and moved_out["bbox"] == pytest.approx([126.63, 45.75, 126.63, 45.75])
        feature_delete(feature=inside)  # already outside: not seen
        feature_delete(feature=Feature.objects.get(pk=outside.pk))
        [deleted] = receive(grantee)["changes"]
        assert deleted == {"feature": outside.pk, "action": "delete", "version": 4,
                           "bbox": pytest.approx([126.65, 45.72, 126.65, 45.72])}
        assert nothing_arrives(grantee, timeout=1)


@pytest.mark.usefixtures("raster_root")
def test_a_raster_shared_only_with_a_scope_is_not_followed(users, tmp_path):
    manager, reader = users["planning_manager"], users["education_editor"]
    layer = raster_layer_create(user=manager, path=write_elevation(tmp_path / "dem.tif"), title="高程", slug="dem")
    Layer.objects.filter(pk=layer.pk).update(visibility=Layer.Visibility.DEPARTMENT)
    area = MultiPolygon(Polygon.from_bbox((126.60, 45.70, 126.70, 45.80)), srid=4326)
    grant = layer_grant(layer=layer, actor=manager, user=reader, level="view", area=area)
    assert layers_followable(user=reader, slugs=["dem"]) == {}
    grant.area = None
    grant.save()
    [(layer_id, (slug, scope))] = layers_followable(user=reader, slugs=["dem"]).items()
    assert (layer_id, slug, scope.everything) == (layer.pk, "dem", True)
