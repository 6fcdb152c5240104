"""When deliveries run: right after an edit or a transition commits (on the job queue), and on
the periodic sweep (PERIODIC_TASKS) for retries that are due and for changes a long transaction
held back when their edit committed."""
from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils import timezone

from annotations.models import Transition
from layers.changes.delivery import webhook_deliver
from layers.changes.models import Subscription
from layers.io.queue import import_queue
from layers.signals import features_changed

JOB_TIMEOUT = 600


def webhooks_enqueue(subscription_ids: list[int]) -> None:
    """Queue a delivery job per subscription; with IMPORT_JOBS_SYNC (the tests) deliver here."""
    for subscription_id in subscription_ids:
        if settings.IMPORT_JOBS_SYNC:
            webhook_deliver(subscription_id)
        else:
            import_queue().enqueue("layers.changes.delivery.webhook_deliver", subscription_id,
                                   job_timeout=JOB_TIMEOUT, result_ttl=60, failure_ttl=86400)


def _due() -> Q:
    return Q(active=True) & (Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=timezone.now()))


@receiver(features_changed, dispatch_uid="changes.webhooks")
def _layer_changed(sender, layer_id: int, **kwargs) -> None:
    """Sent after the edit's commit (layers.services), so the delivery never runs inside it."""
    webhooks_enqueue(list(Subscription.objects.filter(_due(), kind=Subscription.Kind.LAYER, layer_id=layer_id)
                          .values_list("pk", flat=True)))


@receiver(post_save, sender=Transition, dispatch_uid="changes.annotation_webhooks")
def _transition_recorded(sender, instance: Transition, created: bool, **kwargs) -> None:
    if created:
        transaction.on_commit(lambda: webhooks_enqueue(list(
            Subscription.objects.filter(_due(), kind=Subscription.Kind.ANNOTATIONS).values_list("pk", flat=True))))


def webhooks_sweep() -> int:
    """Deliver for every subscription that is due (the periodic task); returns how many were queued.

    A subscription with nothing pending costs one indexed read in its job, so all due ones are
    queued rather than judged here."""
    ids = list(Subscription.objects.filter(_due()).values_list("pk", flat=True))
    webhooks_enqueue(ids)
    return len(ids)
