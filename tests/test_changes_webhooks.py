"""Webhooks against a real local HTTP receiver: signed, after commit, retried, disabled, redelivered,
and refused for receivers outside the administrator's allow-list or on private addresses."""
from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.contrib.gis.geos import Point
from django.core import mail
from django.db import connections
from django.utils import timezone

from layers.changes.dispatch import webhooks_sweep
from layers.changes.models import Subscription
from layers.changes.receivers import ReceiverRefused, Target, receiver_check, receiver_post
from layers.changes.signing import SIGNATURE_HEADER, signature_valid
from layers.models import Feature
from layers.services import feature_create, feature_update
from tests.conftest import make_layer
from tests.test_changes_feed import read_all

pytestmark = pytest.mark.django_db(transaction=True)


class Receiver:
    def __init__(self):
        self.requests: list[dict] = []
        self.status = 200
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                committed = None
                payload = json.loads(body)
                if payload.get("changes"):  # asked from another connection: is the edit committed?
                    committed = Feature.objects.filter(pk=payload["changes"][-1]["id"]).exists()
                    connections.close_all()
                receiver.requests.append({"headers": dict(self.headers), "body": body, "payload": payload,
                                          "committed": committed})
                self.send_response(receiver.status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def receiver(settings):
    server = Receiver()
    settings.WEBHOOK_ALLOWED_URLS = [f"http://127.0.0.1:{server.server.server_port}/hooks"]
    settings.WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    settings.WEBHOOK_MAX_FAILURES = 3
    yield server
    server.server.shutdown()


def subscribe(client, manager, layer, url) -> dict:
    client.force_login(manager)
    response = client.post("/api/webhooks/", {"kind": "layer", "layer": layer.slug, "url": url},
                           content_type="application/json")
    assert response.status_code == 201, response.content
    return response.json()


def edit_until_delivered(layer, receiver, name: str, deadline=60.0):
    feature = Feature.objects.filter(layer=layer).order_by("id").first()
    feature_update(feature=feature, base_version=feature.version, properties={"name": name, "level": "middle"})
    read_all(layer)
    stop = time.monotonic() + deadline
    while time.monotonic() < stop and not any(
            c["feature"]["properties"]["name"] == name for r in receiver.requests for c in r["payload"]["changes"]
            if c["type"] != "delete"):
        webhooks_sweep()  # changes held back by a transaction elsewhere when the edit committed
        time.sleep(0.1)
    return feature


def test_a_change_is_posted_signed_after_its_commit(client, users, departments, receiver):
    layer = make_layer("hooked", departments["planning"])
    feature_create(layer=layer, geometry=Point(126.6, 45.7, srid=4326), properties={"name": "a", "level": "middle"})
    read_all(layer)
    created = subscribe(client, users["planning_manager"], layer, receiver.url)
    edit_until_delivered(layer, receiver, "changed")
    request = receiver.requests[-1]
    assert request["committed"] is True  # delivered after the commit, from the worker's side
    assert request["headers"]["Geoportal-Event"] == "layer.changes"
    assert signature_valid(secret=created["secret"], body=request["body"], header=request["headers"][SIGNATURE_HEADER])
    assert not signature_valid(secret=created["secret"], body=request["body"] + b" ",
                               header=request["headers"][SIGNATURE_HEADER])
    assert not signature_valid(secret=created["secret"], body=request["body"],
                               header=request["headers"][SIGNATURE_HEADER], now=time.time() + 301)
    assert [c["type"] for c in request["payload"]["changes"]] == ["update"]  # from the subscription on
    deliveries = client.get(f"/api/webhooks/{created['id']}/deliveries/").json()
    assert deliveries[0]["status_code"] == 200 and deliveries[0]["succeeded"]


def test_failures_back_off_then_disable_with_a_notice_and_redelivery_sends_again(client, users, departments,
                                                                                 receiver):
    layer = make_layer("flaky", departments["planning"])
    feature_create(layer=layer, geometry=Point(126.6, 45.7, srid=4326), properties={"name": "a", "level": "middle"})
    read_all(layer)
    users["planning_manager"].email = "manager@example.cn"
    users["planning_manager"].save()
    created = subscribe(client, users["planning_manager"], layer, receiver.url)
    receiver.status = 500
    edit_until_delivered(layer, receiver, "one")
    subscription = Subscription.objects.get(pk=created["id"])
    assert subscription.consecutive_failures == 1
    first_delay = (subscription.next_attempt_at - timezone.now()).total_seconds()
    assert 5 < first_delay <= 10
    webhooks_sweep()  # not due yet: no new request
    assert len(receiver.requests) == 1
    Subscription.objects.filter(pk=subscription.pk).update(next_attempt_at=timezone.now())
    webhooks_sweep()
    subscription.refresh_from_db()
    assert subscription.consecutive_failures == 2
    assert 15 < (subscription.next_attempt_at - timezone.now()).total_seconds() <= 20  # doubled
    Subscription.objects.filter(pk=subscription.pk).update(next_attempt_at=timezone.now())
    webhooks_sweep()
    subscription.refresh_from_db()
    assert not subscription.active and "3 deliveries in a row failed" in subscription.disabled_reason
    assert mail.outbox and mail.outbox[-1].to == ["manager@example.cn"]
    # Re-enabled, the receiver gets what it missed: the cursor never moved past a failure.
    receiver.status = 200
    response = client.patch(f"/api/webhooks/{subscription.pk}/", {"active": True}, content_type="application/json")
    assert response.status_code == 200 and response.json()["active"]
    assert receiver.requests[-1]["payload"]["changes"][0]["feature"]["properties"]["name"] == "one"
    since = receiver.requests[-1]["payload"]["since"]
    count = len(receiver.requests)
    assert client.post(f"/api/webhooks/{subscription.pk}/redeliver/", {"since": since},
                       content_type="application/json").status_code == 202
    assert len(receiver.requests) == count + 1
    assert receiver.requests[-1]["payload"]["changes"] == receiver.requests[-2]["payload"]["changes"]


def test_receivers_outside_the_allow_list_or_on_private_addresses_are_refused(client, users, departments, settings):
    layer = make_layer("guarded", departments["planning"])
    settings.WEBHOOK_ALLOWED_URLS = ["http://127.0.0.1:9/hooks", "http://localhost:9/"]
    settings.WEBHOOK_ALLOWED_NETWORKS = []
    client.force_login(users["planning_manager"])
    for url, reason in [("http://127.0.0.1:9/other", "allowed"), ("http://127.0.0.1.evil.cn:9/hooks", "allowed"),
                        ("http://127.0.0.1:9/hooks", "loopback"), ("http://localhost:9/x", "loopback"),
                        ("http://u:p@127.0.0.1:9/hooks", "password")]:
        response = client.post("/api/webhooks/", {"kind": "layer", "layer": layer.slug, "url": url},
                               content_type="application/json")
        assert response.status_code == 400, url
        assert reason in response.json()["detail"], (url, response.json())
    with pytest.raises(ReceiverRefused):
        receiver_check("ftp://127.0.0.1:9/hooks")
    client.force_login(users["planning_editor"])
    assert client.post("/api/webhooks/", {"kind": "layer", "layer": layer.slug, "url": "http://127.0.0.1:9/hooks"},
                       content_type="application/json").status_code == 403


def test_the_post_goes_to_the_address_checked_not_to_a_new_lookup(receiver):
    """DNS rebinding: the name is not resolved again when connecting."""
    port = receiver.server.server_port
    result = receiver_post(target=Target("http", "rebinding.invalid", port, "/hooks", "127.0.0.1"),
                           body=b'{"changes":[]}', headers={"Content-Type": "application/json"}, timeout=5)
    assert result.status == 200
    assert receiver.requests[-1]["headers"]["Host"] == f"rebinding.invalid:{port}"
