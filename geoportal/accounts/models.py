"""Departments and the people who work for them (or use the platform as the public), and their
authenticator devices."""
import time
from base64 import b32encode
from binascii import unhexlify
from urllib.parse import quote, urlencode

from django.conf import settings
from django.contrib.auth.hashers import is_password_usable
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models, transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import get_language
from django_otp.models import Device, ThrottlingMixin, TimestampMixin
from django_otp.oath import TOTP
from django_otp.util import random_hex

from annotations.pii import pii_decrypt, pii_encrypt
from geoportal.audit.recorder import audit_event, current_request


class Department(models.Model):
    code = models.SlugField(max_length=40, unique=True, help_text="Short stable code, e.g. 'planning'.")
    name_zh = models.CharField(max_length=120)
    name_en = models.CharField(max_length=120)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_en if (get_language() or "").startswith("en") else self.name_zh


class GeoportalUserManager(UserManager):
    def create_superuser(self, username, email=None, password=None, **extra_fields):
        """`createsuperuser` makes a system administrator: no account holds every duty
        (separation of duties, docs/security.md "Roles")."""
        extra_fields.setdefault("role", User.Role.SYSADMIN)
        extra_fields["is_superuser"] = False
        return self._create_user(username, email, password, is_staff=True, **extra_fields)


class User(AbstractUser):
    class Role(models.TextChoices):
        PUBLIC = "public", "Public user"
        EDITOR = "editor", "Department editor"
        MANAGER = "manager", "Department manager"
        # Separation of duties (三员分立): three administrators, none able to do another's work.
        SYSADMIN = "sysadmin", "System administrator"
        SECADMIN = "secadmin", "Security administrator"
        AUDITOR = "auditor", "Audit administrator"

    ADMIN_ROLES = (Role.SYSADMIN, Role.SECADMIN, Role.AUDITOR)
    # A change of one of these ends every session of the user (geoportal/accounts/sessions.py).
    SESSION_BOUND_FIELDS = ("is_active", "role", "department_id")

    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.PROTECT, related_name="members"
    )
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.PUBLIC)
    password_changed_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Bumped to end every session of the user: part of the session's authentication hash.
    session_generation = models.PositiveIntegerField(default=0, editable=False)

    objects = GeoportalUserManager()

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._session_bound = instance._session_bound_values()
        instance._loaded_password = instance.__dict__.get("password")
        return instance

    def _session_bound_values(self) -> tuple:
        return tuple(self.__dict__.get(name) for name in self.SESSION_BOUND_FIELDS)

    def save(self, *args, **kwargs):
        self.is_superuser = False  # every power comes from a role (docs/security.md "Roles")
        if self.role in self.ADMIN_ROLES:
            self.is_staff = True
        update_fields = kwargs.get("update_fields")
        loaded = getattr(self, "_session_bound", None)
        bound_changed = loaded is not None and loaded != self._session_bound_values()
        if bound_changed:
            self.session_generation += 1
            if update_fields is not None:
                kwargs["update_fields"] = update_fields = {*update_fields, "session_generation"}
        new_password = (update_fields is None or "password" in update_fields) and (
            self.password != getattr(self, "_loaded_password", None) and is_password_usable(self.password))
        if new_password:
            self.password_changed_at = timezone.now()
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "password_changed_at"}
        adding = self._state.adding
        with transaction.atomic():
            super().save(*args, **kwargs)
            if new_password:
                PasswordHistory.remember(self)
            self._audit_saved(adding=adding, before=loaded if bound_changed else None, new_password=new_password)
        self._session_bound = self._session_bound_values()
        self._loaded_password = self.password

    def _audit_saved(self, *, adding: bool, before: tuple | None, new_password: bool) -> None:
        """Accounts made, roles (and department, active state) changed, passwords set: wherever it
        happens (the security administrator's admin pages, `manage.py assign_role`, a manager's
        page, the password forms), it passes here."""
        if adding:
            audit_event(action="user.create", target=self.username, details={"role": self.role})
            return
        if before is not None:
            after = self._session_bound_values()
            changes = {name: [old, new] for name, old, new in zip(self.SESSION_BOUND_FIELDS, before, after,
                                                                  strict=True) if old != new}
            audit_event(action="user.role", target=self.username, details=changes)
        if new_password:
            request = current_request()
            actor = getattr(request, "user", None)
            if actor is not None and getattr(actor, "pk", None) == self.pk:
                action = "password.change"
            elif request is not None and not getattr(actor, "is_authenticated", False):
                action = "password.reset"  # by the e-mailed link: nobody is signed in
            else:
                action = "password.set"  # by an administrator, or at the console
            audit_event(action=action, target=self.username)

    def _session_hash(self, secret=None) -> str:
        key_salt = "geoportal.accounts.User.get_session_auth_hash"
        return salted_hmac(key_salt, f"{self.password}|{self.session_generation}", secret=secret,
                           algorithm="sha256").hexdigest()

    def get_session_auth_hash(self) -> str:
        return self._session_hash()

    def get_session_auth_fallback_hash(self):
        for fallback_secret in settings.SECRET_KEY_FALLBACKS:
            yield self._session_hash(secret=fallback_secret)

    @property
    def is_department_staff(self) -> bool:
        """Staff of a department (editor or manager), as opposed to the public."""
        return self.is_active and self.department_id is not None and self.role in (
            self.Role.EDITOR,
            self.Role.MANAGER,
        )

    @property
    def is_platform_admin(self) -> bool:
        """The system administrator: layers, departments, imports, the platform's configuration."""
        return self.is_active and self.role == self.Role.SYSADMIN

    @property
    def is_security_admin(self) -> bool:
        """Users, roles, grants, API tokens."""
        return self.is_active and self.role == self.Role.SECADMIN

    @property
    def is_audit_admin(self) -> bool:
        """Reads the audit trail, and nothing else."""
        return self.is_active and self.role == self.Role.AUDITOR

    @property
    def requires_second_factor(self) -> bool:
        """Staff with edit or manage rights, administrators and anyone who may open the admin site."""
        return self.is_active and (
            self.is_staff or self.role in (self.Role.EDITOR, self.Role.MANAGER, *self.ADMIN_ROLES)
        )


class PasswordHistory(models.Model):
    """The hashes of a user's recent passwords (never the passwords): a new one may not repeat them."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="password_history")
    password = models.CharField(max_length=128)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.user_id} {self.created_at:%Y-%m-%d}"

    @classmethod
    def remember(cls, user: User) -> None:
        """Keep the hash of the user's new password, and only the last PASSWORD_HISTORY_COUNT."""
        cls.objects.create(user=user, password=user.password)
        stale = cls.objects.filter(user=user).values_list("pk", flat=True)[settings.PASSWORD_HISTORY_COUNT:]
        cls.objects.filter(pk__in=list(stale)).delete()


def totp_key_new() -> str:
    """A new device's secret: 20 random bytes (hex, as django-otp makes them), encrypted."""
    return pii_encrypt(random_hex(20))


class TOTPDevice(TimestampMixin, ThrottlingMixin, Device):
    """An authenticator app (TOTP, RFC 6238) as django-otp's TOTP device, but with the secret key
    encrypted at rest by the personal-information keys (annotations/pii.py, PII_KEYS and PII_CIPHER;
    re-encrypted by `manage.py pii_rotate`). `key` holds the ciphertext, in the database and in
    memory; the key itself is decrypted only where it is used: verifying a code, and the QR code
    and base32 key of the enrolment page."""

    key = models.TextField(default=totp_key_new, editable=False,
                           help_text="The secret key, encrypted (pii1$<key version>$<cipher>$...).")
    step = models.PositiveSmallIntegerField(default=30, help_text="The time step in seconds.")
    t0 = models.BigIntegerField(default=0, help_text="The Unix time at which to begin counting steps.")
    digits = models.PositiveSmallIntegerField(choices=[(6, 6), (8, 8)], default=6,
                                              help_text="The number of digits to expect in a token.")
    tolerance = models.PositiveSmallIntegerField(default=1,
                                                 help_text="The number of time steps in the past or future to allow.")
    drift = models.SmallIntegerField(default=0, help_text="Time steps the app's clock is known to be off from ours.")
    last_t = models.BigIntegerField(default=-1, help_text="The time step of the last code accepted; "
                                                          "the next one must be of a later step.")

    class Meta(Device.Meta):
        verbose_name = "TOTP device"

    @property
    def bin_key(self) -> bytes:
        return unhexlify(pii_decrypt(self.key))

    def verify_token(self, token) -> bool:
        """django-otp's TOTP check: within `tolerance` steps, each step's code once, the app's
        clock drift followed (OTP_TOTP_SYNC), wrong codes throttled."""
        allowed, _ = self.verify_is_allowed()
        if not allowed:
            return False
        try:
            value = int(token)
        except (TypeError, ValueError):
            value = None
        totp = TOTP(self.bin_key, self.step, self.t0, self.digits, self.drift)
        totp.time = time.time()
        if value is None or not totp.verify(value, self.tolerance, self.last_t + 1):
            self.throttle_increment(commit=True)
            return False
        self.last_t = totp.t()
        if getattr(settings, "OTP_TOTP_SYNC", True):
            self.drift = totp.drift
        self.throttle_reset(commit=False)
        self.set_last_used_timestamp(commit=False)
        self.save()
        return True

    def get_throttle_factor(self) -> int:
        return getattr(settings, "OTP_TOTP_THROTTLE_FACTOR", 1)

    @property
    def config_url(self) -> str:
        """The otpauth:// URL an authenticator app scans (Google's Key Uri Format)."""
        label = self.user.get_username()
        params = urlencode({"secret": b32encode(self.bin_key).decode().rstrip("="), "algorithm": "SHA1",
                            "digits": self.digits, "period": self.step})
        issuer = settings.OTP_TOTP_ISSUER.replace(":", "")
        if issuer:
            label = f"{issuer}:{label}"
            params += f"&issuer={quote(issuer)}"
        return f"otpauth://totp/{quote(label)}?{params}"
