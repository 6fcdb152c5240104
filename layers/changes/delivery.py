"""Delivering a subscription's pending changes: the job the worker runs after an edit commits.

One delivery posts one page of the feed after the subscription's cursor and moves the cursor
only on a 2xx answer. Failures back off exponentially (WEBHOOK_RETRY_BASE · 2ⁿ⁻¹ seconds, at
most WEBHOOK_RETRY_MAX) and, after WEBHOOK_MAX_FAILURES in a row, disable the subscription and
tell its owner. A session-level advisory lock keeps two workers off one subscription without
holding a transaction (and so a transaction id, which would hold the feed back) during the POST.
"""
from __future__ import annotations

import datetime
import http.client
import json
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mail
from django.db import connection
from django.utils import timezone

from layers.api.tokens import TokenError, stored_token_principal
from layers.changes.annotation_events import annotation_events_read
from layers.changes.feed import Cursor
from layers.changes.models import Delivery, Subscription
from layers.changes.receivers import ReceiverRefused, receiver_check, receiver_post
from layers.changes.selectors import layer_changes, parse_since
from layers.changes.signing import SIGNATURE_HEADER, signature_header
from layers.permissions import visible_layer_or_none

logger = logging.getLogger(__name__)
_LOCK_CLASS = 8713  # advisory lock namespace of webhook subscriptions
MAX_PAGES_PER_RUN = 20


class OwnerLostAccess(Exception):
    """The subscription's owner (or token) may no longer read what it follows."""


@dataclass(frozen=True)
class Batch:
    event: str
    since: Cursor
    next: Cursor
    more: bool
    items: list[dict]
    extra: dict


@contextmanager
def _exclusive(subscription_id: int) -> Iterator[bool]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [_LOCK_CLASS, subscription_id])
        got = cursor.fetchone()[0]
    try:
        yield got
    finally:
        if got:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [_LOCK_CLASS, subscription_id])


def subscription_principal(subscription: Subscription):
    """Whose rights the deliveries have; OwnerLostAccess when that is no one any more."""
    if subscription.token_id is not None:
        try:
            return stored_token_principal(token_id=subscription.token_id)
        except TokenError as exc:
            raise OwnerLostAccess(str(exc)) from exc
    owner = subscription.owner
    if owner is None or not owner.is_active:
        raise OwnerLostAccess("The owner's account is no longer active.")
    return owner


def pending_batch(subscription: Subscription) -> Batch:
    """The next page after the subscription's cursor, read with its owner's rights."""
    principal = subscription_principal(subscription)
    since = parse_since(subscription.cursor)
    if subscription.kind == Subscription.Kind.ANNOTATIONS:
        page = annotation_events_read(user=principal, since=since, limit=settings.WEBHOOK_BATCH)
        return Batch("annotation.events", since, page.next, page.more, page.events, {})
    layer = visible_layer_or_none(principal, subscription.layer.slug, scoped=True)  # the feed applies the scope
    if layer is None:
        raise OwnerLostAccess(f"The owner may no longer see the layer {subscription.layer.slug}.")
    changes = layer_changes(principal=principal, layer=layer, since=since, limit=settings.WEBHOOK_BATCH)
    return Batch("layer.changes", since, changes.next, changes.more,
                 [change.document() for change in changes.changes], {"layer": layer.slug})


def _payload(subscription: Subscription, delivery: Delivery, batch: Batch) -> bytes:
    key = "events" if batch.event == "annotation.events" else "changes"
    document = {"delivery": delivery.pk, "subscription": subscription.pk, "type": batch.event, **batch.extra,
                key: batch.items, "since": batch.since.encode(), "next": batch.next.encode(), "more": batch.more}
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()


def _disable(subscription: Subscription, reason: str) -> None:
    subscription.active = False
    subscription.disabled_reason = reason[:300]
    subscription.save(update_fields=["active", "disabled_reason", "consecutive_failures", "next_attempt_at"])
    recipient = subscription.owner if subscription.owner_id else subscription.token.issued_by
    address = getattr(recipient, "email", "")
    if address:
        send_mail("Geoportal: webhook disabled",
                  f"The webhook {subscription.pk} to {subscription.url} was disabled: {reason}\n"
                  "Fix the receiver, then re-enable it (its undelivered changes are kept).", None, [address])
    logger.warning("webhook %s disabled: %s", subscription.pk, reason)


def _failed(subscription: Subscription, error: str) -> None:
    subscription.consecutive_failures += 1
    delay = min(settings.WEBHOOK_RETRY_BASE * 2 ** (subscription.consecutive_failures - 1), settings.WEBHOOK_RETRY_MAX)
    subscription.next_attempt_at = timezone.now() + datetime.timedelta(seconds=delay)
    if subscription.consecutive_failures >= settings.WEBHOOK_MAX_FAILURES:
        _disable(subscription, f"{subscription.consecutive_failures} deliveries in a row failed; last: {error}")
        return
    subscription.save(update_fields=["consecutive_failures", "next_attempt_at"])


def _deliver_once(subscription: Subscription) -> bool:
    """Post one batch; whether there may be more to send right away."""
    try:
        batch = pending_batch(subscription)
    except OwnerLostAccess as exc:
        _disable(subscription, str(exc))
        return False
    if batch.next == batch.since:
        return False
    if not batch.items:  # only changes the owner may not see: move on without posting
        subscription.cursor = batch.next.encode()
        subscription.save(update_fields=["cursor"])
        return batch.more
    delivery = Delivery.objects.create(subscription=subscription, since=batch.since.encode(),
                                       until=batch.next.encode(), events=len(batch.items))
    body = _payload(subscription, delivery, batch)
    headers = {"Content-Type": "application/json", "User-Agent": "Geoportal-Webhooks/1",
               "Geoportal-Event": batch.event, "Geoportal-Delivery": str(delivery.pk),
               SIGNATURE_HEADER: signature_header(secret=subscription.secret, body=body, timestamp=int(time.time()))}
    try:
        result = receiver_post(target=receiver_check(subscription.url), body=body, headers=headers,
                               timeout=settings.WEBHOOK_TIMEOUT)
    except (ReceiverRefused, OSError, http.client.HTTPException) as exc:
        delivery.error = (str(exc) or type(exc).__name__)[:300]
        delivery.save(update_fields=["error"])
        _failed(subscription, delivery.error)
        return False
    delivery.status_code, delivery.duration_ms = result.status, result.duration_ms
    delivery.succeeded = 200 <= result.status < 300
    delivery.save(update_fields=["status_code", "duration_ms", "succeeded"])
    if not delivery.succeeded:
        _failed(subscription, f"HTTP {result.status}")
        return False
    subscription.cursor = batch.next.encode()
    subscription.consecutive_failures = 0
    subscription.next_attempt_at = None
    subscription.save(update_fields=["cursor", "consecutive_failures", "next_attempt_at"])
    return batch.more


def webhook_deliver(subscription_id: int) -> None:
    """Deliver what is pending for one subscription (the worker's job; also run by the sweep)."""
    with _exclusive(subscription_id) as got:
        if not got:
            return  # another worker is delivering it, and will find these changes too
        for _ in range(MAX_PAGES_PER_RUN):
            subscription = Subscription.objects.select_related("layer", "owner", "token__issued_by").filter(
                pk=subscription_id).first()
            if subscription is None or not subscription.active:
                return
            if subscription.next_attempt_at is not None and subscription.next_attempt_at > timezone.now():
                return
            if not _deliver_once(subscription):
                return
