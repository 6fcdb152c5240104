"""Print jobs: one row per requested printed map, its progress while it renders and its file when done."""
from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models


class PrintJob(models.Model):
    class State(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    FINISHED = (State.SUCCEEDED, State.FAILED)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    phase = models.CharField(max_length=40, blank=True)
    fraction = models.FloatField(default=0, help_text="Share of the job's work done, 0–1.")
    params = models.JSONField(default=dict, help_text="The validated request: paper, format, dpi, layers, extent …")
    result = models.CharField(max_length=300, blank=True, help_text="The file, relative to MEDIA_ROOT.")
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE,
                                   related_name="+", help_text="The person who asked (none for a token or visitor).")
    token_id = models.BigIntegerField(null=True, blank=True, help_text="The API token that asked, if any.")
    session_key = models.CharField(max_length=40, blank=True, help_text="The anonymous visitor's session.")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["created_at"], name="printjob_created")]

    def __str__(self) -> str:
        return f"print {self.pk} ({self.state})"

    @property
    def finished(self) -> bool:
        return self.state in self.FINISHED
