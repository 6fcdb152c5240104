"""Sign-in through Django's auth with a lock-out after repeated failures."""
import pytest
from django.core.cache import cache
from django.test import override_settings


@pytest.fixture(autouse=True)
def clean_cache():
    cache.clear()
    yield
    cache.clear()


@override_settings(LOGIN_FAILURE_LIMIT=3)
def test_lockout_after_repeated_failures(client, users):
    for _ in range(3):
        response = client.post("/accounts/login/", {"username": "p_editor", "password": "wrong"})
        assert response.status_code == 200 and not response.wsgi_request.user.is_authenticated
    response = client.post("/accounts/login/", {"username": "p_editor", "password": "pw-p_editor"})
    assert response.status_code == 200
    assert "Too many failed sign-ins" in response.content.decode()
    # Another address is not locked out.
    ok = client.post("/accounts/login/", {"username": "p_editor", "password": "pw-p_editor"},
                     REMOTE_ADDR="10.0.0.9")
    assert ok.status_code == 302


def test_success_clears_the_counter_and_logout_and_password_change_work(client, users):
    for _ in range(4):
        client.post("/accounts/login/", {"username": "p_editor", "password": "wrong"})
    assert client.post("/accounts/login/", {"username": "p_editor", "password": "pw-p_editor"}).status_code == 302
    client.post("/accounts/logout/")
    for _ in range(4):
        client.post("/accounts/login/", {"username": "p_editor", "password": "wrong"})
    assert client.post("/accounts/login/", {"username": "p_editor", "password": "pw-p_editor"}).status_code == 302
    response = client.post("/accounts/password_change/", {
        "old_password": "pw-p_editor", "new_password1": "Harbin-snow-2025", "new_password2": "Harbin-snow-2025"})
    assert response.status_code == 302
    client.post("/accounts/logout/")
    assert client.login(username="p_editor", password="Harbin-snow-2025")


@override_settings(LOGIN_FAILURE_LIMIT=2)
def test_the_admin_sign_in_is_locked_out_too(client, users):
    users["admin"].is_staff = True
    users["admin"].save()
    for _ in range(2):
        client.post("/admin/login/", {"username": "root", "password": "wrong"})
    response = client.post("/admin/login/", {"username": "root", "password": "pw-root"})
    assert response.status_code == 200 and "Too many failed sign-ins" in response.content.decode()
