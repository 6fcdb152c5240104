"""The password policy (docs/security.md, "Identity and access"), as Django password validators.

AUTH_PASSWORD_VALIDATORS in settings lists Django's own (length, similarity to the user's
attributes, Django's list of 20,000 common passwords, all digits) and these: character classes,
not the username, a list of passwords common in China, and no reuse of the last
PASSWORD_HISTORY_COUNT passwords. User.save keeps the history and the date expiry counts from."""
from __future__ import annotations

import string
from datetime import timedelta
from functools import cache
from pathlib import Path

from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from django.utils import timezone

COMMON_PASSWORDS = Path(__file__).resolve().parent / "data" / "common-passwords-zh.txt"


def _classes(password: str) -> int:
    return sum((
        any(c in string.ascii_lowercase for c in password),
        any(c in string.ascii_uppercase for c in password),
        any(c.isdigit() for c in password),
        any(not c.isalnum() or not c.isascii() for c in password),
    ))


class CharacterClassesValidator:
    """At least `min_classes` of: lower-case letters, upper-case letters, digits, other characters."""

    def __init__(self, min_classes: int = 3):
        self.min_classes = min_classes

    def validate(self, password, user=None):
        if _classes(password) < self.min_classes:
            raise ValidationError(
                "The password must mix at least %(n)d of: lower-case letters, upper-case letters, digits, "
                "other characters. / 密码须至少包含小写字母、大写字母、数字、其他字符中的%(n)d类。",
                code="password_too_few_classes", params={"n": self.min_classes})

    def get_help_text(self):
        return f"Mix at least {self.min_classes} of: lower-case, upper-case, digits, other characters."


class NotUsernameValidator:
    """The password does not contain the username (in either direction, any case)."""

    def validate(self, password, user=None):
        username = (getattr(user, "username", "") or "").lower()
        lowered = password.lower()
        if username and (username in lowered or username[::-1] in lowered):
            raise ValidationError("The password must not contain the username. / 密码不得包含用户名。",
                                  code="password_contains_username")

    def get_help_text(self):
        return "The password must not contain your username."


@cache
def _common_passwords() -> frozenset[str]:
    lines = COMMON_PASSWORDS.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip() and not line.startswith("#"))


class CommonPasswordListValidator:
    """Passwords common in China (pinyin, keyboard walks, dates) that Django's English list lacks;
    checked as given and with trailing digits and punctuation removed (`woaini1314!` is `woaini`)."""

    def validate(self, password, user=None):
        lowered = password.lower()
        stem = lowered.rstrip(string.digits + string.punctuation)
        common = _common_passwords()
        if lowered in common or stem in common:
            raise ValidationError("This password is too common. / 该密码过于常见。", code="password_too_common")

    def get_help_text(self):
        return "The password must not be a commonly used password."


class PasswordHistoryValidator:
    """Not one of the last `count` passwords (User.save keeps their hashes: PasswordHistory)."""

    def __init__(self, count: int = 5):
        self.count = count

    def validate(self, password, user=None):
        if user is None or user.pk is None:
            return
        recent = user.password_history.values_list("password", flat=True)[: self.count]
        if any(check_password(password, encoded) for encoded in recent):
            raise ValidationError(
                "The password must differ from your last %(n)d passwords. / 新密码不得与最近%(n)d次使用的密码相同。",
                code="password_reused", params={"n": self.count})

    def get_help_text(self):
        return f"The password must differ from your last {self.count} passwords."


def password_expired(user) -> bool:
    """Whether the user must choose a new password before doing anything else."""
    days = settings.PASSWORD_MAX_AGE_DAYS
    if not days or not getattr(user, "has_usable_password", lambda: False)():
        return False
    changed = user.password_changed_at
    return changed is None or timezone.now() - changed > timedelta(days=days)
