"""API tokens: expiry and the address allow-list hold on every way a token is read (REST, OGC API,
tiles, WMS and WMTS `token=`); the last use and its address are kept; issue sets the expiry."""
from datetime import timedelta

import pytest
from django.utils import timezone

from layers.api.models import ApiToken
from layers.api.tokens import token_issue
from tests.conftest import make_layer

pytestmark = pytest.mark.django_db


@pytest.fixture
def hidden(departments):
    return make_layer("hidden-sites", departments["planning"], visibility="department")


def _calls(raw):
    header = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    return {
        "rest": ("/api/layers/hidden-sites/", {}, header),
        "ogc": ("/ogc/collections/hidden-sites", {}, header),
        "tiles": ("/tiles/hidden-sites/10/866/372.mvt", {}, header),
        "wms": ("/wms", {"SERVICE": "WMS", "REQUEST": "GetCapabilities", "VERSION": "1.3.0", "token": raw}, {}),
        "wmts": ("/wmts", {"SERVICE": "WMTS", "REQUEST": "GetCapabilities", "token": raw}, {}),
    }


def _statuses(client, raw, **extra):
    return {name: client.get(path, params, **headers, **extra).status_code
            for name, (path, params, headers) in _calls(raw).items()}


def test_a_valid_token_opens_every_service(client, hidden):
    _, raw = token_issue(name="gis", layers=[hidden])
    statuses = _statuses(client, raw)
    assert statuses["rest"] == 200 and statuses["ogc"] == 200 and statuses["wms"] == 200
    assert statuses["wmts"] == 200 and statuses["tiles"] in (200, 204)


def test_an_expired_token_is_refused_everywhere(client, hidden):
    token, raw = token_issue(name="gis", layers=[hidden])
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert _statuses(client, raw) == {"rest": 401, "ogc": 401, "tiles": 401, "wms": 401, "wmts": 401}
    body = client.get("/api/layers/", HTTP_AUTHORIZATION=f"Bearer {raw}").json()
    assert "expired" in str(body)


def test_the_allow_list_admits_only_its_networks(client, hidden):
    token, raw = token_issue(name="gis", layers=[hidden], allowed_ips="10.20.0.0/16, 192.0.2.7")
    assert _statuses(client, raw) == {"rest": 401, "ogc": 401, "tiles": 401, "wms": 401, "wmts": 401}
    inside = _statuses(client, raw, REMOTE_ADDR="10.20.3.4")
    assert inside["rest"] == 200 and inside["ogc"] == 200 and inside["wms"] == 200 and inside["wmts"] == 200
    assert client.get("/api/layers/", HTTP_AUTHORIZATION=f"Bearer {raw}", REMOTE_ADDR="192.0.2.7").status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None and token.last_used_ip == "192.0.2.7"


def test_issue_sets_the_expiry_from_the_setting(settings):
    settings.API_TOKEN_MAX_DAYS = 30
    token, _ = token_issue(name="gis")
    assert abs((token.expires_at - timezone.now()) - timedelta(days=30)) < timedelta(minutes=1)


def test_the_admin_form_refuses_a_bad_network_and_lists_last_use(client, users, hidden):
    client.force_login(users["security_admin"])
    response = client.post("/admin/layers_api/apitoken/add/",
                           {"name": "gis", "scope": "read", "allowed_ips": "10.0.0.0/33"})
    assert response.status_code == 200 and "is not an IP address or a CIDR network" in response.content.decode()
    assert not ApiToken.objects.exists()
    token, raw = token_issue(name="registry", layers=[hidden])
    client.get("/api/layers/", HTTP_AUTHORIZATION=f"Bearer {raw}", REMOTE_ADDR="10.9.8.7")
    listing = client.get("/admin/layers_api/apitoken/").content.decode()
    assert "10.9.8.7" in listing
    client.post("/admin/layers_api/apitoken/", {"action": "revoke", "_selected_action": [token.pk]})
    assert client.get("/api/layers/", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401
