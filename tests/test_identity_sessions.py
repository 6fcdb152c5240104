"""Sessions end after the idle timeout and the absolute lifetime, on sign-out everywhere, and when
the user is deactivated or their role or department changes."""
import time

import pytest
from django.test import Client

from geoportal.accounts.models import User
from geoportal.accounts.services import department_member_set_role
from geoportal.accounts.sessions import SEEN_AT, SIGNED_IN_AT

pytestmark = pytest.mark.django_db


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    assert _is_signed_in(client)
    return client


def _is_signed_in(client) -> bool:
    return client.get("/accounts/security/").status_code == 200  # else a redirect to the sign-in page


def _age(client, **seconds_ago):
    session = client.session
    now = int(time.time())
    for key, ago in seconds_ago.items():
        session[key] = now - ago
    session.save()


def test_idle_timeout(users, settings):
    settings.SESSION_IDLE_TIMEOUT = 1800
    client = _signed_in(users["planning_editor"])
    _age(client, gp_seen_at=1700)
    assert _is_signed_in(client)  # used 28 minutes ago: still on, and the clock restarts
    assert client.session[SEEN_AT] >= int(time.time()) - 1
    _age(client, gp_seen_at=1801)
    assert not _is_signed_in(client)
    assert client.get("/inbox/")["Location"].startswith("/accounts/login/")


def test_absolute_lifetime(users, settings):
    settings.SESSION_MAX_AGE = 8 * 3600
    client = _signed_in(users["planning_editor"])
    _age(client, gp_signed_in_at=8 * 3600 - 60)
    assert _is_signed_in(client)
    _age(client, gp_signed_in_at=8 * 3600 + 1)  # active all along, but signed in too long ago
    assert not _is_signed_in(client)
    assert SIGNED_IN_AT not in client.session


def test_sign_out_everywhere(users):
    phone, desk = _signed_in(users["planning_editor"]), _signed_in(users["planning_editor"])
    other = _signed_in(users["education_editor"])
    response = desk.post("/accounts/security/sign-out-everywhere/")
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    assert not _is_signed_in(desk) and not _is_signed_in(phone)
    assert _is_signed_in(other)
    assert _is_signed_in(_signed_in(User.objects.get(pk=users["planning_editor"].pk)))  # a new sign-in works


def test_a_role_change_ends_the_members_sessions(users):
    member = users["public"]
    member_client = _signed_in(member)
    bystander = _signed_in(users["education_editor"])
    department_member_set_role(actor=users["planning_manager"], member=member, role=User.Role.EDITOR)
    assert not _is_signed_in(member_client)
    assert _is_signed_in(bystander)


def test_a_department_change_ends_the_sessions(users, departments):
    editor = User.objects.get(pk=users["planning_editor"].pk)
    client = _signed_in(editor)
    editor.department = departments["education"]
    editor.save()
    assert not _is_signed_in(client)


def test_deactivation_ends_the_sessions(users):
    editor = User.objects.get(pk=users["planning_editor"].pk)
    client = _signed_in(editor)
    editor.is_active = False
    editor.save()
    assert not _is_signed_in(client)
    editor.is_active = True
    editor.save()
    assert not _is_signed_in(client)  # reactivation does not bring the old session back


def test_other_saves_keep_the_sessions(users):
    editor = User.objects.get(pk=users["planning_editor"].pk)
    client = _signed_in(editor)
    editor.first_name = "Mei"
    editor.save()
    assert _is_signed_in(client)
