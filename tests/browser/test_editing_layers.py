"""A manager edits a layer in the browser: live style preview, schema dry run listing the
features a retype would break, and saving metadata."""
from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

from django.contrib.gis.geos import Point

from geoportal.accounts.models import User
from layers.history.models import AuditLog, FeatureVersion
from layers.models import Layer
from layers.permissions import layer_grant
from layers.services import feature_create, feature_delete
from tests.browser.conftest import login
from tests.conftest import make_layer, make_user

SCHEMA = [{"name": "name", "type": "string", "required": True, "label_zh": "名称", "label_en": "Name"},
          {"name": "beds", "type": "string", "label_zh": "床位", "label_en": "Beds"}]


def test_manager_previews_style_dry_runs_schema_and_saves(page, live_server, departments, users, page_problems):
    page_problems.allow_console("400")
    layer = make_layer("clinics", departments["planning"], schema=SCHEMA)
    feature_create(layer=layer, geometry=Point(126.64, 45.75, srid=4326),
                   properties={"name": "甲", "beds": "12"})
    bad = feature_create(layer=layer, geometry=Point(126.65, 45.76, srid=4326),
                         properties={"name": "乙", "beds": "许多"})
    login(page, live_server, "p_manager", "pw-p_manager")
    page.wait_for_selector(".leaflet-overlay-pane path")
    page.select_option("#gp-edit-layer", "clinics")
    page.click("#gp-layer-manage")
    dialog = page.locator("[data-testid=layer-admin]")
    dialog.wait_for()

    page.locator("#gp-style-stroke").fill("#ff0000")
    assert page.locator(".leaflet-overlay-pane path").first.get_attribute("stroke") == "#ff0000"

    row = dialog.locator("tr[data-original=beds]")
    row.locator("[name=type]").select_option("integer")
    dialog.locator("[data-action=dry-run]").click()
    dialog.locator(f".gp-dry-run li[data-feature='{bad.pk}']").wait_for()
    assert dialog.locator(".gp-dry-run li").count() == 1

    # Saving the retype is refused with the same list; renaming without retyping goes through.
    dialog.locator("[data-action=save]").click()
    dialog.locator(".gp-form-error:has-text('would not fit')").wait_for()
    row.locator("[name=type]").select_option("string")
    row.locator("[name=name]").fill("beds_text")
    page.fill("#gp-layer-title_en", "Clinics")
    with page.expect_navigation():
        dialog.locator("[data-action=save]").click()
    layer.refresh_from_db()
    assert layer.title_en == "Clinics" and layer.style["stroke"] == "#ff0000"
    assert [f["name"] for f in layer.schema] == ["name", "beds_text"]
    assert layer.features.get(pk=bad.pk).properties == {"name": "乙", "beds_text": "许多"}
    assert set(AuditLog.objects.filter(layer=layer).values_list("action", flat=True)) == {
        "layer.update", "style.update", "schema.update"}
    assert Layer.objects.count() == 1


def test_staff_see_a_layer_as_of_a_past_moment_and_managers_read_the_audit_log(page, live_server, departments,
                                                                                  users):
    layer = make_layer("clinics", departments["planning"], schema=SCHEMA)
    feature = feature_create(layer=layer, geometry=Point(126.64, 45.75, srid=4326), properties={"name": "甲"})
    feature_delete(feature=feature, base_version=1)
    shanghai = ZoneInfo("Asia/Shanghai")
    FeatureVersion.objects.filter(version=1).update(recorded_at=datetime.datetime(2025, 1, 1, 10, tzinfo=shanghai))
    FeatureVersion.objects.filter(version=2).update(recorded_at=datetime.datetime(2025, 1, 2, 10, tzinfo=shanghai))
    layer_grant(layer=layer, actor=users["planning_manager"], level="view", department=departments["education"])

    login(page, live_server, "p_manager", "pw-p_manager")
    page.wait_for_selector("#gp-asof")
    assert page.locator(".leaflet-overlay-pane path").count() == 0
    page.fill("#gp-asof", "2025-01-01T12:00:00")
    page.click("#gp-asof-show")
    page.wait_for_selector(".leaflet-overlay-pane path")
    page.fill("#gp-asof", "2025-01-03T12:00:00")
    page.click("#gp-asof-show")
    page.wait_for_function("document.querySelectorAll('.leaflet-overlay-pane path').length === 0")

    page.click("#gp-audit")
    page.locator("[data-testid=audit] tr[data-action='grant.set']").wait_for()
    assert "department:education" in page.locator("[data-testid=audit] tbody").text_content()
    page.click("[data-testid=audit] .gp-dialog-buttons button")

    make_user("newcomer")
    page.click("#gp-members")
    page.locator("[data-testid=members] tr[data-user=p_editor]").wait_for()
    page.fill("[data-testid=members] input[name=username]", "newcomer")
    page.click("[data-testid=members] [data-action=add-editor]")
    page.locator("[data-testid=members] tr[data-user=newcomer]").wait_for()
    assert User.objects.get(username="newcomer").role == User.Role.EDITOR
