"""The password policy: each rule refuses on its own, the last five passwords cannot come back,
and an expired password sends its owner to the change page (API tokens are not concerned)."""
from datetime import timedelta

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils import timezone

from geoportal.accounts.models import PasswordHistory, User
from layers.api.tokens import token_issue
from tests.conftest import make_user
from tests.identity_support import STRONG_PASSWORD

pytestmark = pytest.mark.django_db


def _codes(password, user=None) -> set[str]:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        return {error.code for error in exc.error_list}
    return set()


def test_a_strong_password_passes():
    assert _codes(STRONG_PASSWORD, make_user("mei")) == set()


@pytest.mark.parametrize(("password", "code"), [
    ("Ab#4short", "password_too_short"),  # 9 characters, 4 classes
    ("abcdefghij1234", "password_too_few_classes"),  # 14 characters, 2 classes
    ("Xwangjianguo#26", "password_contains_username"),
    ("Woaini1314!!!", "password_too_common"),  # our list: woaini + digits and punctuation
    ("Qwertyuiop12!", "password_too_common"),
])
def test_each_rule_refuses(password, code):
    assert code in _codes(password, make_user("wangjianguo"))


def test_the_minimum_length_is_a_setting(settings):
    settings.AUTH_PASSWORD_VALIDATORS = [{
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 16}}]
    assert "password_too_short" in _codes("Harbin#Ice-2026")  # 15 characters


def test_the_last_five_passwords_cannot_come_back():
    user = make_user("mei")
    used = [f"Harbin#Ice-{n}-Lantern" for n in range(6)]
    for password in used:
        assert "password_reused" not in _codes(password, user)
        user.set_password(password)
        user.save()
    # Kept: hashes only, the five newest.
    kept = list(PasswordHistory.objects.filter(user=user).values_list("password", flat=True))
    assert len(kept) == 5 and not any(p in "".join(kept) for p in used)
    for password in used[1:]:
        assert "password_reused" in _codes(password, user)
    assert "password_reused" not in _codes(used[0], user)  # six passwords ago


def test_the_change_page_applies_the_policy(client):
    user = make_user("mei")
    client.force_login(user)
    weak = client.post("/accounts/password_change/", {
        "old_password": "pw-mei", "new_password1": "woaini131400", "new_password2": "woaini131400"})
    assert weak.status_code == 200 and "该密码过于常见" in weak.content.decode()
    strong = client.post("/accounts/password_change/", {
        "old_password": "pw-mei", "new_password1": STRONG_PASSWORD, "new_password2": STRONG_PASSWORD})
    assert strong.status_code == 302
    user.refresh_from_db()
    assert user.check_password(STRONG_PASSWORD)


def test_an_expired_password_must_be_changed_first(client, users, settings, school_layer):
    settings.PASSWORD_MAX_AGE_DAYS = 90
    editor = users["education_editor"]
    User.objects.filter(pk=editor.pk).update(password_changed_at=timezone.now() - timedelta(days=91))
    client.force_login(editor)
    page = client.get("/inbox/")
    assert page.status_code == 302 and page["Location"] == "/accounts/password_change/?next=%2Finbox%2F"
    api = client.get("/api/edit/audit/")
    assert api.status_code == 403 and "expired" in api.json()["error"]
    # A token is not a person's session: unaffected.
    _, raw = token_issue(name="registry", layers=[school_layer])
    assert client.get("/api/layers/schools/", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200
    # ... and a token does not carry the session past the rule: with one, the session is set aside.
    assert client.get("/inbox/", HTTP_AUTHORIZATION=f"Bearer {raw}")["Location"].startswith("/accounts/login/")
    changed = client.post("/accounts/password_change/", {
        "old_password": "pw-e_editor", "new_password1": STRONG_PASSWORD, "new_password2": STRONG_PASSWORD})
    assert changed.status_code == 302
    assert client.get("/inbox/").status_code == 200


def test_a_password_within_its_age_is_not_asked_for(client, users, settings):
    settings.PASSWORD_MAX_AGE_DAYS = 90
    editor = users["education_editor"]
    User.objects.filter(pk=editor.pk).update(password_changed_at=timezone.now() - timedelta(days=89))
    client.force_login(editor)
    assert client.get("/inbox/").status_code == 200
