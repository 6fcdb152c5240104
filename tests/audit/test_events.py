"""Sign-in and its failures, sign-out, password change and reset, two-factor enrolment, codes and
removal, role changes (manager's page, `manage.py assign_role`, the admin site), grants, layer
changes, imports and exports: each is in the chain with user, address, user agent and result."""
from __future__ import annotations

import re
import time

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.contrib.gis.geos import Point
from django.core.management import call_command
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_otp.plugins.otp_static.models import StaticToken

from geoportal.accounts.lockout import login_failures_clear
from geoportal.accounts.models import TOTPDevice
from geoportal.accounts.twofactor import second_factor_remove
from geoportal.audit.chain import chain_seal, chain_verify
from geoportal.audit.models import Entry
from layers.editing.layer_services import layer_update
from layers.models import Feature
from layers.permissions import layer_grant, layer_revoke
from layers.services import feature_create
from tests.conftest import make_layer
from tests.identity_support import STRONG_PASSWORD, code_for, enrol_device

pytestmark = pytest.mark.django_db
BROWSER = {"REMOTE_ADDR": "192.0.2.7", "HTTP_USER_AGENT": "Mozilla/5.0 (audit test)"}


def _last(action: str, **filters) -> Entry:
    entry = Entry.objects.filter(action=action, **filters).order_by("-id").first()
    assert entry is not None, f"no {action} entry; have {list(Entry.objects.values_list('action', flat=True))}"
    return entry


def test_sign_in_failure_lockout_and_sign_out(client, users, settings):
    settings.LOGIN_FAILURE_LIMIT = 2
    for name in ("p_editor", "p_manager"):  # counters of an earlier run of the suite, in the cache
        login_failures_clear(username=name, address="192.0.2.7")
    wrong = {"username": "p_editor", "password": "not-it"}
    assert client.post("/accounts/login/", wrong, **BROWSER).status_code == 200
    failed = _last("auth.login")
    assert (failed.result, failed.target, failed.username, failed.ip) == ("failed", "p_editor", "", "192.0.2.7")
    assert "not-it" not in str(failed.details)
    client.post("/accounts/login/", wrong, **BROWSER)
    client.post("/accounts/login/", {"username": "p_editor", "password": "pw-p_editor"}, **BROWSER)
    locked = _last("auth.login")
    assert (locked.result, locked.details["reason"]) == ("refused", "locked out")

    settings.LOGIN_FAILURE_LIMIT = 5
    client.post("/accounts/login/", {"username": "p_manager", "password": "pw-p_manager"}, **BROWSER)
    ok = _last("auth.login")
    assert (ok.result, ok.username, ok.user_agent) == ("ok", "p_manager", "Mozilla/5.0 (audit test)")
    client.post("/accounts/logout/", **BROWSER)
    assert _last("auth.logout").username == "p_manager"


def test_sign_out_everywhere(client, users):
    client.force_login(users["planning_editor"])
    client.post("/accounts/security/sign-out-everywhere/", **BROWSER)
    entry = _last("auth.logout_all")
    assert (entry.username, entry.target, entry.ip) == ("p_editor", "p_editor", "192.0.2.7")


def test_password_change_and_reset(client, users):
    editor = users["planning_editor"]
    client.force_login(editor)
    response = client.post("/accounts/password_change/", {
        "old_password": "pw-p_editor", "new_password1": STRONG_PASSWORD, "new_password2": STRONG_PASSWORD},
        **BROWSER)
    assert response.status_code == 302, response.content[:400]
    changed = _last("password.change")
    assert (changed.username, changed.target, changed.ip) == ("p_editor", "p_editor", "192.0.2.7")

    client.logout()
    editor.refresh_from_db()  # the reset link is made from the password as it is now
    uid = urlsafe_base64_encode(force_bytes(editor.pk))
    token = default_token_generator.make_token(editor)
    step = client.get(f"/accounts/reset/{uid}/{token}/")
    assert step.status_code == 302
    new = STRONG_PASSWORD + "-b"
    done = client.post(step["Location"], {"new_password1": new, "new_password2": new}, **BROWSER)
    assert done.status_code == 302
    reset = _last("password.reset")
    assert (reset.username, reset.target) == ("", "p_editor")


def test_two_factor_enrolment_codes_recovery_and_removal(client, users):
    editor = users["planning_editor"]
    client.force_login(editor)
    client.get("/accounts/two-factor/setup/")
    device = TOTPDevice.objects.get(user=editor, confirmed=False)
    done = client.post("/accounts/two-factor/setup/", {"code": code_for(device)}, **BROWSER)
    codes = re.findall(r"<li><code>([a-z0-9]+)</code></li>", done.content.decode())
    assert len(codes) == 10
    assert _last("2fa.enrol").username == "p_editor"
    assert _last("2fa.recovery_renew").username == "p_editor"

    client.logout()
    client.force_login(editor)
    assert client.post("/accounts/two-factor/", {"code": "000000"}, **BROWSER).status_code == 400
    assert _last("2fa.verify").result == "failed"
    time.sleep(1.1)  # django-otp throttles: after a wrong code the next try waits a second
    assert client.post("/accounts/two-factor/", {"code": codes[0]}, **BROWSER).status_code == 302
    used = _last("2fa.recovery_use")
    assert (used.username, used.details["left"]) == ("p_editor", 9)
    assert StaticToken.objects.filter(device__user=editor).count() == 9

    second_factor_remove(editor)
    assert _last("2fa.remove").target == "p_editor"


def test_totp_sign_in_step_is_recorded(client, users):
    manager = users["planning_manager"]
    device = enrol_device(manager)
    client.force_login(manager)
    assert client.post("/accounts/two-factor/", {"code": code_for(device)}, **BROWSER).status_code == 302
    assert _last("2fa.verify").result == "ok"


def test_role_changes_from_every_place(client, users, capsys):
    call_command("assign_role", "citizen", "auditor")
    console = _last("user.role", target="citizen")
    assert console.username == "console:assign_role" and console.details["role"] == ["public", "auditor"]

    client.force_login(users["planning_manager"])
    response = client.post("/api/edit/members/", {"username": "e_editor", "role": "public"},
                           content_type="application/json", **BROWSER)
    assert response.status_code in (200, 403)
    other = users["education_editor"]
    other.department = None
    other.role = "public"
    other.save()
    response = client.post("/api/edit/members/", {"username": "e_editor", "role": "editor"},
                           content_type="application/json", **BROWSER)
    assert response.status_code == 200, response.content
    by_manager = _last("user.role", target="e_editor")
    assert by_manager.username == "p_manager" and by_manager.details["role"] == ["public", "editor"]
    assert _last("member.role").username == "p_manager"


def test_role_change_on_the_admin_site_by_the_security_administrator(client, users):
    target = users["public"]
    client.force_login(users["security_admin"])
    page = client.get(f"/admin/accounts/user/{target.pk}/change/")
    assert page.status_code == 200
    form = {name: value for name, value in re.findall(
        r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', page.content.decode()) if name != "csrfmiddlewaretoken"}
    form.update({"username": target.username, "role": "editor", "is_active": "on",
                 "date_joined_0": "2026-01-01", "date_joined_1": "00:00:00"})
    response = client.post(f"/admin/accounts/user/{target.pk}/change/", form, **BROWSER)
    assert response.status_code == 302, re.findall(r'class="errorlist[^>]*>(.*?)</ul>', response.content.decode())
    role = _last("user.role", target="citizen")
    assert role.username == "security" and role.details["role"] == ["public", "editor"]
    admin = _last("admin.change")
    assert admin.target == f"accounts.user:{target.pk}" and admin.ip == "192.0.2.7"


def test_grants_and_layer_changes(users, internal_layer, departments):
    manager = users["planning_manager"]
    layer_grant(layer=internal_layer, actor=manager, level="view", department=departments["education"])
    granted = _last("grant.set")
    assert (granted.username, granted.layer_slug) == ("p_manager", "pipes")
    assert granted.details == {"department:education": [None, "view"]}
    layer_revoke(layer=internal_layer, actor=manager, department=departments["education"])
    assert _last("grant.revoke").details == {"department:education": ["view", None]}
    layer_update(layer=internal_layer, actor=manager, changes={"title_en": "Water pipes"})
    assert _last("layer.update", layer_slug="pipes").details["title_en"][1] == "Water pipes"
    assert chain_seal() >= 3 and chain_verify()[1] == []


def test_export_records_format_and_area(client, users, internal_layer):
    client.force_login(users["planning_editor"])
    response = client.get("/api/layers/pipes/export", {"format": "gpkg", "bbox": "126.6,45.7,126.7,45.8"}, **BROWSER)
    assert response.status_code == 200
    entry = _last("layer.export")
    assert (entry.username, entry.layer_slug, entry.ip) == ("p_editor", "pipes", "192.0.2.7")
    assert entry.details["format"] == [None, "gpkg"] and entry.details["bbox"][1] == [126.6, 45.7, 126.7, 45.8]


def test_bulk_deletes_on_the_admin_site_are_recorded(client, users, departments):
    """Django's "delete selected" logs without a signal; our action records each object it deletes."""
    layer = make_layer("benches", departments["planning"])
    ids = [feature_create(layer=layer, geometry=Point(126.6 + i / 100, 45.7, srid=4326),
                          properties={"name": f"椅{i}", "level": "middle"}).pk for i in range(3)]
    client.force_login(users["admin"])
    form = {"action": "delete_selected", "_selected_action": ids[:2]}
    confirm = client.post("/admin/layers/feature/", form, **BROWSER)
    assert confirm.status_code == 200 and "delete_selected_confirmation" in confirm.template_name[-1]
    assert not Entry.objects.filter(action="admin.delete").exists()  # asked, not yet done
    done = client.post("/admin/layers/feature/", {**form, "post": "yes"}, **BROWSER)
    assert done.status_code == 302
    assert list(Feature.objects.filter(layer=layer).values_list("pk", flat=True)) == [ids[2]]
    entries = Entry.objects.filter(action="admin.delete").order_by("target")
    assert [e.target for e in entries] == sorted(f"layers.feature:{pk}" for pk in ids[:2])
    assert {(e.username, e.ip) for e in entries} == {("root", "192.0.2.7")}
