"""Two-factor sign-in with django-otp: one TOTP device per user (an authenticator app; ours, its
key encrypted at rest) and one static device holding single-use recovery codes. Codes are shown
once, when they are made."""
from __future__ import annotations

from base64 import b32encode

import segno
from django.db import transaction
from django_otp import match_token
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

from geoportal.accounts.models import TOTPDevice
from geoportal.audit.models import Entry
from geoportal.audit.recorder import audit_event

RECOVERY_DEVICE = "recovery"
RECOVERY_CODES = 10


def totp_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def has_second_factor(user) -> bool:
    return totp_device(user) is not None


def enrolment_device(user) -> TOTPDevice:
    """The unconfirmed device being enrolled (made on first call, reused until confirmed)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
    return device


def enrolment_key(device: TOTPDevice) -> str:
    """The key in base32, for typing into an app that cannot scan."""
    return b32encode(device.bin_key).decode().rstrip("=")


def enrolment_qr_svg(device: TOTPDevice) -> str:
    """The otpauth:// URL as an inline SVG QR code, drawn here (no image service)."""
    return segno.make(device.config_url, error="m").svg_inline(scale=4, dark="#1d3557", omitsize=False)


@transaction.atomic
def enrolment_confirm(*, user, device: TOTPDevice, code: str) -> list[str] | None:
    """Confirm `device` with a code from the app; returns the new recovery codes, None if wrong."""
    if device.user_id != user.pk or device.confirmed or not device.verify_token(code.strip()):
        return None
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    audit_event(action="2fa.enrol", actor=user, target=user.get_username())
    return recovery_codes_renew(user)


@transaction.atomic
def recovery_codes_renew(user) -> list[str]:
    """Replace the user's recovery codes with RECOVERY_CODES new ones; returns them (shown once)."""
    device, _ = StaticDevice.objects.get_or_create(user=user, name=RECOVERY_DEVICE, defaults={"confirmed": True})
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    audit_event(action="2fa.recovery_renew", actor=user, target=user.get_username())
    return codes


def recovery_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__name=RECOVERY_DEVICE).count()


def second_factor_check(user, code: str):
    """The device that accepts `code` (TOTP, or a recovery code, which is then used up), or None."""
    code = "".join(code.split())
    device = match_token(user, code) if code else None
    if device is None:
        audit_event(action="2fa.verify", result=Entry.Result.FAILED, actor=user, target=user.get_username())
    elif isinstance(device, StaticDevice):
        audit_event(action="2fa.recovery_use", actor=user, target=user.get_username(),
                    details={"left": recovery_codes_left(user)})
    else:
        audit_event(action="2fa.verify", actor=user, target=user.get_username())
    return device


@transaction.atomic
def second_factor_remove(user) -> None:
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    audit_event(action="2fa.remove", target=user.get_username())
