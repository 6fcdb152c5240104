"""The map page's server side: the config it renders, the base map settings, the login page and
the language switch's redirect."""
import json

import pytest
from django.conf import settings as django_settings

from layers.models import Layer
from tests.conftest import make_layer


def page_config(client, **headers) -> dict:
    response = client.get("/", **headers)
    assert response.status_code == 200
    html = response.content.decode()
    start = html.index('<script id="gp-config" type="application/json">') + len(
        '<script id="gp-config" type="application/json">')
    return json.loads(html[start:html.index("</script>", start)])


@pytest.mark.django_db
def test_config_lists_only_the_layers_the_visitor_may_see(client, departments):
    make_layer("open-data", departments["planning"])
    make_layer("internal", departments["planning"], visibility=Layer.Visibility.DEPARTMENT)
    config = page_config(client)
    assert [layer["slug"] for layer in config["layers"]] == ["open-data"]
    assert config["center"] == django_settings.MAP_CENTER and config["zoom"] == django_settings.MAP_ZOOM
    assert config["language"] == "zh"
    assert config["user"] == {"authenticated": False, "username": ""}


@pytest.mark.django_db
def test_no_base_map_unless_configured(client, settings):
    settings.BASEMAP_URL = ""
    settings.TIANDITU_KEY = ""
    assert page_config(client)["basemap"] is None

    settings.BASEMAP_URL = "https://tiles.example.org/{z}/{x}/{y}.png"
    settings.BASEMAP_ATTRIBUTION = "© OpenStreetMap contributors"
    assert page_config(client)["basemap"] == {
        "url": "https://tiles.example.org/{z}/{x}/{y}.png", "attribution": "© OpenStreetMap contributors"}

    settings.BASEMAP_URL = ""
    settings.TIANDITU_KEY = "k123"
    basemap = page_config(client)["basemap"]
    assert basemap["url"].startswith("https://t{s}.tianditu.gov.cn/") and basemap["url"].endswith("&tk=k123")
    assert basemap["subdomains"] == "01234567"
    assert basemap["label"] == "天地图 Tianditu"  # its name in the base-map switcher


@pytest.mark.django_db
def test_english_is_chosen_by_the_language_cookie(client):
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get("/")
    assert '<html lang="en">' in response.content.decode()
    assert "City Spatial Information Public Service Platform" in response.content.decode()
    assert page_config(client)["language"] == "en"


@pytest.mark.django_db
def test_language_switch_returns_to_the_same_view(client):
    next_url = "/#map=12/45.7400/126.6200&layers=districts"
    response = client.post("/i18n/setlang/", {"language": "en", "next": next_url})
    assert response.status_code == 302
    assert response["Location"] == next_url
    assert client.cookies[django_settings.LANGUAGE_COOKIE_NAME].value == "en"


@pytest.mark.django_db
@pytest.mark.parametrize("language, heading", [("zh-hans", "用户名"), ("en", "User name")])
def test_login_page_is_bilingual(client, language, heading):
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get("/accounts/login/?next=/")
    assert response.status_code == 200
    assert f'>{heading}</label>' in response.content.decode()
    assert "map.css" in response.content.decode()


@pytest.mark.django_db
def test_config_tells_raster_layers_apart_for_the_map(client, departments, users, settings, tmp_path):
    """The map draws a layer from PNG tiles, offers it as a base map and shows a ramp swatch from
    what the config says of it: kind, and for rasters the raster's kind and bounds."""
    from tests.raster_factories import HARBIN_BOUNDS, raster_layer_create, write_elevation

    settings.RASTER_ROOT = tmp_path / "rasters"
    settings.IMPORT_WORK_DIR = str(tmp_path / "imports")
    make_layer("open-data", departments["planning"])
    manager = users["planning_manager"]
    raster_layer_create(user=manager, path=write_elevation(tmp_path / "dem.tif"), title="高程", slug="dem")
    raster_layer_create(user=manager, path=write_elevation(tmp_path / "dem2.tif"), title="内部高程",
                        slug="dem-internal", visibility=Layer.Visibility.DEPARTMENT)
    layers = {layer["slug"]: layer for layer in page_config(client)["layers"]}
    assert set(layers) == {"open-data", "dem"}
    assert layers["open-data"]["kind"] == "vector" and not layers["open-data"].get("raster")
    dem = layers["dem"]
    assert dem["kind"] == "raster" and dem["raster"]["kind"] == "elevation"
    assert dem["raster"]["bounds"] == pytest.approx(list(HARBIN_BOUNDS), abs=1e-6)
    assert dem["style"]["raster"]["ramp"], "an elevation layer starts with a colour ramp"


def test_the_map_page_loads_nothing_from_other_hosts(client, db):
    html = client.get("/").content.decode()
    for attribute in ("src=", "href="):
        for part in html.split(attribute)[1:]:
            url = part[1:part.index(part[0], 1)]
            assert not url.startswith(("http:", "https:", "//")), url
