"""Version rows for features and an audit log for everything else a manager changes.

A FeatureVersion holds the full state of a feature after one write (for a delete: the state it
had when deleted, with `deleted` set). The state before a write is the previous version, so
"before and after" and "as of" are both plain lookups in this table. `feature_id` is not a
foreign key: versions outlive the feature they describe."""
from django.conf import settings
from django.contrib.gis.db import models
from django.contrib.postgres.indexes import GistIndex
from django.utils import timezone

from layers.models import Layer


class FeatureVersion(models.Model):
    class Action(models.TextChoices):
        BASELINE = "baseline", "State before history was kept"
        CREATE = "create", "Created"
        UPDATE = "update", "Updated"
        DELETE = "delete", "Deleted"
        RESTORE = "restore", "Restored"

    layer = models.ForeignKey(Layer, on_delete=models.CASCADE, related_name="+")
    feature_id = models.BigIntegerField()
    version = models.PositiveIntegerField()
    action = models.CharField(max_length=10, choices=Action.choices)
    deleted = models.BooleanField(default=False)
    channel = models.CharField(max_length=12)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)
    # Indexed with the layer (below), as layers_feature is: every spatial read of versions is per layer.
    geom = models.GeometryField(srid=4326, spatial_index=False)
    properties = models.JSONField(default=dict)

    class Meta:
        ordering = ["feature_id", "version"]
        constraints = [
            models.UniqueConstraint(fields=["feature_id", "version"], name="featureversion_unique_version"),
        ]
        indexes = [
            # "As of" and the layer's change log read a layer's versions by time.
            models.Index(fields=["layer", "recorded_at"], name="featureversion_layer_time"),
            models.Index(fields=["layer", "feature_id", "version"], name="featureversion_layer_feature"),
            # "As of" over a bbox picks the versions in the box first (layers.history.selectors); needs btree_gist.
            GistIndex(fields=["layer", "geom"], name="featureversion_layer_geom_gist"),
        ]

    def __str__(self) -> str:
        return f"{self.feature_id}@{self.version}"


class AuditLog(models.Model):
    """Who changed a layer's metadata, schema, style or permissions (or a department's editors), or
    imported features into it, and what."""

    class Action(models.TextChoices):
        LAYER_CREATE = "layer.create", "Layer created"
        LAYER_UPDATE = "layer.update", "Layer metadata changed"
        SCHEMA_UPDATE = "schema.update", "Schema changed"
        STYLE_UPDATE = "style.update", "Style changed"
        GRANT = "grant.set", "Permission granted"
        REVOKE = "grant.revoke", "Permission revoked"
        MEMBER_ROLE = "member.role", "Department member's role changed"
        IMPORT = "layer.import", "Features imported"
        EXPORT = "layer.export", "Layer exported"
        SHARE_REQUEST = "share.request", "Share requested"
        SHARE_APPROVE = "share.approve", "Share request approved"
        SHARE_REFUSE = "share.refuse", "Share request refused"
        SHARE_WITHDRAW = "share.withdraw", "Share request withdrawn"
        SHARE_REVOKE = "share.revoke", "Share revoked"
        SHARE_EXPIRE = "share.expire", "Share expired"

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    action = models.CharField(max_length=16, choices=Action.choices)
    layer = models.ForeignKey(Layer, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    layer_slug = models.CharField(max_length=64, blank=True, help_text="Kept when the layer is gone.")
    target = models.CharField(max_length=150, blank=True, help_text="The person a membership change is about.")
    changes = models.JSONField(default=dict, help_text="Field name -> [before, after].")
    recorded_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-recorded_at", "-id"]
        indexes = [models.Index(fields=["layer_slug", "recorded_at"], name="auditlog_layer_time")]

    def __str__(self) -> str:
        return f"{self.action} {self.layer_slug}"
