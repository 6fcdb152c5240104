"""The audit chain: appended in order under concurrent writers, verified by `manage.py
audit_verify`, which finds an edited, inserted or deleted entry and prints where; purged past the
retention period with an anchor that keeps the rest verifiable."""
from __future__ import annotations

import datetime
import hashlib
import threading

import pytest
from cryptography.hazmat.primitives import hashes
from django.core.checks import run_checks
from django.core.management import call_command
from django.db import connection, connections
from django.utils import timezone

from geoportal.audit.chain import chain_seal, chain_verify, entry_hash
from geoportal.audit.models import ChainHead, Entry
from geoportal.audit.recorder import audit_event
from geoportal.audit.retention import audit_purge


def _verify(capsys) -> tuple[int, str, str]:
    try:
        call_command("audit_verify", "--no-drain")
        code = 0
    except SystemExit as exc:
        code = exc.code
    out = capsys.readouterr()
    return code, out.out, out.err


def _events(count: int) -> list[Entry]:
    """Recorded, then sealed (the tests run inside a transaction that never commits: sealing,
    which follows a commit, is called here)."""
    made = [audit_event(action="test.event", actor=None, target=f"n{i}", details={"i": i, "when": timezone.now()})
            for i in range(count)]
    assert all(entry.seq is None for entry in made)  # not in the chain before they are sealed
    assert chain_seal() == count
    return list(Entry.objects.filter(pk__in=[e.pk for e in made]).order_by("seq"))


@pytest.mark.django_db
def test_each_entry_hashes_its_fields_and_the_one_before(capsys):
    first, second, third = _events(3)
    assert first.prev_hash == ChainHead.objects.get().anchor_hash and second.prev_hash == first.hash
    assert third.seq == first.seq + 2
    stored = Entry.objects.get(pk=second.pk)  # as read back from PostgreSQL (jsonb, timestamptz)
    assert entry_hash(stored) == stored.hash
    head = ChainHead.objects.get()
    assert (head.seq, head.hash) == (third.seq, third.hash)
    code, out, err = _verify(capsys)
    assert code == 0 and "chain whole" in out and err == ""


@pytest.mark.django_db
def test_sm3_by_setting(settings):
    settings.AUDIT_HASH = "sm3"
    entry = _events(1)[0]
    assert entry.algorithm == "sm3"
    h = hashes.Hash(hashes.SM3())
    h.update(b"abc")  # GB/T 32905-2016's first example
    assert h.finalize().hex() == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    assert entry.hash != hashlib.sha256(b"x").hexdigest() and entry_hash(entry) == entry.hash
    settings.AUDIT_HASH = "sha256"  # a change of the setting: old entries keep verifying by their own
    assert _events(1)[0].algorithm == "sha256"
    assert chain_verify()[1] == []


@pytest.mark.django_db
def test_edited_and_deleted_entries_are_found_with_their_positions(capsys):
    entries = _events(6)
    edited, deleted = entries[1], entries[4]
    with connection.cursor() as cursor:
        cursor.execute("UPDATE audit_entry SET target = 'someone else' WHERE id = %s", [edited.pk])
        cursor.execute("DELETE FROM audit_entry WHERE id = %s", [deleted.pk])
    code, out, err = _verify(capsys)
    assert code == 1
    lines = [line for line in err.splitlines() if line.startswith("BROKEN")]
    assert len(lines) == 2, err
    assert lines[0] == f"BROKEN position 2 (seq {edited.seq}): its content was changed after it was written"
    assert lines[1] == (f"BROKEN position 5 (seq {entries[5].seq}): entries #{deleted.seq} before this one "
                        "were deleted")


@pytest.mark.django_db
def test_an_inserted_entry_and_a_deleted_tail_are_found(capsys):
    entries = _events(3)
    with connection.cursor() as cursor:  # a forged entry slipped in with a free seq and its own hash
        cursor.execute("UPDATE audit_entry SET seq = seq + 1 WHERE id = %s", [entries[2].pk])
        forged = Entry(seq=entries[2].seq, recorded_at=timezone.now(), action="auth.login", algorithm="sha256",
                       prev_hash="f" * 64, details={})
        forged.hash = entry_hash(forged)
        forged.save()
    _, problems = chain_verify()
    assert [p.position for p in problems][:1] == [3]
    assert "does not follow" in problems[0].message
    Entry.objects.filter(pk__in=[forged.pk, entries[2].pk]).delete()  # now the tail is simply gone
    code, _, err = _verify(capsys)
    assert code == 1 and f"the chain ends at #{entries[1].seq} but its head says #" in err


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_make_one_unbroken_chain():
    """Eight threads (eight connections) append at once: the head's row lock orders them, so the
    seqs have no gap or duplicate and every prev_hash is its predecessor's hash."""
    errors = []

    def write(n: int) -> None:
        try:
            for i in range(15):
                audit_event(action="test.concurrent", actor=None, target=f"{n}-{i}")
        except Exception as exc:  # noqa: BLE001  (re-raised below, in the test's thread)
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    # Outside a transaction each write is sealed at once: none is left unsealed.
    seqs = list(Entry.objects.filter(action="test.concurrent").order_by("seq").values_list("seq", flat=True))
    assert None not in seqs
    assert len(seqs) == 120 and seqs == list(range(seqs[0], seqs[0] + 120))
    checked, problems = chain_verify()
    assert problems == [] and checked >= 120


@pytest.mark.django_db
def test_purge_removes_old_entries_and_the_rest_still_verifies(capsys, settings, monkeypatch):
    settings.AUDIT_RETENTION_DAYS = 180
    now = timezone.now()
    with monkeypatch.context() as moved:  # written 200 days ago
        moved.setattr(timezone, "now", lambda: now - datetime.timedelta(days=200))
        old = _events(3)
    kept = _events(2)
    assert chain_verify()[1] == []
    assert audit_purge(now=now - datetime.timedelta(days=30)) == 0  # 170 days: nothing is old enough yet
    removed = audit_purge(now=now)
    assert removed == 3
    assert not Entry.objects.filter(pk__in=[e.pk for e in old]).exists()
    assert Entry.objects.filter(pk__in=[e.pk for e in kept]).count() == 2
    head = ChainHead.objects.get()
    assert head.anchor_seq == old[-1].seq and head.anchor_hash == old[-1].hash
    purge = Entry.objects.get(action="audit.purge")
    assert purge.details["through_seq"] == old[-1].seq and purge.details["removed"] == 3
    code, out, _ = _verify(capsys)
    assert code == 0, out
    ChainHead.objects.update(anchor_hash="0" * 64)  # an anchor moved by hand no longer fits the chain
    assert "does not follow" in chain_verify()[1][0].message


def test_retention_under_180_days_and_an_unknown_hash_are_refused(settings):
    settings.AUDIT_RETENTION_DAYS = 90
    settings.AUDIT_HASH = "md5"
    ids = {message.id for message in run_checks()}
    assert {"geoportal.E020", "geoportal.E021"} <= ids
    settings.AUDIT_RETENTION_DAYS = 180
    settings.AUDIT_HASH = "sm3"
    ids = {message.id for message in run_checks()}
    assert not ids & {"geoportal.E020", "geoportal.E021"}
