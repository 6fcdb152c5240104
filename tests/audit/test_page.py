"""/audit/: only the audit administrator searches, filters and exports the trail (each role tried)."""
from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.test import Client
from django.utils import timezone

from geoportal.accounts.duties import AUDIT, model_duty
from geoportal.audit.models import Entry
from geoportal.audit.recorder import audit_event

pytestmark = pytest.mark.django_db


@pytest.fixture
def trail(users, read_queue):
    audit_event(action="auth.login", actor=users["planning_editor"], target="p_editor")
    audit_event(action="auth.login", result=Entry.Result.FAILED, actor=None, target="root")
    audit_event(action="layer.export", actor=users["planning_manager"], layer_slug="pipes",
                details={"format": [None, "gpkg"]})
    audit_event(action="layer.read", actor=users["planning_editor"], layer_slug="pipes",
                details={"note": "=HYPERLINK(\"http://x\")"})
    Entry.objects.filter(action="layer.export").update(ip="10.1.2.3")  # (an edit, for the filter only)


@pytest.mark.parametrize("role", ["public", "planning_editor", "planning_manager", "admin", "security_admin"])
def test_nobody_but_the_audit_administrator(client, users, trail, role):
    client.force_login(users[role])
    assert client.get("/audit/").status_code == 403
    assert client.get("/audit/", {"format": "csv"}).status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(trail):
    response = Client().get("/audit/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def _rows(client, **params) -> list[str]:
    html = client.get("/audit/", params).content.decode()
    return [row for row in html.split('data-testid="audit-entry"')[1:]]


def test_search_and_filters(client, users, trail):
    client.force_login(users["audit_admin"])
    page = client.get("/audit/")
    assert page.status_code == 200
    assert len(_rows(client, user="p_editor")) == 2
    assert len(_rows(client, action="auth.login")) == 3  # force_login is the auditor's own sign-in
    assert len(_rows(client, action="auth.", result="failed")) == 1
    assert len(_rows(client, layer="pipes", action="layer.")) == 2
    assert len(_rows(client, ip="10.1.")) == 1
    tomorrow = (timezone.localtime() + datetime.timedelta(days=1)).strftime("%Y-%m-%d")  # the site's time zone
    assert len(_rows(client, since=tomorrow)) == 0
    assert len(_rows(client, until=tomorrow, action="layer.read")) == 1
    bad = client.get("/audit/", {"since": "yesterday"})
    assert bad.status_code == 400 and "since" in bad.content.decode()
    searches = Entry.objects.filter(action="audit.search", username="auditor")
    assert searches.count() >= 7 and searches.filter(details__filters__ip="10.1.").exists()


def test_csv_export(client, users, trail):
    client.force_login(users["audit_admin"])
    response = client.get("/audit/", {"format": "csv", "layer": "pipes"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert {row["action"] for row in rows} == {"layer.export", "layer.read"}
    assert all(len(row["hash"]) == 64 and row["seq"] for row in rows)
    read = next(row for row in rows if row["action"] == "layer.read")
    assert read["username"] == "p_editor" and read["details"].startswith("{")
    export = Entry.objects.get(action="audit.export")
    assert export.username == "auditor" and export.details["filters"] == {"layer_slug": "pipes"}


def test_csv_cells_never_start_a_formula(client, users):
    audit_event(action="auth.login", result=Entry.Result.FAILED, actor=None, target="=cmd|' /C calc'!A0")
    client.force_login(users["audit_admin"])
    body = b"".join(client.get("/audit/", {"format": "csv"}).streaming_content).decode()
    failed = [row["target"] for row in csv.DictReader(io.StringIO(body)) if row["result"] == "failed"]
    assert failed == ["'=cmd|' /C calc'!A0"]


def test_the_trail_is_the_audit_duty(client, users, trail):
    """Listed in MODEL_DUTIES as the audit duty: the auditor may view it, nobody may change it."""
    assert model_duty("audit", "entry") == AUDIT and model_duty("audit", "chainhead") == AUDIT
    assert users["audit_admin"].has_perm("audit.view_entry")
    assert not users["audit_admin"].has_perm("audit.change_entry")
    assert not users["admin"].has_perm("audit.view_entry")
    assert not users["security_admin"].has_perm("audit.view_entry")
