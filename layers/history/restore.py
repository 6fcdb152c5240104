"""Undo: bring back an earlier version of a feature as its next version.

Deleted features come back through layers.services.feature_undelete."""
from __future__ import annotations

from layers.history.models import FeatureVersion
from layers.models import Feature
from layers.services import feature_update


def feature_restore_version(
    *, feature: Feature, version: int, base_version: int, user=None, channel: str = "browser"
) -> Feature:
    """Write version `version`'s geometry and properties as the feature's next version.

    Goes through feature_update, so validation and the stale-base check apply as to any edit."""
    try:
        old = FeatureVersion.objects.get(feature_id=feature.pk, layer_id=feature.layer_id, version=version)
    except FeatureVersion.DoesNotExist as exc:
        raise LookupError(f"Feature {feature.pk} has no version {version}.") from exc
    if old.deleted:
        raise LookupError(f"Version {version} records a deletion; restore the version before it.")
    return feature_update(
        feature=feature, base_version=base_version, geometry=old.geom, properties=old.properties,
        user=user, channel=channel, history_action=FeatureVersion.Action.RESTORE,
    )

