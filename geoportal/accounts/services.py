"""Managers manage their department's editors: make a user an editor of the department, or take
the role back. Managers and administrators are out of their reach; every change is audited."""
from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction

from geoportal.accounts.models import User
from layers.history.audit import audit_record
from layers.history.models import AuditLog

ASSIGNABLE_ROLES = (User.Role.EDITOR, User.Role.PUBLIC)


def department_member_set_role(*, actor: User, member: User, role: str) -> User:
    """`role` editor: member joins the actor's department as editor; public: member leaves it."""
    if not (actor.is_department_staff and actor.role == User.Role.MANAGER):
        raise PermissionDenied("Only department managers manage editors.")
    if role not in ASSIGNABLE_ROLES:
        raise ValueError(f"A manager may make someone an {User.Role.EDITOR} or {User.Role.PUBLIC} user only.")
    if member.role in (User.Role.MANAGER, *User.ADMIN_ROLES):
        raise PermissionDenied("Managers and administrators are managed by the security administrator.")
    if member.department_id not in (None, actor.department_id):
        raise PermissionDenied("This person belongs to another department.")
    before = {"role": member.role, "department": member.department.code if member.department else None}
    with transaction.atomic():
        member.role = role
        member.department = actor.department if role == User.Role.EDITOR else None
        member.save(update_fields=["role", "department"])
        after = {"role": member.role, "department": member.department.code if member.department else None}
        audit_record(actor=actor, action=AuditLog.Action.MEMBER_ROLE, layer=None, target=member.username,
                     changes={key: [before[key], after[key]] for key in before if before[key] != after[key]})
    return member


def department_members(*, actor: User):
    return User.objects.filter(department_id=actor.department_id, is_active=True).order_by("username")
