"""Submitters' personal information (PIPL): erased PII_RETENTION_DAYS after their report is
closed (a periodic job), or at once when they ask through their follow-up link; every erasure
and every display to staff is in the audit trail. Encryption at rest is annotations/pii.py."""
from __future__ import annotations

import datetime

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from annotations.models import Annotation, State, Suggestion
from annotations.pii import EncryptedTextField, keyring, pii_decrypt, pii_encrypt
from annotations.services import token_matches
from geoportal.accounts.models import TOTPDevice
from geoportal.audit.recorder import audit_event

ROTATE_BATCH = 500
CLOSED_STATES = (State.RESOLVED, State.CLOSED, State.REJECTED)
_HAS_PII = ~Q(name="", contact="")


def pii_retention_erase(*, now: datetime.datetime | None = None) -> int:
    """Erase the names and contacts of reports closed more than PII_RETENTION_DAYS ago, and the
    contacts of suggestions decided that long ago. Periodic (PERIODIC_TASKS); returns the count."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(days=settings.PII_RETENTION_DAYS)
    with transaction.atomic():
        reports = (Annotation.objects.filter(_HAS_PII, state__in=CLOSED_STATES, pii_erased_at__isnull=True)
                   .annotate(closed_at=Coalesce("resolved_at", "updated_at")).filter(closed_at__lt=cutoff))
        numbers = list(reports.values_list("tracking_number", flat=True))
        # update() leaves updated_at alone: erasing is not a change of the report.
        Annotation.objects.filter(tracking_number__in=numbers).update(name="", contact="", pii_erased_at=now)
        suggestions = Suggestion.objects.exclude(contact="").exclude(status=Suggestion.Status.PENDING).filter(
            handled_at__lt=cutoff).update(contact="")
        if numbers or suggestions:
            audit_event(action="pii.erase", actor=None, details={
                "reason": "retention", "retention_days": settings.PII_RETENTION_DAYS, "reports": numbers[:1000],
                "report_count": len(numbers), "suggestion_count": suggestions})
    return len(numbers) + suggestions


def annotation_personal_data_erase(*, annotation: Annotation, token: str) -> Annotation:
    """The submitter's request, from their follow-up link: erase their name and contact now."""
    if not token_matches(annotation, token):
        raise PermissionError("This follow-up link is not valid.")
    with transaction.atomic():
        now = timezone.now()
        Annotation.objects.filter(pk=annotation.pk).update(name="", contact="", pii_erased_at=now)
        audit_event(action="pii.erase", actor=None, target=annotation.tracking_number,
                    details={"reason": "submitter's request"})
    annotation.name, annotation.contact, annotation.pii_erased_at = "", "", now
    return annotation


def personal_data_shown(*, user, annotation: Annotation) -> None:
    """A staff page showed a submitter's name or contact: recorded."""
    if annotation.name or annotation.contact:
        audit_event(action="pii.view", actor=user, target=annotation.tracking_number)


def _stale_ids(model, fields: tuple[str, ...], current: str) -> list[int]:
    """Rows with a value not under the current key and cipher (empty values are not encrypted)."""
    table = connection.ops.quote_name(model._meta.db_table)
    where = " OR ".join(f"({connection.ops.quote_name(f)} <> '' AND {connection.ops.quote_name(f)} NOT LIKE %s)"
                        for f in fields)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id FROM {table} WHERE {where} ORDER BY id", [current + "%"] * len(fields))
        return [row[0] for row in cursor.fetchall()]


def _re_encrypted(row, field: str) -> str:
    value = getattr(row, field)
    if isinstance(row._meta.get_field(field), EncryptedTextField):
        return value  # decrypted on reading (any listed key), encrypted again on writing (the current one)
    return pii_encrypt(pii_decrypt(value))  # a column that holds its ciphertext in memory too (TOTP keys)


def pii_rotate() -> dict[str, int]:
    """Re-encrypt under the current key and cipher every value encrypted with PII_KEYS: the
    submitters' names and contacts, and the staff's TOTP keys (geoportal.accounts.models)."""
    ring = keyring()
    current = f"pii1${ring.current}${settings.PII_CIPHER}$"
    counts = {}
    for model, fields in ((Annotation, ("name", "contact")), (Suggestion, ("contact",)), (TOTPDevice, ("key",))):
        ids = _stale_ids(model, fields, current)
        for start in range(0, len(ids), ROTATE_BATCH):
            with transaction.atomic():
                for row in model.objects.filter(pk__in=ids[start:start + ROTATE_BATCH]).only("pk", *fields):
                    # update() leaves updated_at alone.
                    model.objects.filter(pk=row.pk).update(**{f: _re_encrypted(row, f) for f in fields})
        counts[model._meta.label_lower] = len(ids)
    audit_event(action="pii.rotate", details={"key_version": ring.current, "cipher": settings.PII_CIPHER, **counts})
    return counts
