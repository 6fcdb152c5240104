"""Submitters' names and contacts (PIPL): encrypted at rest (AES-GCM or SM4-GCM, keys from the
environment), re-encrypted by `manage.py pii_rotate`, shown only to the handling department's
staff, erased by the retention job and on the submitter's request; each step audited."""
from __future__ import annotations

import base64
import datetime
import re

import pytest
from django.core.checks import run_checks
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.utils import timezone

from annotations.models import Annotation, State, Suggestion
from annotations.pii import PiiError, pii_decrypt
from annotations.privacy import pii_retention_erase
from annotations.workflow import annotation_transition
from geoportal.audit.models import Entry
from tests.annotation_factories import post_report, submit
from tests.conftest import make_layer

pytestmark = pytest.mark.django_db
KEY_1 = "1:" + base64.b64encode(b"k" * 32).decode()
KEY_2 = "2:" + base64.b64encode(b"K" * 32).decode()
SM4_KEY = "3:" + base64.b64encode(b"s" * 16).decode()
NAME, CONTACT = "王小明", "wang.xiaoming@example.org"


def _raw(annotation: Annotation) -> tuple[str, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, contact FROM annotations_annotation WHERE id = %s", [annotation.pk])
        return cursor.fetchone()


def test_stored_encrypted_and_read_back(city, settings):
    settings.PII_KEYS = [KEY_1]
    response = post_report(Client(), name=NAME, contact=CONTACT)
    assert response.status_code == 201
    annotation = Annotation.objects.get(tracking_number=response.json()["tracking_number"])
    name, contact = _raw(annotation)
    assert name.startswith("pii1$1$aes-gcm$") and contact.startswith("pii1$1$aes-gcm$")
    assert NAME not in name and "example.org" not in contact
    assert (annotation.name, annotation.contact) == (NAME, CONTACT)
    other = submit(city["light"], name=NAME, contact=CONTACT).annotation
    assert _raw(other)[0] != name  # the same text twice: two ciphertexts (a fresh nonce each)


def test_sm4_by_setting(city, settings):
    settings.PII_KEYS = [KEY_1, SM4_KEY]
    settings.PII_CIPHER = "sm4"
    annotation = submit(city["light"], name=NAME, contact=CONTACT).annotation
    assert _raw(annotation)[1].startswith("pii1$3$sm4$")
    assert Annotation.objects.get(pk=annotation.pk).contact == CONTACT


def test_an_altered_ciphertext_is_refused(city, settings):
    settings.PII_KEYS = [KEY_1]
    annotation = submit(city["light"], name=NAME, contact=CONTACT).annotation
    stored = _raw(annotation)[1]
    payload = bytearray(base64.b64decode(stored.split("$")[3]))
    payload[15] ^= 1
    with pytest.raises(PiiError):
        pii_decrypt("$".join(stored.split("$")[:3] + [base64.b64encode(bytes(payload)).decode()]))
    settings.PII_KEYS = [KEY_2]  # the key that wrote it is gone
    with pytest.raises(PiiError):
        pii_decrypt(stored)


def test_rotation_re_encrypts_under_the_new_key(city, settings, capsys):
    settings.PII_KEYS = [KEY_1]
    annotation = submit(city["light"], name=NAME, contact=CONTACT).annotation
    suggestion = Suggestion.objects.create(layer=make_layer("roads", city["urban"]), base_version=1,
                                           contact="13800000000")
    updated_at = Annotation.objects.get(pk=annotation.pk).updated_at
    settings.PII_KEYS = [KEY_1, KEY_2]
    call_command("pii_rotate")
    assert "annotations.annotation: 1 rows re-encrypted" in capsys.readouterr().out
    assert all(value.startswith("pii1$2$aes-gcm$") for value in _raw(annotation))
    settings.PII_KEYS = [KEY_2]  # the old key can go now
    fresh = Annotation.objects.get(pk=annotation.pk)
    assert (fresh.name, fresh.contact, fresh.updated_at) == (NAME, CONTACT, updated_at)
    assert Suggestion.objects.get(pk=suggestion.pk).contact == "13800000000"
    entry = Entry.objects.get(action="pii.rotate")
    assert entry.username == "console:pii_rotate" and entry.details["key_version"] == 2
    call_command("pii_rotate")
    assert "0 rows re-encrypted" in capsys.readouterr().out


def test_the_migration_encrypts_existing_rows_and_its_reverse_decrypts(city, settings):
    settings.PII_KEYS = [KEY_1]
    annotation = submit(city["light"], name=NAME, contact=CONTACT).annotation
    with connection.cursor() as cursor:  # as rows were before the migration: plain text
        cursor.execute("UPDATE annotations_annotation SET name = %s, contact = %s WHERE id = %s",
                       [NAME, CONTACT, annotation.pk])
    migration = MigrationExecutor(connection).loader.get_migration("annotations", "0003_personal_information_encrypted")
    encrypt = next(op for op in migration.operations if op.__class__.__name__ == "RunPython")
    with connection.schema_editor(atomic=False) as editor:
        encrypt.code(None, editor)
    assert all(value.startswith("pii1$1$") for value in _raw(annotation))
    with connection.schema_editor(atomic=False) as editor:
        encrypt.reverse_code(None, editor)
    assert _raw(annotation) == (NAME, CONTACT)


def test_only_the_handling_departments_staff_see_it(client, city, users):
    annotation = submit(city["light"], name=NAME, contact=CONTACT).annotation
    assert annotation.department == city["urban"]
    url = f"/inbox/{annotation.tracking_number}/"
    client.force_login(city["urban_editor"])
    page = client.get(url).content.decode()
    assert NAME in page and CONTACT in page
    shown = Entry.objects.get(action="pii.view")
    assert (shown.username, shown.target) == ("u_editor", annotation.tracking_number)
    for who in (users["admin"], city["service_editor"]):
        client.force_login(who)
        response = client.get(url)
        body = response.content.decode()
        assert NAME not in body and CONTACT not in body, who.username
    client.force_login(users["admin"])
    assert 'data-testid="submitter-hidden"' in client.get(url).content.decode()
    admin_response = client.get(f"/admin/annotations/annotation/{annotation.pk}/change/")
    assert admin_response.status_code == 200
    admin_page = admin_response.content.decode()
    assert annotation.tracking_number in admin_page and NAME not in admin_page and CONTACT not in admin_page


def test_the_retention_job_erases_closed_reports_after_the_period(city, settings):
    settings.PII_RETENTION_DAYS = 365
    editor = city["urban_editor"]
    closed = submit(city["light"], name=NAME, contact=CONTACT).annotation
    for state in ("published", "assigned", "in_progress", "resolved"):
        closed = annotation_transition(annotation=closed, to_state=state, user=editor, public_reply="修好了")
    still_open = submit(city["light"], name="李四", contact="li@example.org").annotation
    assert closed.state == State.RESOLVED and closed.resolved_at is not None
    now = timezone.now()
    assert pii_retention_erase(now=now + datetime.timedelta(days=300)) == 0  # not yet
    assert pii_retention_erase(now=now + datetime.timedelta(days=366)) == 1
    erased = Annotation.objects.get(pk=closed.pk)
    assert (erased.name, erased.contact) == ("", "") and erased.pii_erased_at is not None
    assert erased.description  # the report itself stays
    kept = Annotation.objects.get(pk=still_open.pk)
    assert (kept.name, kept.contact) == ("李四", "li@example.org")
    entry = Entry.objects.get(action="pii.erase")
    assert entry.details["reports"] == [closed.tracking_number] and entry.details["reason"] == "retention"
    assert pii_retention_erase(now=now + datetime.timedelta(days=400)) == 0


def test_the_submitter_deletes_their_data_from_the_follow_up_link(client, city):
    submitted = submit(city["light"], name=NAME, contact=CONTACT)
    number, token = submitted.annotation.tracking_number, submitted.follow_up_token
    page = client.get(f"/track/{number}/follow-up/{token}/").content.decode()
    assert 'data-testid="erase-personal-data"' in page
    action = re.search(r'action="([^"]+/personal-data/erase/)"', page).group(1)
    assert client.post(action, {}).status_code == 400  # not confirmed: nothing happens
    assert Annotation.objects.get(pk=submitted.annotation.pk).contact == CONTACT
    assert client.post(f"/track/{number}/follow-up/wrong-token/personal-data/erase/",
                       {"confirm": "yes"}).status_code == 404
    response = client.post(action, {"confirm": "yes"}, REMOTE_ADDR="198.51.100.9")
    assert response.status_code == 302
    erased = Annotation.objects.get(pk=submitted.annotation.pk)
    assert (erased.name, erased.contact) == ("", "") and erased.pii_erased_at is not None
    entry = Entry.objects.get(action="pii.erase")
    assert (entry.target, entry.ip, entry.details["reason"]) == (number, "198.51.100.9", "submitter's request")
    assert 'data-testid="personal-data-erased"' in client.get(response["Location"]).content.decode()


def test_settings_are_checked(settings):
    settings.DEBUG = False
    settings.PII_KEYS = []
    assert "geoportal.E022" in {m.id for m in run_checks()}
    settings.PII_KEYS = ["one:not-base64"]
    assert "geoportal.E022" in {m.id for m in run_checks()}
    settings.PII_KEYS = [KEY_1]
    settings.PII_CIPHER = "sm4"  # a 32-byte key does not fit SM4
    assert "geoportal.E023" in {m.id for m in run_checks()}
    settings.PII_CIPHER = "aes-gcm"
    settings.PII_RETENTION_DAYS = 0
    ids = {m.id for m in run_checks()}
    assert "geoportal.E024" in ids and not ids & {"geoportal.E022", "geoportal.E023"}
