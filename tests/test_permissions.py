"""The permission matrix: every role x every action x layers of each visibility, owned by the
user's own or another department, with and without grants. Each cell is asserted.

Search, tiles and export are asserted through layers.permissions (the endpoints that call it
live in their own capability folders)."""
from __future__ import annotations

import itertools
import time

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db import connections

from geoportal.accounts.models import User
from layers.history.models import AuditLog
from layers.models import Layer, LayerGrant
from layers.permissions import ACTIONS, layer_grant, layer_revoke, layers_for, user_can, visible_layer_or_none
from tests.conftest import make_layer, make_user

ROLES = ("anonymous", "citizen", "p_editor", "p_manager", "e_editor", "e_manager", "admin", "secadmin", "auditor")
VISIBILITIES = ("public", "staff", "department")
OWNERS = ("planning", "education")
GRANTS = ("none", "dept_view", "dept_edit", "user_view", "user_edit")
ROLE_DEPT = {"p_editor": "planning", "p_manager": "planning", "e_editor": "education", "e_manager": "education"}


def expected(role: str, action: str, visibility: str, owner: str, grant: str) -> bool:
    """The rules of the issue, written out plainly (department grants go to the non-owning
    department, user grants to the citizen)."""
    if role == "admin":  # the system administrator: everything but sharing, the security duty
        return action != "grant"
    if role == "secadmin" and action == "grant":  # shares any layer; sees only what the public sees
        return True
    dept = ROLE_DEPT.get(role)
    own = dept == owner
    granted = (grant.startswith("dept") and dept is not None and dept != owner) or (
        grant.startswith("user") and role == "citizen")
    granted_edit = granted and grant.endswith("edit")
    can_view = visibility == "public" or (dept is not None and (visibility == "staff" or own)) or granted
    can_edit = own or granted_edit
    can_manage = own and role.endswith("manager")
    return {
        "view": can_view, "export": can_view, "search": can_view, "tiles": can_view,
        "edit": can_edit, "delete": can_edit, "manage": can_manage, "grant": can_manage,
    }[action]


@pytest.fixture
def matrix(departments):
    actors = {
        "anonymous": AnonymousUser(),
        "citizen": make_user("citizen"),
        "p_editor": make_user("p_editor", department=departments["planning"], role=User.Role.EDITOR),
        "p_manager": make_user("p_manager", department=departments["planning"], role=User.Role.MANAGER),
        "e_editor": make_user("e_editor", department=departments["education"], role=User.Role.EDITOR),
        "e_manager": make_user("e_manager", department=departments["education"], role=User.Role.MANAGER),
        "admin": make_user("root", role=User.Role.SYSADMIN),
        "secadmin": make_user("security", role=User.Role.SECADMIN),
        "auditor": make_user("auditor", role=User.Role.AUDITOR),
    }
    layers = {}
    for visibility, owner, grant in itertools.product(VISIBILITIES, OWNERS, GRANTS):
        layer = make_layer(f"{visibility}-{owner}-{grant}".replace("_", "-"), departments[owner],
                           visibility=visibility)
        other = departments["education" if owner == "planning" else "planning"]
        if grant != "none":
            level = grant.split("_")[1]
            grantee = {"department": other} if grant.startswith("dept") else {"user": actors["citizen"]}
            LayerGrant.objects.create(layer=layer, level=level, **grantee)
        layers[(visibility, owner, grant)] = layer
    return actors, layers


def test_every_cell_of_the_permission_matrix(matrix):
    actors, layers = matrix
    wrong = []
    for role, action in itertools.product(ROLES, ACTIONS):
        allowed = {layer.pk for layer in layers_for(actors[role], action)}
        for key, layer in layers.items():
            want = expected(role, action, *key)
            single = user_can(actors[role], action, layer)
            if single != want or (layer.pk in allowed) != want:
                wrong.append((role, action, key, want, single, layer.pk in allowed))
    assert wrong == []
    assert len(ROLES) * len(ACTIONS) * len(layers) == 9 * 8 * 30


@pytest.mark.parametrize(("role", "action", "layer_key", "allowed"), [
    ("anonymous", "view", ("public", "planning", "none"), True),
    ("anonymous", "tiles", ("staff", "planning", "none"), False),
    ("citizen", "search", ("staff", "education", "none"), False),
    ("citizen", "edit", ("department", "education", "user_edit"), True),
    ("citizen", "edit", ("public", "education", "user_view"), False),
    ("e_editor", "view", ("department", "planning", "none"), False),
    ("e_editor", "view", ("department", "planning", "dept_view"), True),
    ("e_editor", "edit", ("department", "planning", "dept_view"), False),
    ("e_editor", "delete", ("department", "planning", "dept_edit"), True),
    ("e_manager", "manage", ("department", "planning", "dept_edit"), False),
    ("p_editor", "manage", ("department", "planning", "none"), False),
    ("p_editor", "export", ("department", "planning", "none"), True),
    ("p_manager", "grant", ("department", "planning", "none"), True),
    ("p_manager", "grant", ("public", "education", "dept_edit"), False),
    ("admin", "grant", ("department", "education", "none"), False),
    ("secadmin", "grant", ("department", "education", "none"), True),
    ("secadmin", "view", ("department", "education", "none"), False),
    ("auditor", "edit", ("public", "education", "none"), False),
])
def test_notable_cells(matrix, role, action, layer_key, allowed):
    actors, layers = matrix
    assert user_can(actors[role], action, layers[layer_key]) is allowed


def test_hidden_layer_is_indistinguishable_from_a_missing_one(matrix):
    actors, layers = matrix
    hidden = layers[("department", "planning", "none")]
    assert visible_layer_or_none(actors["e_editor"], hidden.slug) is None
    assert visible_layer_or_none(actors["e_editor"], "no-such-layer") is None
    assert visible_layer_or_none(actors["p_editor"], hidden.slug) == hidden


def test_inactive_staff_lose_everything_but_public(matrix):
    actors, layers = matrix
    editor = actors["p_editor"]
    editor.is_active = False
    editor.save()
    assert not user_can(editor, "edit", layers[("public", "planning", "none")])
    assert {layer.visibility for layer in layers_for(editor, "view")} == {"public"}


def test_unknown_action_is_refused(matrix):
    actors, layers = matrix
    with pytest.raises(ValueError):
        user_can(actors["admin"], "destroy", layers[("public", "planning", "none")])


def test_manager_grants_and_revokes_with_audit(departments, users):
    layer = make_layer("zoning", departments["planning"], visibility=Layer.Visibility.DEPARTMENT)
    manager, outsider = users["planning_manager"], users["education_editor"]
    assert not user_can(outsider, "edit", layer)

    layer_grant(layer=layer, actor=manager, level="view", department=departments["education"])
    assert user_can(outsider, "view", layer) and not user_can(outsider, "edit", layer)
    layer_grant(layer=layer, actor=manager, level="edit", department=departments["education"])
    assert user_can(outsider, "edit", layer)
    assert LayerGrant.objects.filter(layer=layer).count() == 1

    assert layer_revoke(layer=layer, actor=manager, department=departments["education"]) is True
    assert not user_can(outsider, "view", layer)
    assert layer_revoke(layer=layer, actor=manager, department=departments["education"]) is False

    entries = list(AuditLog.objects.filter(layer=layer).order_by("id").values_list("action", "changes", "actor"))
    assert entries == [
        ("grant.set", {"department:education": [None, "view"]}, manager.pk),
        ("grant.set", {"department:education": ["view", "edit"]}, manager.pk),
        ("grant.revoke", {"department:education": ["edit", None]}, manager.pk),
    ]


def test_only_managers_of_the_owner_may_grant(departments, users):
    layer = make_layer("zoning", departments["planning"])
    for actor in (users["planning_editor"], users["education_editor"], users["public"]):
        with pytest.raises(PermissionDenied):
            layer_grant(layer=layer, actor=actor, level="edit", user=users["public"])
    with pytest.raises(ValueError):
        layer_grant(layer=layer, actor=users["planning_manager"], level="edit", department=departments["planning"])
    with pytest.raises(ValueError):
        layer_grant(layer=layer, actor=users["planning_manager"], level="owner", user=users["public"])
    assert not LayerGrant.objects.exists() and not AuditLog.objects.exists()
    with pytest.raises(PermissionDenied):  # sharing is not the system administrator's duty
        layer_grant(layer=layer, actor=users["admin"], level="edit", user=users["public"])
    layer_grant(layer=layer, actor=users["security_admin"], level="edit", user=users["public"])
    assert user_can(users["public"], "edit", layer)


@pytest.mark.django_db(transaction=True)
def test_anonymous_lookups_are_remembered_until_a_layer_changes(departments, django_assert_num_queries):
    """Between transactions a found layer is answered from the connection's memory; any change to
    layers_layer (a save, or a raw UPDATE such as the feature counters) makes it ask again."""
    from django.db import connection

    anonymous = AnonymousUser()
    layer = Layer.objects.create(slug="parks", title_zh="公园", department=departments["planning"],
                                 visibility=Layer.Visibility.PUBLIC)
    assert visible_layer_or_none(anonymous, "parks").pk == layer.pk
    with django_assert_num_queries(0):
        assert visible_layer_or_none(anonymous, "parks").title_zh == "公园"
    with connection.cursor() as cursor:
        cursor.execute("UPDATE layers_layer SET feature_count = 7 WHERE id = %s", [layer.pk])
    time.sleep(0.05)
    assert visible_layer_or_none(anonymous, "parks").feature_count == 7
    Layer.objects.filter(pk=layer.pk).update(visibility=Layer.Visibility.DEPARTMENT)
    time.sleep(0.05)
    assert visible_layer_or_none(anonymous, "parks") is None
    with django_assert_num_queries(1):  # absent and hidden slugs are asked every time
        assert visible_layer_or_none(anonymous, "parks") is None
    # Another session's change arrives as a notification too.
    other = connections.create_connection("default")
    try:
        Layer.objects.filter(pk=layer.pk).update(visibility=Layer.Visibility.PUBLIC)
        assert visible_layer_or_none(anonymous, "parks") is not None
        with other.cursor() as cursor:
            cursor.execute("UPDATE layers_layer SET visibility = 'staff' WHERE id = %s", [layer.pk])
        deadline = time.monotonic() + 5
        while visible_layer_or_none(anonymous, "parks") is not None and time.monotonic() < deadline:
            time.sleep(0.02)
        assert visible_layer_or_none(anonymous, "parks") is None
    finally:
        other.close()
