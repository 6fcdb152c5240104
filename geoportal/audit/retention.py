"""Removing entries older than AUDIT_RETENTION_DAYS while the chain stays verifiable.

The chain is cut after the last entry that may go: every entry up to it is older than the
retention period, the entry after it is not (entries are cut by position, never by time alone,
so the kept chain has no holes). The head then records where the kept chain starts (the last
removed seq and hash, its anchor), and an `audit.purge` entry records the same, in the chain."""
from __future__ import annotations

import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from geoportal.audit.chain import _head_locked, chain_seal
from geoportal.audit.models import Entry
from geoportal.audit.recorder import audit_event

PURGE = "audit.purge"


def audit_purge(*, now: datetime.datetime | None = None) -> int:
    """Remove the entries past retention; returns how many were removed."""
    cutoff = (now or timezone.now()) - datetime.timedelta(days=settings.AUDIT_RETENTION_DAYS)
    chain_seal()
    with transaction.atomic():
        head = _head_locked()
        first_kept = (Entry.objects.filter(recorded_at__gte=cutoff, seq__isnull=False).order_by("seq")
                      .values_list("seq", flat=True).first())
        through = head.seq if first_kept is None else first_kept - 1
        last = Entry.objects.filter(seq__lte=through).order_by("-seq").first()
        if last is None:
            return 0
        removed, _ = Entry.objects.filter(seq__lte=last.seq).delete()
        head.anchor_seq, head.anchor_hash = last.seq, last.hash
        head.save(update_fields=["anchor_seq", "anchor_hash"])
        audit_event(action=PURGE, details={"removed": removed, "through_seq": last.seq, "through_hash": last.hash,
                                           "cutoff": cutoff.isoformat(),
                                           "retention_days": settings.AUDIT_RETENTION_DAYS})
    return removed
