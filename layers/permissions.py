"""The one place that decides who may see, edit or manage a layer.

Every entry point (map, REST, OGC API, tiles, search, export, admin) asks here. The rules:

- platform administrators may do everything;
- view (and so export, search hits and tiles): public layers for everyone; "staff" layers for
  every department's staff; "department" layers for the owning department's staff; plus grants;
- edit (and delete): the owning department's editors and managers, plus edit grants
  (a department grant reaches that department's staff; a user grant reaches the user);
- manage (metadata, schema, style) and grant: the owning department's managers.

Machine clients act through API tokens (layers/api): a token sees public layers plus the layers
and departments it covers, and edits the covered ones if its scope is write; it never manages.

Rules are expressed once, as a Q over Layer; single checks evaluate the same Q. Grants are
given and taken back only through layer_grant / layer_revoke here, and both are audited.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass
from functools import cache
from typing import Literal

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.db.models.functions import Now

from geoportal.accounts.models import Department, User
from geoportal.audit.recorder import layer_read_note, reads_recorded
from layers.history.audit import audit_record
from layers.history.models import AuditLog
from layers.models import Layer, LayerGrant

Action = Literal["view", "edit", "delete", "manage", "grant", "export", "search", "tiles"]
# Each action is decided by one of three rules.
_RULE: dict[str, str] = {
    "view": "view", "export": "view", "search": "view", "tiles": "view",
    "edit": "edit", "delete": "edit",
    "manage": "manage", "grant": "manage",
}
ACTIONS: tuple[str, ...] = tuple(_RULE)


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


def _token_q(token: TokenPrincipal, rule: str) -> Q:
    covered = Q(pk__in=sorted(token.layer_ids)) | Q(department_id__in=sorted(token.department_ids))
    if rule == "view":
        return Q(visibility=Layer.Visibility.PUBLIC) | covered
    if rule == "edit" and token.can_write:
        return covered
    return Q(pk__in=[])


# A grant counts until it expires; the database's clock decides (a grant's expiry needs no job to
# take effect: the periodic share_grants_expire only tidies and audits what expired).
_ACTIVE_GRANT = Q(grants__expires_at__isnull=True) | Q(grants__expires_at__gt=Now())
# A scoped grant (a share request's field subset or area) counts only for readers that apply the
# scope (layers/scope.py), which ask with scoped=True; every other reader sees such a layer as
# hidden, so a reader not yet scope-aware fails closed rather than showing the whole layer.
_WHOLE_GRANT = Q(grants__fields__isnull=True, grants__area__isnull=True)


def _is_admin(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active and user.is_platform_admin)


def _is_dept_staff(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active and user.is_department_staff)


def layer_access_q(user: User | AnonymousUser | None, action: Action, *, scoped: bool = False) -> Q | None:
    """A filter on Layer for the layers `user` may act on; None means every layer.

    Grants limited to fields or an area count only with `scoped` (the caller applies the scope)."""
    if action not in _RULE:
        raise ValueError(f"Unknown action {action!r}")
    rule = _RULE[action]
    if isinstance(user, TokenPrincipal):
        return _token_q(user, rule)
    if action == "grant" and getattr(user, "is_authenticated", False) and user.is_active and user.is_security_admin:
        return None  # sharing is the security administrator's duty (docs/security.md, "Roles")
    if _is_admin(user):
        return Q(pk__in=[]) if action == "grant" else None
    authenticated = bool(getattr(user, "is_authenticated", False) and user.is_active)
    staff = _is_dept_staff(user)
    nothing = Q(pk__in=[])

    active = _ACTIVE_GRANT if scoped and rule == "view" else _ACTIVE_GRANT & _WHOLE_GRANT
    user_grant = (Q(grants__user_id=user.pk) & active) if authenticated else nothing
    dept_grant = (Q(grants__department_id=user.department_id) & active) if staff else nothing
    own_dept = Q(department_id=user.department_id) if staff else nothing

    if rule == "view":
        q = Q(visibility=Layer.Visibility.PUBLIC)
        if staff:
            q |= Q(visibility=Layer.Visibility.STAFF) | own_dept | dept_grant
        return q | user_grant
    if rule == "edit":
        edit_user_grant = (user_grant & Q(grants__level="edit")) if authenticated else nothing
        edit_dept_grant = (dept_grant & Q(grants__level="edit")) if staff else nothing
        return own_dept | edit_user_grant | edit_dept_grant
    if staff and user.role == User.Role.MANAGER:
        return own_dept
    return nothing


def layers_for(user, action: Action = "view", queryset: QuerySet[Layer] | None = None, *,
               scoped: bool = False) -> QuerySet[Layer]:
    """The layers `user` may act on (view by default); `scoped` as in layer_access_q."""
    qs = queryset if queryset is not None else Layer.objects.all()
    q = layer_access_q(user, action, scoped=scoped)
    if q is None:
        return qs
    return qs.filter(pk__in=Layer.objects.filter(q).values("pk"))


def user_can(user, action: Action, layer: Layer, *, scoped: bool = False) -> bool:
    """Whether `user` may perform `action` on `layer`; `scoped` as in layer_access_q."""
    q = layer_access_q(user, action, scoped=scoped)
    if q is None:
        return True
    return Layer.objects.filter(q, pk=layer.pk).exists()


_SLUG_MARK = "\x00slug"  # stands for the slug in a compiled statement; no slug contains NUL


@dataclass(frozen=True)
class _CompiledLookup:
    """A Layer query compiled once: its SQL, parameters (the slug's marked), and how its rows
    become Layer objects (the ORM's own column converters)."""

    sql: str
    params: tuple
    converters: dict
    attnames: tuple[str, ...]

    @classmethod
    def of(cls, queryset: QuerySet[Layer]) -> _CompiledLookup:
        compiler = queryset.query.get_compiler(using=queryset.db)
        sql, params = compiler.as_sql()
        converters = compiler.get_converters([expression for expression, _, _ in compiler.select])
        attnames = tuple(expression.target.attname for expression, _, _ in compiler.select)
        return cls(sql, tuple(params), converters, attnames)

    def first(self, slug: str) -> Layer | None:
        bound = [slug if p == _SLUG_MARK else p for p in self.params]
        with connection.cursor() as cursor:
            cursor.execute(self.sql, bound)
            row = cursor.fetchone()
        if row is None:
            return None
        values = list(row)
        for pos, (functions, expression) in self.converters.items():
            for convert in functions:
                values[pos] = convert(values[pos], expression, connection)
        return Layer.from_db(connection.alias, self.attnames, values)


@cache
def _public_lookup() -> _CompiledLookup:
    """Anonymous visitors share one rule, which needs no join: compiled once per process."""
    return _CompiledLookup.of(Layer.objects.filter(layer_access_q(AnonymousUser(), "view"), slug=_SLUG_MARK)
                              .order_by())


def visible_layer_or_none(user, slug: str, *, scoped: bool = False) -> Layer | None:
    """The layer named `slug` if `user` may see it; None both when absent and when hidden.

    Every tile and item request starts here, so for anonymous visitors the statement (the same
    rule as layers_for) is compiled once rather than per request, and a layer found is kept on
    the database connection until layers_layer changes (geoportal/db/base.py)."""
    if user is not None and (getattr(user, "is_authenticated", False) or isinstance(user, TokenPrincipal)):
        layer = layers_for(user, "view", scoped=scoped).select_related("raster").filter(slug=slug).first()
        _read_note(user, slug, layer)
        return layer
    remembered = connection.layer_rows() if hasattr(connection, "layer_rows") else None
    if remembered is None:
        layer = _public_lookup().first(slug)
        if layer is None:
            _read_note(user, slug, None)
        return layer
    layer = remembered.get(slug)
    if layer is None:
        layer = _public_lookup().first(slug)
        if layer is None:
            _read_note(user, slug, None)
            return None  # absent and hidden slugs are not remembered: any text can be asked for
        if layer.is_raster:
            _ = layer.raster  # remembered with it (its replacement saves the layer, which forgets it)
        remembered[slug] = layer
    return copy.copy(layer)


def _read_note(principal, slug: str, layer: Layer | None) -> None:
    """The audit trail records each read of a non-public layer, and each refused one (an
    anonymous visitor's public reads cost nothing here: they never reach a non-public layer, and
    a refusal costs one query only when the layer is missing or hidden)."""
    if not reads_recorded():
        return
    if layer is not None:
        if layer.visibility != Layer.Visibility.PUBLIC:
            layer_read_note(principal=principal, layer_slug=layer.slug, allowed=True)
    elif Layer.objects.filter(slug=slug).exclude(visibility=Layer.Visibility.PUBLIC).exists():
        layer_read_note(principal=principal, layer_slug=slug, allowed=False)


def layer_reads_note(principal, layers) -> None:
    """Reads of several layers at once (a WMS map, search results): the non-public ones are noted."""
    for layer in layers:
        _read_note(principal, layer.slug, layer)


def can_create_layers(user) -> bool:
    """Managers create layers for their own department; administrators for any."""
    return _is_admin(user) or (_is_dept_staff(user) and user.role == User.Role.MANAGER)


def _grantee(department: Department | None, user: User | None) -> dict:
    if (department is None) == (user is None):
        raise ValueError("Grant to exactly one department or one user.")
    return {"department": department} if department is not None else {"user": user}


def _grantee_label(grantee: dict) -> str:
    if "department" in grantee:
        return f"department:{grantee['department'].code}"
    return f"user:{grantee['user'].username}"


def layer_grant(
    *, layer: Layer, actor, level: str, department: Department | None = None, user: User | None = None,
    fields: list[str] | None = None, area=None, expires_at=None,
) -> LayerGrant:
    """Give (or change) view/edit access to a department or a named user; managers only.

    `fields`, `area` and `expires_at` scope the grant (layers/scope.py): share requests
    (layers/sharing) give view grants limited to what was approved, until a date."""
    if not user_can(actor, "grant", layer):
        raise PermissionDenied("Only the managers of the owning department may share this layer.")
    if level not in LayerGrant.Level.values:
        raise ValueError(f"The level must be one of {', '.join(LayerGrant.Level.values)}.")
    grantee = _grantee(department, user)
    if department is not None and department.pk == layer.department_id:
        raise ValueError("The owning department already has full access.")
    scope = {"fields": fields, "area": area, "expires_at": expires_at}
    with transaction.atomic():
        previous = LayerGrant.objects.select_for_update().filter(layer=layer, **grantee).first()
        grant, _ = LayerGrant.objects.update_or_create(
            layer=layer, **grantee, defaults={"level": level, "granted_by": actor, **scope}
        )
        changes = {_grantee_label(grantee): [previous.level if previous else None, level]}
        if fields is not None or area is not None or expires_at is not None:
            changes["scope"] = [None, {"fields": fields, "area": bool(area), "expires_at":
                                       expires_at.isoformat() if expires_at else None}]
        audit_record(actor=actor, action=AuditLog.Action.GRANT, layer=layer, changes=changes)
    return grant


def layer_revoke(*, layer: Layer, actor, department: Department | None = None, user: User | None = None) -> bool:
    """Take a grant back; returns whether there was one. Managers only."""
    if not user_can(actor, "grant", layer):
        raise PermissionDenied("Only the managers of the owning department may change who shares this layer.")
    grantee = _grantee(department, user)
    with transaction.atomic():
        previous = LayerGrant.objects.select_for_update().filter(layer=layer, **grantee).first()
        if previous is None:
            return False
        previous.delete()
        audit_record(actor=actor, action=AuditLog.Action.REVOKE, layer=layer,
                     changes={_grantee_label(grantee): [previous.level, None]})
    return True


# --- Catalogue records (layers/catalogue) ---------------------------------------------------------

def catalogue_access_q(user) -> Q | None:
    """A filter on Layer for the layers whose catalogue record `user` may read; None means all.

    Metadata crosses departments where the data does not: department staff read every record
    that is not hidden (CatalogueRecord.hidden), besides the records of the layers they may view;
    everyone else (the public, tokens) reads the records of the layers they may view."""
    view = layer_access_q(user, "view")
    if view is None or isinstance(user, TokenPrincipal) or not _is_dept_staff(user):
        return view
    return view | ~Q(catalogue_record__hidden=True)


def catalogue_layers_for(user, queryset: QuerySet[Layer] | None = None) -> QuerySet[Layer]:
    """The layers whose catalogue record `user` may read."""
    qs = queryset if queryset is not None else Layer.objects.all()
    q = catalogue_access_q(user)
    if q is None:
        return qs
    return qs.filter(pk__in=Layer.objects.filter(q).values("pk"))

# --- Webhooks (layers/changes): who may send a layer's changes (or annotation events) elsewhere.
def can_own_webhooks(user) -> bool:
    """API tokens (for the layers they may view) and department managers subscribe to changes;
    deliveries then carry only what the subscriber may view (layers/changes/delivery.py)."""
    if isinstance(user, TokenPrincipal):
        return True
    return _is_dept_staff(user) and user.role == User.Role.MANAGER
