"""Departments and the people who work for them (or use the platform as the public)."""
from django.conf import settings
from django.contrib.auth.hashers import is_password_usable
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models, transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import get_language

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
