"""The hash chain: sealing entries in a well-defined order, and verifying it.

An entry is inserted in the transaction of the change it records (it exists exactly when the
change commits) without its place in the chain. Sealing gives the committed, unsealed entries
their `seq` and hashes, in id order, under a lock on the single ChainHead row: sealers never read
the same head, so the chain's order is the order of sealing, and the lock is held for the
milliseconds of one seal, never for the length of a writer's transaction (an import of a large
layer records its new layer before writing the features). Sealing runs right after each writing
transaction commits (on_commit), at once for a write outside a transaction, and in the worker's
periodic drain, which also seals what a crash between commit and seal left behind.

Each entry's hash is H(previous entry's hash, the entry's fields as canonical JSON, read back as
stored), H being the entry's own `algorithm` (AUDIT_HASH when it was sealed: sha256 or sm3), so a
change of the setting hashes new entries the new way without breaking the chain."""
from __future__ import annotations

import datetime
import hashlib
import json
from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction

from geoportal.audit.models import ChainHead, Entry

GENESIS = "0" * 64
ALGORITHMS = ("sha256", "sm3")
# The fields an entry's hash covers, in this order.
HASHED_FIELDS = ("seq", "recorded_at", "user_id", "username", "action", "result", "layer_slug", "target",
                 "ip", "user_agent", "details", "algorithm")


def _digest(algorithm: str, data: bytes) -> str:
    if algorithm == "sha256":
        return hashlib.sha256(data).hexdigest()
    if algorithm == "sm3":
        h = hashes.Hash(hashes.SM3())
        h.update(data)
        return h.finalize().hex()
    raise ValueError(f"Unknown audit hash {algorithm!r}: use one of {', '.join(ALGORITHMS)}.")


def _canonical(value) -> object:
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC).isoformat()
    return value


def entry_hash(entry: Entry) -> str:
    fields = {name: _canonical(getattr(entry, name)) for name in HASHED_FIELDS}
    payload = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return _digest(entry.algorithm, f"{entry.prev_hash}\n{payload}".encode())


def plain_json(details: dict) -> dict:
    """`details` as it will read back from the database (dates as text, tuples as lists), so
    that the hash computed now is the hash recomputed later."""
    return json.loads(json.dumps(details or {}, cls=DjangoJSONEncoder))


SEAL_BATCH = 5000


def _head_locked() -> ChainHead:
    """The head row, locked; made again if a test's flush of every table took it."""
    head, _ = ChainHead.objects.select_for_update().get_or_create(
        pk=1, defaults={"seq": 0, "hash": GENESIS, "anchor_seq": 0, "anchor_hash": GENESIS})
    return head


def entries_insert(rows: list[dict]) -> list[Entry]:
    """Insert one entry per row (Entry's fields but seq and the hashes), unsealed, in the current
    transaction if there is one, and have them sealed when it commits (at once when there is none)."""
    entries = Entry.objects.bulk_create([Entry(**{**row, "details": plain_json(row.get("details", {}))})
                                         for row in rows])
    if connection.in_atomic_block:
        transaction.on_commit(chain_seal)
    else:
        chain_seal()
    return entries


def _seal(head: ChainHead, entry: Entry) -> None:
    entry.seq, entry.prev_hash, entry.algorithm = head.seq + 1, head.hash, settings.AUDIT_HASH
    entry.hash = entry_hash(entry)
    head.seq, head.hash = entry.seq, entry.hash


def chain_seal() -> int:
    """Give every committed unsealed entry its place and hash; returns how many were sealed."""
    sealed = 0
    while True:
        with transaction.atomic():
            head = _head_locked()
            pending = list(Entry.objects.filter(seq__isnull=True).order_by("id")[:SEAL_BATCH])
            for entry in pending:
                _seal(head, entry)
            if pending:
                Entry.objects.bulk_update(pending, ["seq", "prev_hash", "algorithm", "hash"], batch_size=1000)
                head.save(update_fields=["seq", "hash"])
        sealed += len(pending)
        if len(pending) < SEAL_BATCH:
            return sealed


def entries_append_sealed(rows: list[dict]) -> list[Entry]:
    """Insert entries already sealed, in one short transaction of their own (the worker's batches
    of reads): one insert, no update. Entries waiting to be sealed are sealed first, in order."""
    chain_seal()
    with transaction.atomic():
        head = _head_locked()
        entries = [Entry(**{**row, "details": plain_json(row.get("details", {}))}) for row in rows]
        for entry in entries:
            _seal(head, entry)
        Entry.objects.bulk_create(entries, batch_size=1000)
        head.save(update_fields=["seq", "hash"])
    return entries


@dataclass(frozen=True)
class Problem:
    position: int  # 1-based row number in the kept chain, in seq order (0: the chain as a whole)
    seq: int
    message: str

    def __str__(self) -> str:
        return f"position {self.position} (seq {self.seq}): {self.message}"


def chain_verify() -> tuple[int, list[Problem]]:
    """(sealed entries checked, problems); unsealed ones (of transactions not yet committed, or
    not yet sealed) are not part of the chain yet. After a problem, checking goes on from the stored values, so
    that one edited or deleted entry is reported once, not as every entry after it."""
    head = chain_head()
    problems: list[Problem] = []
    expected_seq, expected_prev = head.anchor_seq + 1, head.anchor_hash
    position = 0
    for entry in Entry.objects.filter(seq__isnull=False).order_by("seq").iterator(chunk_size=2000):
        position += 1
        if entry.seq > expected_seq:
            missing = f"#{expected_seq}" if entry.seq == expected_seq + 1 else f"#{expected_seq}-#{entry.seq - 1}"
            problems.append(Problem(position, entry.seq, f"entries {missing} before this one were deleted"))
        elif entry.seq < expected_seq:
            problems.append(Problem(position, entry.seq, "an entry from before the purge anchor was inserted"))
        elif entry.prev_hash != expected_prev:
            problems.append(Problem(position, entry.seq, "does not follow the entry before it (inserted, or the "
                                                         "one before was replaced)"))
        if entry.algorithm not in ALGORITHMS or entry_hash(entry) != entry.hash:
            problems.append(Problem(position, entry.seq, "its content was changed after it was written"))
        expected_seq, expected_prev = entry.seq + 1, entry.hash
    if (expected_seq - 1, expected_prev) != (head.seq, head.hash):
        problems.append(Problem(0, head.seq, f"the chain ends at #{expected_seq - 1} but its head says "
                                             f"#{head.seq}: the last entries were deleted or the head was changed"))
    return position, problems


def chain_head() -> ChainHead:
    head = ChainHead.objects.filter(pk=1).first()
    return head or ChainHead(pk=1, seq=0, hash=GENESIS, anchor_seq=0, anchor_hash=GENESIS)
