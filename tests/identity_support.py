"""Signing staff in the way production does: password, then a code from an enrolled TOTP device
(a real django-otp device; the code is computed from its key as an authenticator app would)."""
from __future__ import annotations

from django_otp.oath import totp

from geoportal.accounts.models import TOTPDevice

STRONG_PASSWORD = "Harbin#Ice-Lantern-2026"


def code_for(device: TOTPDevice, *, offset: int = 0) -> str:
    """The code the device's app shows now (offset in steps: -1 the previous one)."""
    value = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits,
                 drift=device.drift + offset)
    return f"{value:0{device.digits}d}"


def enrol_device(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)


def sign_in_with_code(client, user, password: str, device: TOTPDevice) -> None:
    """The login form, then the second step, as a browser goes through them."""
    response = client.post("/accounts/login/", {"username": user.username, "password": password, "next": "/"})
    assert response.status_code == 302, response.content[:500]
    response = client.post("/accounts/two-factor/", {"code": code_for(device), "next": "/"})
    assert response.status_code == 302 and response["Location"] == "/", response.content[:500]
    device.refresh_from_db()  # TOTP refuses a code twice: a second sign-in passes code_for(device, offset=1)
