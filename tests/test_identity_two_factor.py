"""Two-factor sign-in (TOTP, django-otp) with the requirement on, as in production: enrolment with
a QR code drawn here, recovery codes shown once, the code asked at every sign-in, for staff with
edit or manage rights and for the admin site; the public signs in with a password only."""
import re
import time

import pytest
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.identity_support import code_for, enrol_device, sign_in_with_code

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def two_factor_required(settings):
    settings.TWO_FACTOR_REQUIRED = True


def _login(client, user, next_url="/inbox/"):
    response = client.post("/accounts/login/", {"username": user.username, "password": "pw-" + user.username,
                                                "next": next_url})
    assert response.status_code == 302
    return client.get(response["Location"])


def test_enrolment_then_recovery_codes_then_access(client, users):
    editor = users["planning_editor"]
    first = _login(client, editor)
    assert first.status_code == 302 and first["Location"] == "/accounts/two-factor/?next=%2Finbox%2F"
    setup = client.get(first["Location"], follow=True)
    assert setup.redirect_chain[-1][0].startswith("/accounts/two-factor/setup/")
    html = setup.content.decode()
    assert re.search(r"<svg[^>]*>.*<path", html, re.S), "the QR code is drawn inline"
    assert not re.search(r"""(?:src|href)=["']?(?:https?:)?//""", html), "nothing from another host"
    device = TOTPDevice.objects.get(user=editor, confirmed=False)
    key = re.search(r'data-testid="totp-key">([A-Z2-7]+)<', html).group(1)
    assert key and device.config_url.count(key) == 1
    assert client.get("/inbox/").status_code == 302  # not enrolled yet: still asked

    wrong = client.post("/accounts/two-factor/setup/", {"code": "000000", "next": "/inbox/"})
    assert wrong.status_code == 400
    time.sleep(1.1)  # django-otp throttles: after a wrong code the next try waits a second (doubling)
    done = client.post("/accounts/two-factor/setup/", {"code": code_for(device), "next": "/inbox/"})
    assert done.status_code == 200
    codes = re.findall(r"<li><code>([a-z0-9]+)</code></li>", done.content.decode())
    assert len(codes) == 10 and StaticToken.objects.filter(device__user=editor).count() == 10
    assert client.get("/inbox/").status_code == 200
    assert not any(code in client.get("/accounts/security/").content.decode() for code in codes)  # shown once


def test_every_sign_in_asks_for_the_code(client, users):
    editor = users["planning_editor"]
    device = enrol_device(editor)
    page = _login(client, editor)
    assert page["Location"] == "/accounts/two-factor/?next=%2Finbox%2F"
    api = client.post("/api/edit/layers/", {}, content_type="application/json")
    assert api.status_code == 403 and "two-factor" in api.json()["error"]
    assert client.post("/accounts/two-factor/", {"code": "123456"}).status_code == 400
    time.sleep(1.1)  # the throttle after a wrong code
    assert client.get("/accounts/two-factor/setup/")["Location"].startswith("/accounts/two-factor/?")  # no re-enrolling
    response = client.post("/accounts/two-factor/", {"code": code_for(device), "next": "/inbox/"})
    assert response.status_code == 302 and response["Location"] == "/inbox/"
    assert client.get("/inbox/").status_code == 200


def test_a_recovery_code_works_once(client, users):
    from geoportal.accounts.twofactor import recovery_codes_renew

    manager = users["planning_manager"]
    enrol_device(manager)
    code = recovery_codes_renew(manager)[0]
    _login(client, manager)
    assert client.post("/accounts/two-factor/", {"code": code, "next": "/inbox/"}).status_code == 302
    assert client.get("/inbox/").status_code == 200
    client.post("/accounts/logout/")
    _login(client, manager)
    assert client.post("/accounts/two-factor/", {"code": code}).status_code == 400


def test_the_admin_site_asks_for_the_code(client, users):
    admin = users["admin"]
    response = client.post("/admin/login/", {"username": admin.username, "password": "pw-root", "next": "/admin/"})
    assert response.status_code == 302
    assert client.get("/admin/")["Location"].startswith("/accounts/two-factor/")
    device = enrol_device(admin)
    client.post("/accounts/two-factor/", {"code": code_for(device)})
    assert client.get("/admin/").status_code == 200


def test_the_public_signs_in_with_a_password(client, users):
    assert _login(client, users["public"], "/").status_code == 200
    assert client.get("/accounts/security/").status_code == 200
    assert client.get("/").status_code == 200


def test_the_support_helper_signs_staff_in(client, users):
    device = enrol_device(users["education_editor"])
    sign_in_with_code(client, users["education_editor"], "pw-e_editor", device)
    assert client.get("/inbox/").status_code == 200
