"""Recording feature versions: by layers/services.py and the importer's set-wise write
(layers/io/write.py) inside the write's transaction, and for a large import's created features
by a job of their own once it has committed (`record_import_creations`)."""
from __future__ import annotations

import datetime

from django.db import connection, transaction

from layers.history.models import FeatureVersion
from layers.models import Feature


def _user_or_none(user):
    return user if getattr(user, "pk", None) else None


def feature_version_ensure_baseline(*, feature: Feature) -> None:
    """Keep the state of a feature written before history existed (or by raw SQL) before changing it.

    One statement: copies the stored row unless the feature already has a version."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO history_featureversion
                (layer_id, feature_id, version, action, deleted, channel, user_id, recorded_at, geom, properties)
            SELECT f.layer_id, f.id, f.version, 'baseline', false, 'system', f.updated_by_id, f.updated_at,
                   f.geom, f.properties
            FROM layers_feature f
            WHERE f.id = %s AND NOT EXISTS (SELECT 1 FROM history_featureversion v WHERE v.feature_id = f.id)
            ON CONFLICT (feature_id, version) DO NOTHING
            """,
            [feature.pk],
        )


def feature_version_record(*, feature: Feature, action: str, channel: str, user=None) -> FeatureVersion:
    """Record the feature's current state as its version `feature.version`."""
    return FeatureVersion.objects.create(
        layer_id=feature.layer_id, feature_id=feature.pk, version=feature.version, action=action,
        channel=channel, user=_user_or_none(user), geom=feature.geom, properties=feature.properties,
    )


def feature_version_record_delete(*, feature: Feature, channel: str, user=None) -> FeatureVersion:
    """Record a deletion as one more version carrying the last state, so it can be restored."""
    return FeatureVersion.objects.create(
        layer_id=feature.layer_id, feature_id=feature.pk, version=feature.version + 1,
        action=FeatureVersion.Action.DELETE, deleted=True, channel=channel, user=_user_or_none(user),
        geom=feature.geom, properties=feature.properties,
    )


def feature_versions_record_bulk(*, feature_ids: list[int], channel: str, user=None, action: str = "create") -> None:
    """The current state of many features (version 1 of new ones, or the new version of updated
    ones with action "update"), copied in one statement."""
    if not feature_ids:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO history_featureversion
                (layer_id, feature_id, version, action, deleted, channel, user_id, recorded_at, geom, properties)
            SELECT f.layer_id, f.id, f.version, %s, false, %s, %s, clock_timestamp(), f.geom, f.properties
            FROM layers_feature f WHERE f.id = ANY(%s)
            """,
            [action, channel, getattr(_user_or_none(user), "pk", None), feature_ids],
        )


def feature_versions_ensure_baseline_bulk(*, layer_id: int, feature_ids: list[int] | None = None) -> None:
    """feature_version_ensure_baseline for many features of a layer (all, or `feature_ids`), in one statement."""
    only = "AND f.id = ANY(%s)" if feature_ids is not None else ""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO history_featureversion
                (layer_id, feature_id, version, action, deleted, channel, user_id, recorded_at, geom, properties)
            SELECT f.layer_id, f.id, f.version, 'baseline', false, 'system', f.updated_by_id, f.updated_at,
                   f.geom, f.properties
            FROM layers_feature f
            WHERE f.layer_id = %s {only} AND NOT EXISTS (
                SELECT 1 FROM history_featureversion v WHERE v.layer_id = f.layer_id AND v.feature_id = f.id)
            ON CONFLICT (feature_id, version) DO NOTHING
            """,
            [layer_id, *([feature_ids] if feature_ids is not None else [])],
        )


def feature_versions_record_bulk_delete(*, layer_id: int, channel: str, user=None) -> None:
    """feature_version_record_delete for every feature of a layer that is about to be deleted."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO history_featureversion
                (layer_id, feature_id, version, action, deleted, channel, user_id, recorded_at, geom, properties)
            SELECT f.layer_id, f.id, f.version + 1, 'delete', true, %s, %s, clock_timestamp(), f.geom, f.properties
            FROM layers_feature f WHERE f.layer_id = %s
            """,
            [channel, getattr(_user_or_none(user), "pk", None), layer_id],
        )


# The version 1 of each feature an import created at `created_at` (its one timestamp), if it has
# none yet; ids above `after_id` (the highest before the import's insert) bound the scan to the
# rows written since, through the primary key, however large the layer. Recorded at the feature's
# own creation time, so "as of" reads are unchanged. A feature edited or deleted meanwhile has a
# baseline already; a baseline written at the same moment as this row waits for it and gives way
# (ON CONFLICT on both sides), so neither write fails.
_RECORD_CREATED = """
INSERT INTO history_featureversion
    (layer_id, feature_id, version, action, deleted, channel, user_id, recorded_at, geom, properties)
SELECT f.layer_id, f.id, 1, 'create', false, 'import', f.created_by_id, f.created_at, f.geom, f.properties
FROM layers_feature f
WHERE f.id > %s AND f.layer_id = %s AND f.created_at = %s AND f.version = 1
  AND NOT EXISTS (SELECT 1 FROM history_featureversion v WHERE v.layer_id = f.layer_id AND v.feature_id = f.id)
ON CONFLICT (feature_id, version) DO NOTHING
"""


def feature_versions_record_created(*, layer_id: int, created_at: datetime.datetime, after_id: int = 0) -> int:
    """Record the creation of the features an import wrote at `created_at`, with ids above
    `after_id` (set-wise); the rows added.

    These versions are what the change feed (layers/changes) hands out as the import's inserts."""
    with connection.cursor() as cursor:
        cursor.execute(_RECORD_CREATED, [after_id, layer_id, created_at])
        return cursor.rowcount


def record_import_creations(job_arg: str) -> int:
    """The job a large import queues when it commits: `feature_versions_record_created` for
    "<layer id>@<ISO creation time>@<after id>", in a transaction of its own. Its features reach
    the change feed when it commits (with this transaction's id), after they are on the map."""
    layer_id, created_at, after_id = job_arg.split("@")
    with transaction.atomic():
        return feature_versions_record_created(layer_id=int(layer_id), after_id=int(after_id),
                                               created_at=datetime.datetime.fromisoformat(created_at))
