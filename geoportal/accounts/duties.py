"""Separation of duties (三员分立) on the admin site and wherever Django permissions are asked.

Each model belongs to one duty. The system administrator holds the system duty (layers, features,
departments, imports, rasters, reports' configuration), the security administrator the security
duty (users, groups and permissions, layer grants, API tokens, two-factor devices), the audit
administrator reads the audit duty's models and changes nothing. A permission of a duty the
user's role does not hold is refused outright, whatever groups or permissions they were given
(this is the only authentication backend, so nothing answers after it). Department staff keep whatever their
groups give them on the system duty's models. docs/security.md "Roles" tells the story."""
from __future__ import annotations

from django.contrib.auth.backends import ModelBackend

from geoportal.accounts.models import User

SECURITY = "security"
AUDIT = "audit"
SYSTEM = "system"

# app_label.model -> duty; every other model is the system duty's (a new audit model is added here).
MODEL_DUTIES = {
    "accounts.user": SECURITY,
    "accounts.passwordhistory": SECURITY,
    "auth.group": SECURITY,
    "auth.permission": SECURITY,
    "layers.layergrant": SECURITY,
    "layers_api.apitoken": SECURITY,
    "accounts.totpdevice": SECURITY,
    "otp_static.staticdevice": SECURITY,
    "otp_static.statictoken": SECURITY,
    "history.auditlog": AUDIT,
    "audit.entry": AUDIT,
    "audit.chainhead": AUDIT,
}
ROLE_DUTY = {User.Role.SYSADMIN: SYSTEM, User.Role.SECADMIN: SECURITY, User.Role.AUDITOR: AUDIT}


def model_duty(app_label: str, model: str) -> str:
    return MODEL_DUTIES.get(f"{app_label}.{model}", SYSTEM)


def _split(perm: str) -> tuple[str, str, str]:
    app_label, _, codename = perm.partition(".")
    action, _, model = codename.partition("_")
    return app_label, action, model


def duty_allows(user, perm: str) -> bool | None:
    """True: the role's duty grants `perm`; False: it belongs to a duty the role lacks;
    None: not an administrator's question (department staff on system models)."""
    app_label, action, model = _split(perm)
    duty = model_duty(app_label, model)
    held = ROLE_DUTY.get(user.role)
    if held is None:
        return None if duty == SYSTEM else False
    if held != duty:
        return False
    return action == "view" if duty == AUDIT else True


class DutiesBackend(ModelBackend):
    """Django's ModelBackend (sign-in, groups, permissions), with the duties deciding first."""

    def has_perm(self, user_obj, perm, obj=None):
        if not user_obj.is_active or not isinstance(user_obj, User):
            return False
        allowed = duty_allows(user_obj, perm)
        if allowed is None:
            return super().has_perm(user_obj, perm, obj)
        return allowed

    def has_module_perms(self, user_obj, app_label):
        if not user_obj.is_active or not isinstance(user_obj, User):
            return False
        held = ROLE_DUTY.get(user_obj.role)
        if held is None:
            return super().has_module_perms(user_obj, app_label)
        from django.apps import apps

        config = apps.get_app_config(app_label)
        return any(model_duty(app_label, m._meta.model_name) == held for m in config.get_models())
