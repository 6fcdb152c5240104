"""The client address behind a trusted proxy (geoportal/forwarded.py) and the pooled connection's
missing layer memory (geoportal/db/base.py with DATABASE_POOLED)."""
import pytest
from django.core import checks
from django.db import connection
from django.http import HttpResponse
from django.test import RequestFactory, override_settings

from geoportal.forwarded import ForwardedForMiddleware


def _seen(remote: str, forwarded: str | None) -> str:
    seen = {}

    def view(request):
        seen["addr"] = request.META["REMOTE_ADDR"]
        return HttpResponse()

    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    ForwardedForMiddleware(view)(RequestFactory().get("/", **extra))
    return seen["addr"]


@override_settings(TRUSTED_PROXIES=["127.0.0.1/32"])
def test_the_trusted_proxy_names_the_client():
    assert _seen("127.0.0.1", "203.0.113.7") == "203.0.113.7"
    assert _seen("127.0.0.1", "10.0.0.1, 203.0.113.7") == "203.0.113.7"  # the entry the proxy added


@override_settings(TRUSTED_PROXIES=["127.0.0.1/32"])
def test_anyone_else_cannot_choose_an_address():
    assert _seen("198.51.100.2", "127.0.0.1") == "198.51.100.2"
    assert _seen("127.0.0.1", "not-an-address") == "127.0.0.1"


@override_settings(TRUSTED_PROXIES=[])
def test_no_trusted_proxy_no_rewriting():
    assert _seen("127.0.0.1", "203.0.113.7") == "127.0.0.1"


@pytest.mark.django_db(transaction=True)  # the memory exists only between transactions
def test_a_pooled_connection_remembers_no_layers():
    connection.ensure_connection()
    assert connection.layer_rows() == {}  # listening: layer rows are remembered
    connection.close()
    connection.settings_dict["POOLED"] = True
    try:
        connection.ensure_connection()
        assert connection.layer_rows() is None
    finally:
        connection.settings_dict.pop("POOLED")
        connection.close()


def test_a_mistyped_proxy_network_fails_the_checks():
    with override_settings(TRUSTED_PROXIES=["127.0.0.1/32", "10.0.0.0/33"]):
        assert [m.id for m in checks.run_checks() if m.id == "geoportal.E040"] == ["geoportal.E040"]
    with override_settings(TRUSTED_PROXIES=["127.0.0.1/32"]):
        assert not [m for m in checks.run_checks() if m.id == "geoportal.E040"]
