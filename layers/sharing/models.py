"""Share requests (共享申请): a department's staff ask another department for a layer, for a purpose,
a subset of its fields, an area and a time; the owners' managers approve (possibly narrower) or
refuse. An approval is a scoped, expiring LayerGrant to the requesting department (layers/scope.py
applies its fields and area in every reader); the request keeps what was asked and what was given."""
from __future__ import annotations

from django.conf import settings
from django.contrib.gis.db import models
from django.contrib.postgres.fields import ArrayField
from django.db.models import Q

from geoportal.accounts.models import Department
from layers.models import Layer, LayerGrant


class ShareRequest(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", "待审批 / Pending"
        APPROVED = "approved", "已批准 / Approved"
        REFUSED = "refused", "已拒绝 / Refused"
        WITHDRAWN = "withdrawn", "已撤回 / Withdrawn"
        EXPIRED = "expired", "已到期 / Expired"
        REVOKED = "revoked", "已收回 / Revoked"
        SUPERSEDED = "superseded", "已被新申请取代 / Replaced by a later approval"

    OPEN_STATES = (State.PENDING, State.APPROVED)

    layer = models.ForeignKey(Layer, on_delete=models.CASCADE, related_name="share_requests")
    requester = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    requester_department = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="share_requests")
    purpose = models.TextField()
    # What was asked: the fields (None: all of them), the area (None: the whole layer) and its name
    # (a district's, or "drawn"), and for how many days.
    fields = ArrayField(models.CharField(max_length=63), null=True, blank=True)
    area = models.MultiPolygonField(srid=4326, null=True, blank=True)
    area_label = models.CharField(max_length=100, blank=True)
    duration_days = models.PositiveSmallIntegerField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    # The decision, and what was given (an approval may narrow fields, area and time).
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(blank=True)
    granted_fields = ArrayField(models.CharField(max_length=63), null=True, blank=True)
    granted_area = models.MultiPolygonField(srid=4326, null=True, blank=True)
    granted_area_label = models.CharField(max_length=100, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True, help_text="Withdrawn, expired, revoked or replaced.")
    grant = models.OneToOneField(LayerGrant, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="share_request")

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # One open request at a time per department and layer: a second is a renewal, asked
            # once the first is decided.
            models.UniqueConstraint(fields=["layer", "requester_department"], condition=Q(state="pending"),
                                    name="share_request_one_pending"),
            models.CheckConstraint(condition=Q(duration_days__gte=1), name="share_request_duration_positive"),
        ]
        indexes = [models.Index(fields=["state", "expires_at"], name="share_request_state_expiry")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.layer_id} → {self.requester_department_id} ({self.state})"

    @property
    def number(self) -> str:
        return f"GX{self.created_at:%Y%m%d}-{self.pk:05d}" if self.created_at and self.pk else ""
