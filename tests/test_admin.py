"""The Django admin: list pages, the feature change page with our own OpenLayers, and feature
writes through the services (validation, versions)."""
import re

import pytest
from django.contrib import admin as django_admin
from django.contrib.auth.models import Permission
from django.contrib.gis.geos import Point

from geoportal.accounts.models import User
from layers.models import Feature, Layer, LayerGrant
from tests.conftest import make_user

ATTRIBUTE_URL = re.compile(r"""(?:src|href|url)\s*[=:(]\s*["']?([^"' )>]+)""", re.IGNORECASE)


@pytest.fixture
def admin_client(client, db):
    user = make_user("sysadmin", role=User.Role.SYSADMIN)
    client.force_login(user)
    return client


@pytest.fixture
def security_client(client, db):
    client.force_login(make_user("secadmin", role=User.Role.SECADMIN))
    return client


def _external_urls(html: str) -> list[str]:
    urls = ATTRIBUTE_URL.findall(html)  # what a browser would fetch (xmlns names are not fetched)
    return sorted({u for u in urls if u.startswith(("http:", "https:", "//"))})


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/admin/", "/admin/layers/layer/", "/admin/layers/feature/",
                                  "/admin/accounts/department/", "/admin/layers/feature/?q=第1",
                                  "/admin/layers/layer/?theme__exact=education"])
def test_admin_lists_render(admin_client, school_layer, path):
    response = admin_client.get(path)
    assert response.status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/admin/", "/admin/layers/layergrant/", "/admin/accounts/user/",
                                  "/admin/layers_api/apitoken/"])
def test_security_admin_lists_render(security_client, school_layer, path):
    LayerGrant.objects.create(layer=school_layer, department=school_layer.department)
    assert security_client.get(path).status_code == 200


@pytest.mark.django_db
def test_feature_change_page_loads_openlayers_from_our_static_files_only(admin_client, school_layer):
    feature = Feature.objects.filter(layer=school_layer).first()
    response = admin_client.get(f"/admin/layers/feature/{feature.pk}/change/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/frontend/vendor/ol/ol.js" in html and "/static/frontend/vendor/ol/ol.css" in html
    assert "/static/gis/js/OLMapWidget.js" in html
    assert "/api/layers/districts/features/" in html  # the backdrop comes from our own API
    assert _external_urls(html) == []


@pytest.mark.django_db
def test_configured_base_map_is_the_only_tile_source(admin_client, school_layer, settings):
    settings.BASEMAP_URL = "https://tiles.example.org/{z}/{x}/{y}.png"
    feature = Feature.objects.filter(layer=school_layer).first()
    html = admin_client.get(f"/admin/layers/feature/{feature.pk}/change/").content.decode()
    assert [u for u in _external_urls(html) if "example.org" not in u] == []
    assert "tiles.example.org" in html


@pytest.mark.django_db
def test_feature_edit_goes_through_the_services(admin_client, school_layer):
    feature = Feature.objects.filter(layer=school_layer).first()
    url = f"/admin/layers/feature/{feature.pk}/change/"
    # The widget posts GeoJSON in the map's projection, Web Mercator.
    moved = Point(126.61, 45.76, srid=4326).transform(3857, clone=True)
    form = {"geom": moved.geojson, "base_version": "1",
            "properties": '{"name": "改名中学", "level": "middle"}'}
    response = admin_client.post(url, form)
    assert response.status_code == 302, re.findall(r"errorlist.{0,300}", response.content.decode())
    feature.refresh_from_db()
    assert feature.version == 2 and feature.name == "改名中学"
    assert feature.geom.srid == 4326 and round(feature.geom.x, 5) == 126.61
    assert feature.updated_by.username == "sysadmin"

    stale = admin_client.post(url, {**form, "properties": '{"name": "又改名", "level": "middle"}'})
    assert stale.status_code == 200 and "changed this feature meanwhile" in stale.content.decode()
    bad = admin_client.post(url, {**form, "base_version": "2", "properties": '{"name": "x", "level": "college"}'})
    assert bad.status_code == 200 and "level: Choose one of" in bad.content.decode()
    feature.refresh_from_db()
    assert feature.version == 2


@pytest.mark.django_db
def test_department_editor_sees_only_the_features_they_may_edit(client, school_layer, users, departments):
    editor = users["planning_editor"]
    editor.is_staff = True
    editor.save()
    editor.user_permissions.add(*Permission.objects.filter(codename__in=["view_feature", "change_feature"]))
    client.force_login(editor)
    response = client.get("/admin/layers/feature/")
    assert response.status_code == 200
    assert "第1中学" not in response.content.decode()  # the school layer belongs to education
    feature = Feature.objects.filter(layer=school_layer).first()
    assert client.get(f"/admin/layers/feature/{feature.pk}/change/").status_code in (302, 403, 404)


@pytest.mark.django_db
def test_layer_form_refuses_a_malformed_schema_with_the_parsers_message(admin_client, school_layer, rf):
    request = rf.get("/")
    request.user = User.objects.get(username="sysadmin")
    form_class = django_admin.site._registry[Layer].get_form(request, school_layer)
    data = {**{f: getattr(school_layer, f) for f in ("slug", "title_zh", "title_en", "theme", "geometry_type",
                                                      "visibility", "name_field", "min_zoom", "max_zoom",
                                                      "search_boost")},
            "department": school_layer.department_id, "style": '{"stroke": "#000"}',
            "schema": '[{"name": "Bad Name", "type": "string"}]'}
    form = form_class(data=data, instance=school_layer)
    assert not form.is_valid()
    assert "must start with a lower-case letter" in form.errors["schema"][0]
    form = form_class(data={**data, "schema": '[{"name": "name", "type": "string"}]'}, instance=school_layer)
    assert form.is_valid(), form.errors
