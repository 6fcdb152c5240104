"""Managers manage their department's editors (and nobody else's); changes are audited."""
import json

from django.test import Client

from geoportal.accounts.models import User
from layers.history.models import AuditLog
from tests.conftest import make_user


def post(client, body):
    return client.post("/api/edit/members/", data=json.dumps(body), content_type="application/json")


def test_manager_makes_and_unmakes_an_editor(users, departments):
    manager = Client()
    manager.force_login(users["planning_manager"])
    newcomer = make_user("newcomer")
    response = post(manager, {"username": "newcomer", "role": "editor"})
    assert response.status_code == 200
    assert "newcomer" in [m["username"] for m in response.json()["members"]]
    newcomer.refresh_from_db()
    assert newcomer.department == departments["planning"] and newcomer.role == User.Role.EDITOR
    post(manager, {"username": "newcomer", "role": "public"})
    newcomer.refresh_from_db()
    assert newcomer.department is None and newcomer.role == User.Role.PUBLIC

    assert post(manager, {"username": "e_editor", "role": "public"}).status_code == 403
    assert post(manager, {"username": "root", "role": "public"}).status_code == 403
    assert post(manager, {"username": "p_editor", "role": "manager"}).status_code == 400
    assert post(manager, {"username": "ghost", "role": "editor"}).status_code == 400
    entries = manager.get("/api/edit/audit/", {"action": "member.role"}).json()["entries"]
    assert [(e["target"], e["changes"]["role"]) for e in entries] == [
        ("newcomer", ["editor", "public"]), ("newcomer", ["public", "editor"])]
    assert AuditLog.objects.count() == 2


def test_editors_cannot_manage_people(users):
    editor = Client()
    editor.force_login(users["planning_editor"])
    assert editor.get("/api/edit/members/").status_code == 403
    assert post(editor, {"username": "citizen", "role": "editor"}).status_code == 403
    assert Client().get("/api/edit/members/").status_code == 401
