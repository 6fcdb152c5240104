"""Webhook subscriptions, their delivery log, and the annotation events they may follow.

A subscription is a position in a feed (`cursor`): a delivery posts the changes after it and
moves it on only when the receiver answers 2xx, so nothing is lost while a receiver is down and
moving the cursor back redelivers."""
from django.conf import settings
from django.db import models

from annotations.models import Transition
from layers.api.models import ApiToken
from layers.models import Layer


class Subscription(models.Model):
    class Kind(models.TextChoices):
        LAYER = "layer", "A layer's feature changes"
        ANNOTATIONS = "annotations", "Annotation state changes"

    kind = models.CharField(max_length=12, choices=Kind.choices)
    layer = models.ForeignKey(Layer, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    url = models.URLField(max_length=500, help_text="The receiver; must match WEBHOOK_ALLOWED_URLS.")
    secret = models.CharField(max_length=64, editable=False, help_text="Signs every payload (HMAC-SHA256).")
    # Whose rights the deliveries have: the token's when created with one, else the owner's.
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE,
                              related_name="+")
    token = models.ForeignKey(ApiToken, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    cursor = models.CharField(max_length=80, blank=True, help_text="Delivered up to here (empty: from the start).")
    active = models.BooleanField(default=True)
    disabled_reason = models.CharField(max_length=300, blank=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True, help_text="Not before this (backing off).")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(kind="layer", layer__isnull=False)
                           | models.Q(kind="annotations", layer__isnull=True)),
                name="subscription_layer_iff_layer_kind",
            ),
            models.CheckConstraint(condition=models.Q(owner__isnull=False) | models.Q(token__isnull=False),
                                   name="subscription_has_owner_or_token"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.layer_id or ''} -> {self.url}"


class Delivery(models.Model):
    """One POST to a receiver, or one attempt refused before sending (status_code null)."""

    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="deliveries")
    attempted_at = models.DateTimeField(auto_now_add=True)
    since = models.CharField(max_length=80, blank=True)
    until = models.CharField(max_length=80, blank=True)
    events = models.PositiveIntegerField(default=0)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    duration_ms = models.FloatField(default=0)
    succeeded = models.BooleanField(default=False)
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["subscription", "-id"], name="delivery_subscription_recent")]

    def __str__(self) -> str:
        return f"{self.subscription_id}: {self.status_code or self.error}"


class AnnotationEvent(models.Model):
    """One row per annotation transition, written by a trigger in the transition's own transaction
    (migration 0001) with its transaction id in `xid`, so that annotation events are read
    gap-free exactly as feature versions are (layers/changes/feed.py)."""

    transition = models.OneToOneField(Transition, on_delete=models.CASCADE, related_name="+")

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"transition {self.transition_id}"
