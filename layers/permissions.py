"""The one place that decides who may see, edit or manage a layer.

Every entry point (map, REST, OGC API, tiles, search, export, admin) asks here. The rules:

- platform administrators may do everything;
- view: public layers for everyone; "staff" layers for every department's staff;
  "department" layers for the owning department's staff; plus view/edit grants;
- edit: the owning department's editors and managers, plus edit grants
  (a department grant reaches that department's staff; a user grant reaches the user);
- manage (metadata, schema, style, grants): the owning department's managers.

Machine clients act through API tokens (layers/api): a token sees public layers plus the layers
and departments it covers, and edits the covered ones if its scope is write; it never manages.

Rules are expressed once, as a Q over Layer; single checks evaluate the same Q.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet

from geoportal.accounts.models import User
from layers.models import Layer

Action = Literal["view", "edit", "manage"]
ACTIONS: tuple[Action, ...] = ("view", "edit", "manage")
_STAFF_ROLES = (User.Role.EDITOR, User.Role.MANAGER)


@dataclass(frozen=True)
class TokenPrincipal:
    """Who is asking when a request carries an API token (a system, not a person)."""

    token_id: int
    name: str
    can_write: bool
    layer_ids: frozenset[int]
    department_ids: frozenset[int]

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_platform_admin = False
    is_department_staff = False
    pk = None

    def get_username(self) -> str:
        return f"token:{self.name}"


def _token_q(token: TokenPrincipal, action: Action) -> Q:
    covered = Q(pk__in=sorted(token.layer_ids)) | Q(department_id__in=sorted(token.department_ids))
    if action == "view":
        return Q(visibility=Layer.Visibility.PUBLIC) | covered
    if action == "edit" and token.can_write:
        return covered
    return Q(pk__in=[])


def _is_admin(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active and user.is_platform_admin)


def _is_dept_staff(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active and user.is_department_staff)


def layer_access_q(user: User | AnonymousUser | None, action: Action) -> Q | None:
    """A filter on Layer for the layers `user` may act on; None means every layer."""
    if action not in ACTIONS:
        raise ValueError(f"Unknown action {action!r}")
    if isinstance(user, TokenPrincipal):
        return _token_q(user, action)
    if _is_admin(user):
        return None
    authenticated = bool(getattr(user, "is_authenticated", False) and user.is_active)
    staff = _is_dept_staff(user)
    nothing = Q(pk__in=[])

    user_grant = Q(grants__user_id=user.pk) if authenticated else nothing
    dept_grant = Q(grants__department_id=user.department_id) if staff else nothing
    own_dept = Q(department_id=user.department_id) if staff else nothing

    if action == "view":
        q = Q(visibility=Layer.Visibility.PUBLIC)
        if staff:
            q |= Q(visibility=Layer.Visibility.STAFF) | own_dept | dept_grant
        return q | user_grant
    if action == "edit":
        edit_user_grant = (user_grant & Q(grants__level="edit")) if authenticated else nothing
        edit_dept_grant = (dept_grant & Q(grants__level="edit")) if staff else nothing
        return own_dept | edit_user_grant | edit_dept_grant
    # manage
    if staff and user.role == User.Role.MANAGER:
        return own_dept
    return nothing


def layers_for(user, action: Action = "view", queryset: QuerySet[Layer] | None = None) -> QuerySet[Layer]:
    """The layers `user` may act on (view by default)."""
    qs = queryset if queryset is not None else Layer.objects.all()
    q = layer_access_q(user, action)
    if q is None:
        return qs
    return qs.filter(pk__in=Layer.objects.filter(q).values("pk"))


def user_can(user, action: Action, layer: Layer) -> bool:
    """Whether `user` may perform `action` on `layer`."""
    q = layer_access_q(user, action)
    if q is None:
        return True
    return Layer.objects.filter(q, pk=layer.pk).exists()


def visible_layer_or_none(user, slug: str) -> Layer | None:
    """The layer named `slug` if `user` may see it; None both when absent and when hidden."""
    return layers_for(user, "view").filter(slug=slug).first()
