"""Two-factor sign-in (TOTP, django-otp) with the requirement on, as in production: enrolment with
a QR code drawn here, recovery codes shown once, the code asked at every sign-in, for staff with
edit or manage rights and for the admin site; the public signs in with a password only. The TOTP
key is encrypted at rest (read back with SQL), re-encrypted by rotation and by the migration."""
import base64
import re
import time

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django_otp.plugins.otp_static.models import StaticToken

from geoportal.accounts.models import TOTPDevice
from tests.identity_support import code_for, enrol_device, sign_in_with_code

pytestmark = pytest.mark.django_db
KEY_1 = "1:" + base64.b64encode(b"t" * 32).decode()
KEY_2 = "2:" + base64.b64encode(b"T" * 32).decode()


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


def _stored_key(device: TOTPDevice) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT key FROM accounts_totpdevice WHERE id = %s", [device.pk])
        return cursor.fetchone()[0]


def _secret_forms(key: bytes) -> list[str]:
    """The key as django-otp stored it (hex) and as the enrolment page shows it (base32)."""
    return [key.hex(), key.hex().upper(), base64.b32encode(key).decode().rstrip("=")]


def test_the_key_is_stored_encrypted_and_still_verifies_after_rotation(client, users, settings, capsys):
    settings.PII_KEYS = [KEY_1]
    editor = users["planning_editor"]
    device = enrol_device(editor)
    secret = device.bin_key
    stored = _stored_key(device)
    assert stored.startswith("pii1$1$aes-gcm$") and not any(form in stored for form in _secret_forms(secret))
    sign_in_with_code(client, editor, "pw-p_editor", device)

    settings.PII_KEYS = [KEY_1, KEY_2]
    call_command("pii_rotate")
    assert "accounts.totpdevice: 1 rows re-encrypted" in capsys.readouterr().out
    rotated = _stored_key(device)
    assert rotated.startswith("pii1$2$aes-gcm$") and not any(form in rotated for form in _secret_forms(secret))
    settings.PII_KEYS = [KEY_2]  # the old key is gone: the device still works, with the same secret
    device.refresh_from_db()
    assert device.bin_key == secret
    client.post("/accounts/logout/")
    response = client.post("/accounts/login/", {"username": editor.username, "password": "pw-p_editor"})
    assert response.status_code == 302
    response = client.post("/accounts/two-factor/", {"code": code_for(device, offset=1), "next": "/inbox/"})
    assert response.status_code == 302 and response["Location"] == "/inbox/"
    assert client.get("/inbox/").status_code == 200

    settings.TWO_FACTOR_REQUIRED = False  # the admin (its own second factor is tested above) shows no key
    client.force_login(users["security_admin"])
    page = client.get(f"/admin/accounts/totpdevice/{device.pk}/change/").content.decode()
    assert editor.username in page and not any(form in page for form in _secret_forms(secret) + [rotated])


def test_the_migration_encrypts_django_otps_devices_and_its_reverse_decrypts(users, settings):
    settings.PII_KEYS = [KEY_1]
    editor = users["planning_editor"]
    secret = bytes(range(20))
    with connection.cursor() as cursor:  # django-otp's own table, as before the migration: keys in clear
        cursor.execute("""CREATE TABLE otp_totp_totpdevice (
            id serial PRIMARY KEY, name varchar(64) NOT NULL, confirmed boolean NOT NULL,
            user_id bigint NOT NULL, key varchar(80) NOT NULL, step smallint NOT NULL, t0 bigint NOT NULL,
            digits smallint NOT NULL, tolerance smallint NOT NULL, drift smallint NOT NULL,
            last_t bigint NOT NULL, throttling_failure_timestamp timestamptz NULL,
            throttling_failure_count integer NOT NULL, created_at timestamptz NULL,
            last_used_at timestamptz NULL)""")
        cursor.execute("INSERT INTO otp_totp_totpdevice (name, confirmed, user_id, key, step, t0, digits, "
                       "tolerance, drift, last_t, throttling_failure_count) "
                       "VALUES ('authenticator', true, %s, %s, 30, 0, 6, 1, 0, -1, 0)", [editor.pk, secret.hex()])
    migration = MigrationExecutor(connection).loader.get_migration("accounts", "0003_totp_device_key_encrypted")
    move = next(op for op in migration.operations if op.__class__.__name__ == "RunPython")
    with connection.schema_editor(atomic=False) as editor_:
        move.code(None, editor_)
    device = TOTPDevice.objects.get(user=editor)
    assert device.confirmed and device.bin_key == secret
    assert not any(form in _stored_key(device) for form in _secret_forms(secret))
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM otp_totp_totpdevice")
        assert cursor.fetchone()[0] == 0, "no key is left in clear"
    assert device.verify_token(code_for(device))

    with connection.schema_editor(atomic=False) as editor_:
        move.reverse_code(None, editor_)
    with connection.cursor() as cursor:
        cursor.execute("SELECT key, user_id FROM otp_totp_totpdevice")
        assert cursor.fetchall() == [(secret.hex(), editor.pk)]
