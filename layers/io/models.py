"""Import jobs: one row per upload, its progress while it runs and its report when done."""
from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models


class ImportJob(models.Model):
    class State(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    class Mode(models.TextChoices):
        NEW = "new", "New layer"
        APPEND = "append", "Append"
        REPLACE = "replace", "Replace all"
        UPSERT = "upsert", "Upsert by key"

    FINISHED = (State.SUCCEEDED, State.FAILED, State.CANCELLED)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    phase = models.CharField(max_length=40, blank=True)
    rows_done = models.PositiveIntegerField(default=0)
    rows_total = models.PositiveIntegerField(null=True, blank=True)
    fraction = models.FloatField(default=0, help_text="Share of the job's work done, 0–1 (phases weighted by "
                                                      "their measured cost); the API's percent and time left.")
    mode = models.CharField(max_length=8, choices=Mode.choices)
    dry_run = models.BooleanField(default=False)
    params = models.JSONField(default=dict, blank=True, help_text="The request's options (crs, key, mapping …).")
    source_name = models.CharField(max_length=255)
    source_format = models.CharField(max_length=20)
    source_info = models.JSONField(default=dict, blank=True, help_text="What inspecting the file found.")
    work_dir = models.CharField(max_length=500, blank=True)
    target_layer = models.ForeignKey("layers.Layer", null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+", help_text="The existing layer to load into.")
    layer = models.ForeignKey("layers.Layer", null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+", help_text="The layer the import wrote.")
    report = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    cancel_requested = models.BooleanField(default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE,
                                   related_name="+", help_text="The person who imported (none for an API token).")
    token_id = models.BigIntegerField(null=True, blank=True, help_text="The API token that imported, if any.")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["state", "created_at"], name="importjob_state_created")]

    def __str__(self) -> str:
        return f"{self.source_name} ({self.state})"

    @property
    def finished(self) -> bool:
        return self.state in self.FINISHED


def owner_fields(principal) -> dict:
    """The ImportJob fields naming who asks: a person, or an API token (a system)."""
    token_id = getattr(principal, "token_id", None)
    if token_id is not None:
        return {"created_by": None, "token_id": token_id}
    return {"created_by": principal, "token_id": None}
