"""Separation of duties (三员分立): the system, security and audit administrators each reach their
own part of the admin site and API, and none another's, whatever groups they are put in; today's
platform administrator becomes the system administrator by the migration."""
import importlib

import pytest
from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command

from geoportal.accounts.models import User
from layers.history.models import AuditLog
from layers.models import LayerGrant
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

SYSTEM_PAGES = ["/admin/layers/layer/", "/admin/layers/feature/", "/admin/accounts/department/"]
SECURITY_PAGES = ["/admin/accounts/user/", "/admin/auth/group/", "/admin/layers/layergrant/",
                  "/admin/layers_api/apitoken/", "/admin/accounts/totpdevice/"]
AUDIT_PAGES = ["/admin/history/auditlog/"]
PAGES = {"admin": SYSTEM_PAGES, "security_admin": SECURITY_PAGES, "audit_admin": AUDIT_PAGES}


@pytest.mark.parametrize("role", list(PAGES))
def test_each_administrator_reaches_only_their_pages(client, users, school_layer, role):
    client.force_login(users[role])
    for owner, pages in PAGES.items():
        for page in pages:
            status = client.get(page).status_code
            assert status == (200 if owner == role else 403), (role, page, status)


def test_groups_cannot_hand_one_administrator_anothers_duty(client, users):
    sysadmin = users["admin"]
    group = Group.objects.create(name="everything")
    group.permissions.set(Permission.objects.all())
    sysadmin.groups.add(group)
    client.force_login(sysadmin)
    assert client.get("/admin/accounts/user/").status_code == 403
    assert client.get("/admin/history/auditlog/").status_code == 403
    assert not sysadmin.has_perm("accounts.change_user") and sysadmin.has_perm("layers.change_layer")


def test_the_audit_administrator_reads_and_changes_nothing(client, users, school_layer):
    auditor = users["audit_admin"]
    entry = AuditLog.objects.create(actor=users["admin"], action=AuditLog.Action.GRANT, layer_slug="schools")
    client.force_login(auditor)
    assert "schools" in client.get("/admin/history/auditlog/").content.decode()
    assert client.get(f"/admin/history/auditlog/{entry.pk}/change/").status_code == 200  # the view page
    assert client.post(f"/admin/history/auditlog/{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    assert AuditLog.objects.filter(pk=entry.pk).exists()
    assert not any(auditor.has_perm(f"history.{action}_auditlog") for action in ("add", "change", "delete"))
    assert len(client.get("/api/edit/audit/").json()["entries"]) == 1


def test_the_security_administrator_manages_users_and_grants_not_layers(client, users, school_layer):
    client.force_login(users["security_admin"])
    grant = client.post("/admin/layers/layergrant/add/", {
        "layer": school_layer.pk, "department": users["planning_editor"].department_id, "level": "view"})
    assert grant.status_code == 302 and LayerGrant.objects.filter(layer=school_layer).exists()
    assert client.get(f"/admin/layers/layer/{school_layer.pk}/change/").status_code == 403
    assert client.get("/api/edit/audit/").status_code == 403


def test_nobody_is_a_superuser(users):
    sysadmin = User.objects.get(pk=users["admin"].pk)
    sysadmin.is_superuser = True
    sysadmin.save()
    sysadmin.refresh_from_db()
    assert not sysadmin.is_superuser and not sysadmin.has_perm("accounts.change_user")


def test_createsuperuser_makes_a_system_administrator(db):
    call_command("createsuperuser", username="ops", email="", interactive=False, verbosity=0)
    ops = User.objects.get(username="ops")
    assert (ops.role, ops.is_staff, ops.is_superuser) == (User.Role.SYSADMIN, True, False)


def test_assign_role_names_the_first_security_administrator(users):
    call_command("assign_role", "citizen", "secadmin", verbosity=0)
    assert User.objects.get(username="citizen").is_security_admin


def test_the_migration_turns_platform_administrators_into_system_administrators(departments):
    legacy = make_user("legacy")
    superuser = make_user("super")
    make_user("ed", department=departments["planning"], role=User.Role.EDITOR)
    # The rows as they were before the migration (save() no longer writes them so).
    User.objects.filter(pk=legacy.pk).update(role="admin", is_superuser=True, is_staff=True)
    User.objects.filter(pk=superuser.pk).update(role="public", is_superuser=True, is_staff=True)
    migration = importlib.import_module("geoportal.accounts.migrations.0002_security_identity")
    migration.split_platform_administrator(apps, None)
    rows = dict(User.objects.values_list("username", "role"))
    assert rows["legacy"] == rows["super"] == "sysadmin" and rows["ed"] == "editor"
    assert not User.objects.filter(is_superuser=True).exists()
    assert not User.objects.filter(role__in=("secadmin", "auditor")).exists()
