"""Each read of a layer that is not public is recorded (tiles, OGC API items, REST, WMS, WMTS,
search, export), with the user, address, user agent and result; public reads and anonymous
visitors' map browsing are not. Reads travel through Redis and are appended by the worker."""
from __future__ import annotations

import math

import pytest
from django.test import Client

from geoportal.audit.chain import chain_verify
from geoportal.audit.models import Entry
from geoportal.audit.reads import QUEUE_KEY, _queue, audit_reads_drain
from layers.api.tokens import token_issue
from tests.audit.conftest import HARBIN

CLIENT = {"REMOTE_ADDR": "10.20.30.40", "HTTP_USER_AGENT": "QGIS/3.34 (audit test)"}
pytestmark = pytest.mark.django_db


def _tile(z: int) -> tuple[int, int]:
    lon, lat = HARBIN
    n = 2 ** z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return x, y


def _urls(slug: str) -> dict[str, tuple[str, dict]]:
    x, y = _tile(12)
    lon, lat = HARBIN
    box = f"{lon - 0.01},{lat - 0.01},{lon + 0.01},{lat + 0.01}"
    return {
        "tiles": (f"/tiles/{slug}/12/{x}/{y}.mvt", {}),
        "ogc": (f"/ogc/collections/{slug}/items", {}),
        "rest": (f"/api/layers/{slug}/features/", {}),
        "wms": ("/wms", {"SERVICE": "WMS", "VERSION": "1.3.0", "REQUEST": "GetMap", "LAYERS": slug, "STYLES": "",
                         "CRS": "EPSG:4326", "BBOX": f"{lat - 0.01},{lon - 0.01},{lat + 0.01},{lon + 0.01}",
                         "WIDTH": "64", "HEIGHT": "64", "FORMAT": "image/png"}),
        "wmts": (f"/wmts/1.0.0/{slug}/default/WebMercatorQuad/12/{y}/{x}.png", {}),
        "search": ("/api/search", {"q": "Songhua pump", "layers": slug}),
        "export": (f"/api/layers/{slug}/export", {"format": "geojson", "bbox": box}),
    }


def test_every_channel_records_the_read_of_an_internal_layer(client, users, internal_layer, read_queue):
    client.force_login(users["planning_editor"])
    for channel, (url, params) in _urls(internal_layer.slug).items():
        response = client.get(url, params, **CLIENT)
        assert response.status_code == 200, (channel, response.status_code, response.content[:300])
        assert read_queue.llen(QUEUE_KEY) >= 1, f"{channel}: no read was queued"
        assert audit_reads_drain() >= 1, channel
        entry = Entry.objects.filter(action="layer.read").order_by("-id").first()
        assert (entry.username, entry.layer_slug, entry.result) == ("p_editor", "pipes", "ok"), channel
        assert (entry.ip, entry.user_agent) == ("10.20.30.40", "QGIS/3.34 (audit test)"), channel
        assert entry.details["path"] == url and entry.details["status"] == 200, channel
    assert chain_verify()[1] == []


def test_a_refused_read_is_recorded_as_refused(client, users, internal_layer, read_queue):
    client.force_login(users["education_editor"])  # another department: the layer is hidden from them
    for channel in ("tiles", "ogc", "rest", "wmts", "export"):
        url, params = _urls(internal_layer.slug)[channel]
        assert client.get(url, params, **CLIENT).status_code in (400, 404), channel
    audit_reads_drain()
    refused = list(Entry.objects.filter(action="layer.read", layer_slug="pipes").values_list("username", "result"))
    assert refused == [("e_editor", "refused")] * 5


def test_an_anonymous_probe_of_an_internal_layer_is_refused_and_recorded(internal_layer, read_queue):
    url, _ = _urls(internal_layer.slug)["tiles"]
    assert Client().get(url, **CLIENT).status_code == 404
    audit_reads_drain()
    entry = Entry.objects.get(action="layer.read")
    assert (entry.username, entry.result, entry.ip) == ("", "refused", "10.20.30.40")


def test_public_reads_write_nothing(client, users, public_layer, read_queue):
    client.force_login(users["planning_editor"])
    url, _ = _urls(public_layer.slug)["tiles"]
    assert client.get(url).status_code == 200
    assert Client().get(url).status_code == 200
    assert client.get("/tiles/no-such-layer/12/0/0.mvt").status_code == 404
    assert read_queue.llen(QUEUE_KEY) == 0
    assert audit_reads_drain() == 0 and not Entry.objects.filter(action="layer.read").exists()


def test_a_token_read_names_the_token(client, internal_layer, read_queue):
    _, raw = token_issue(name="pipes-sync", layers=[internal_layer])
    url, _ = _urls(internal_layer.slug)["ogc"]
    assert client.get(url, HTTP_AUTHORIZATION=f"Bearer {raw}", **CLIENT).status_code == 200
    audit_reads_drain()
    entry = Entry.objects.get(action="layer.read")
    assert (entry.username, entry.user_id, entry.result) == ("token:pipes-sync", None, "ok")


def test_reads_are_written_directly_when_redis_cannot_be_reached(client, users, internal_layer, settings):
    settings.AUDIT_QUEUE_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    _queue.cache_clear()
    try:
        client.force_login(users["planning_editor"])
        url, _ = _urls(internal_layer.slug)["tiles"]
        assert client.get(url, **CLIENT).status_code == 200
    finally:
        _queue.cache_clear()
    entry = Entry.objects.get(action="layer.read")
    assert (entry.username, entry.result) == ("p_editor", "ok")


def test_the_worker_drains_in_batches_in_one_transaction(client, users, internal_layer, read_queue):
    client.force_login(users["planning_editor"])
    url, _ = _urls(internal_layer.slug)["tiles"]
    for _ in range(7):
        assert client.get(url).status_code == 200
    assert read_queue.llen(QUEUE_KEY) == 7
    assert audit_reads_drain(batch=3) == 7
    assert read_queue.llen(QUEUE_KEY) == 0
    seqs = list(Entry.objects.filter(action="layer.read").order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(seqs[0], seqs[0] + 7)) and chain_verify()[1] == []
