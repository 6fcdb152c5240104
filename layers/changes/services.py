"""Creating, changing and rewinding webhook subscriptions. Audited: a subscription sends data
out of the platform."""
from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet

from annotations.permissions import is_annotation_staff
from layers.changes.annotation_events import annotation_events_head
from layers.changes.feed import Cursor, changes_head
from layers.changes.models import Subscription
from layers.changes.receivers import ReceiverRefused, receiver_check
from layers.changes.signing import new_secret
from layers.history.audit import audit_record
from layers.permissions import TokenPrincipal, can_own_webhooks, visible_layer_or_none

AUDIT_CREATE = "webhook.create"
AUDIT_UPDATE = "webhook.update"
AUDIT_DELETE = "webhook.delete"


class SubscriptionError(ValueError):
    """The subscription cannot be made as asked; the message says why."""


def _owner_fields(principal) -> dict:
    if isinstance(principal, TokenPrincipal):
        return {"token_id": principal.token_id}
    return {"owner": principal}


def _target(principal) -> str:
    return f"token:{principal.name}" if isinstance(principal, TokenPrincipal) else ""


def subscriptions_for(*, principal) -> QuerySet[Subscription]:
    """The subscriptions a principal owns (a token's, or a manager's own)."""
    if not can_own_webhooks(principal):
        return Subscription.objects.none()
    return Subscription.objects.filter(**_owner_fields(principal)).select_related("layer")


def _check_receiver(url: str) -> None:
    try:
        receiver_check(url)
    except ReceiverRefused as exc:
        raise SubscriptionError(str(exc)) from exc


def subscription_create(*, principal, kind: str, url: str, layer_slug: str = "",
                        since: Cursor | None = None) -> Subscription:
    """Subscribe to a layer's changes or to annotation events, from `since` or else from now."""
    if not can_own_webhooks(principal):
        raise PermissionDenied("Only department managers and API tokens may subscribe to changes.")
    layer = None
    if kind == Subscription.Kind.LAYER:
        layer = visible_layer_or_none(principal, layer_slug, scoped=True)  # deliveries read the scoped feed
        if layer is None or layer.is_raster:
            raise SubscriptionError(f"There is no vector layer {layer_slug!r} you may view.")
    elif kind == Subscription.Kind.ANNOTATIONS:
        if not is_annotation_staff(principal):
            raise PermissionDenied("Annotation events go to the staff who handle annotations.")
    else:
        raise SubscriptionError("kind must be layer or annotations.")
    _check_receiver(url)
    with transaction.atomic():
        if since is None:
            since = changes_head(layer=layer) if layer is not None else annotation_events_head()
        subscription = Subscription.objects.create(kind=kind, layer=layer, url=url, secret=new_secret(),
                                                   cursor=since.encode(), **_owner_fields(principal))
        audit_record(actor=principal, action=AUDIT_CREATE, layer=layer, target=_target(principal),
                     changes={f"webhook:{subscription.pk}": [None, url]})
    return subscription


def subscription_update(*, subscription: Subscription, principal, url: str | None = None,
                        active: bool | None = None) -> Subscription:
    """Change the receiver, or switch deliveries off and on; switching on forgets past failures."""
    changes = {}
    with transaction.atomic():
        if url is not None and url != subscription.url:
            _check_receiver(url)
            changes["url"] = [subscription.url, url]
            subscription.url = url
        if active is not None and active != subscription.active:
            changes["active"] = [subscription.active, active]
            subscription.active = active
            if active:
                subscription.consecutive_failures = 0
                subscription.next_attempt_at = None
                subscription.disabled_reason = ""
        subscription.save()
        if changes:
            audit_record(actor=principal, action=AUDIT_UPDATE, layer=subscription.layer, target=_target(principal),
                         changes={f"webhook:{subscription.pk}:{k}": v for k, v in changes.items()})
    return subscription


def subscription_redeliver(*, subscription: Subscription, principal, since: Cursor) -> Subscription:
    """Deliver again everything after `since` (a cursor of an earlier delivery)."""
    with transaction.atomic():
        previous = subscription.cursor
        subscription.cursor = since.encode()
        subscription.next_attempt_at = None
        subscription.save(update_fields=["cursor", "next_attempt_at"])
        audit_record(actor=principal, action=AUDIT_UPDATE, layer=subscription.layer, target=_target(principal),
                     changes={f"webhook:{subscription.pk}:cursor": [previous, subscription.cursor]})
    return subscription


def subscription_delete(*, subscription: Subscription, principal) -> None:
    with transaction.atomic():
        audit_record(actor=principal, action=AUDIT_DELETE, layer=subscription.layer, target=_target(principal),
                     changes={f"webhook:{subscription.pk}": [subscription.url, None]})
        subscription.delete()
