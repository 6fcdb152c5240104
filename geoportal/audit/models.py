"""The audit trail: one row per security-relevant event, each carrying (once sealed) a hash chained
to the one before it (geoportal/audit/chain.py), so that an edited, inserted or deleted row is found by
`manage.py audit_verify`.

Nothing here is a foreign key: an entry must read (and hash) the same after the user or layer it
names is gone, so it keeps their id and name as written."""
from django.db import models
from django.db.models import Q


class Entry(models.Model):
    class Result(models.TextChoices):
        OK = "ok", "ok"
        REFUSED = "refused", "refused"
        FAILED = "failed", "failed"

    seq = models.BigIntegerField(unique=True, null=True, blank=True,
                                 help_text="Position in the chain, from 1, without gaps; empty until sealed.")
    recorded_at = models.DateTimeField(db_index=True)
    user_id = models.IntegerField(null=True, blank=True)
    username = models.CharField(max_length=150, blank=True, help_text="Or token:NAME, or console.")
    action = models.CharField(max_length=40)
    result = models.CharField(max_length=8, choices=Result.choices, default=Result.OK)
    layer_slug = models.CharField(max_length=64, blank=True)
    target = models.CharField(max_length=150, blank=True, help_text="Whom or what the event is about.")
    ip = models.CharField(max_length=45, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    details = models.JSONField(default=dict, blank=True)
    algorithm = models.CharField(max_length=8, blank=True)
    prev_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-seq"]
        verbose_name_plural = "entries"
        indexes = [
            models.Index(fields=["username", "recorded_at"], name="audit_entry_user_time"),
            models.Index(fields=["layer_slug", "recorded_at"], name="audit_entry_layer_time"),
            models.Index(fields=["action", "recorded_at"], name="audit_entry_action_time"),
            models.Index(fields=["id"], condition=Q(seq__isnull=True), name="audit_entry_unsealed"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.result}"


class ChainHead(models.Model):
    """The one row every writer locks (SELECT ... FOR UPDATE) to append: it orders the chain under
    concurrent writers. `anchor_*` is where the kept chain starts after a purge."""

    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64)
    anchor_seq = models.BigIntegerField(default=0)
    anchor_hash = models.CharField(max_length=64)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(id=1), name="audit_chainhead_single_row")]

    def __str__(self) -> str:
        return f"head #{self.seq}"
