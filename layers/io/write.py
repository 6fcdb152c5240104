"""The atomic write of checked staging rows into a layer: append, replace or upsert by key."""
from __future__ import annotations

import uuid
from collections.abc import Callable

from django.conf import settings
from django.db import connection, transaction
from psycopg import sql

from layers.history.recording import (
    feature_versions_ensure_baseline_bulk,
    feature_versions_record_bulk,
    feature_versions_record_bulk_delete,
    feature_versions_record_created,
)
from layers.io.errors import RowsRejected
from layers.io.load import REPORT_ROW_LIMIT, properties_sql
from layers.io.queue import enqueue
from layers.models import Feature, Layer
from layers.search.indexing import index_columns, index_written
from layers.services import layer_refresh_stats
from layers.signals import features_changed


def _name_sql(layer: Layer, mapping: dict[str, str]) -> sql.Composable:
    column = mapping.get(layer.name_field) if layer.name_field else None
    if not column:
        return sql.SQL("''")
    return sql.SQL("left(coalesce(s.{}::text, ''), 255)").format(sql.Identifier(column))


def _check_keys(cursor, *, table: sql.Identifier, layer: Layer, key_value: sql.Composable, key: str) -> None:
    cursor.execute(sql.SQL("SELECT ogc_fid FROM {} s WHERE {} IS NULL ORDER BY ogc_fid").format(table, key_value))
    missing = cursor.fetchmany(REPORT_ROW_LIMIT)
    if missing:
        raise RowsRejected(f"{len(missing)} rows have no value in the key field {key!r}.",
                           rows=[{"row": fid, "reason": f"no {key}"} for (fid,) in missing])
    cursor.execute(sql.SQL("SELECT k, array_agg(ogc_fid ORDER BY ogc_fid) FROM (SELECT ogc_fid, {} AS k FROM {} s) d "
                           "GROUP BY k HAVING count(*) > 1 ORDER BY min(ogc_fid)").format(key_value, table))
    dupes = cursor.fetchmany(REPORT_ROW_LIMIT)
    if dupes:
        raise RowsRejected(f"{len(dupes)} key values appear more than once in the file.",
                           rows=[{"row": fid, "reason": f"{key} {k!r} repeats (rows {', '.join(map(str, fids))})"}
                                 for k, fids in dupes for fid in fids[1:]])
    cursor.execute("SELECT properties->>%s FROM layers_feature WHERE layer_id = %s GROUP BY 1 HAVING count(*) > 1 "
                   "LIMIT 20", [key, layer.pk])
    stored = [k for (k,) in cursor.fetchall()]
    if stored:
        raise RowsRejected(f"The layer already holds several features with the same {key}: "
                           f"{', '.join(map(str, stored))}; upsert needs a unique key.")


# Shares of the write's time at which its steps end, from a run of the job worker on the
# 300,000-polygon benchmark file into a new layer: the features' insert 30%; the search rows sent
# 55% (the server is still indexing what was sent, so their batches fill only part of the search
# index's share), indexed 85%, statistics 90%; the commit (deferred key checks) is the rest.
_INSERTED, _SENT, _INDEXED, _STATS = 0.3, 0.55, 0.85, 0.9


def write_features(*, table: str, layer: Layer, mode: str, key: str | None, schema: list[dict],
                   mapping: dict[str, str], user, lap: Callable[[str], None] = lambda phase: None,
                   progress: Callable[[float], None] = lambda share: None) -> dict:
    """Write every staged row into `layer` in the caller's transaction; return counts. `lap(phase)`
    is called as each phase ends (the job's timings), `progress(share)` with the share of the
    write done (0–1, by the steps' measured cost) as it goes.

    This set-wise write stands in for layers.services.features_bulk_create (which validates and
    inserts row by row), so it keeps the same promises: feature history is recorded with channel
    "import" (baselines, deletions and updates — set-wise, in this transaction), the search index
    follows (in this transaction; deleted rows leave it by cascade), the layer's statistics are
    refreshed, and features_changed is sent when the transaction commits.

    The search index follows in this transaction for writes of up to SEARCH_INDEX_SYNC_ROWS new
    features. Larger ones commit without their index rows, which the job worker adds once the
    features are committed (layers.search.indexing.index_missing): a large layer is on the map,
    in the APIs and editable about twice as soon, and found by search when that job is done
    (`counts["search"]` is "indexing"; layers.search.indexing.layer_index_is_current tells).

    Created features get their version 1 (action "create", recorded at their creation time) in
    this transaction when the search index follows here too; for a larger write a job adds them
    after the commit (layers.history.recording.record_import_creations), since copying every new
    row into history's eight indexes would double the write. Until then history reads such a
    feature as unchanged since its creation, and the change feed hands out its insert when that
    job commits."""
    ident = sql.Identifier(table)
    props = properties_sql(schema, mapping)
    staged = sql.SQL("SELECT s.ogc_fid, s.geom, {} AS props, {} AS name FROM {} s").format(
        props, _name_sql(layer, mapping), ident)
    user_id = getattr(user, "pk", None)
    counts = {"created": 0, "updated": 0, "deleted": 0}
    insert = sql.SQL(
        "INSERT INTO layers_feature (layer_id, geom, properties, name, version, created_by_id, updated_by_id, "
        "created_at, updated_at) SELECT %(layer)s, q.geom, q.props, q.name, 1, %(user)s, %(user)s, %(at)s, %(at)s "
        "FROM ({}) q {} ORDER BY q.ogc_fid {}")
    with transaction.atomic(), connection.cursor() as cursor:
        if mode == "replace":
            feature_versions_ensure_baseline_bulk(layer_id=layer.pk)
            feature_versions_record_bulk_delete(layer_id=layer.pk, channel="import", user=user)
            cursor.execute("DELETE FROM layers_feature WHERE layer_id = %s", [layer.pk])
            counts["deleted"] = cursor.rowcount
            lap("write_delete")
        where = sql.SQL("")
        if mode == "upsert":
            key_value = sql.SQL("({}) ->> {}").format(props, sql.Literal(key))
            _check_keys(cursor, table=ident, layer=layer, key_value=key_value, key=key)
            cursor.execute(sql.SQL(
                "SELECT f.id FROM layers_feature f JOIN ({}) q ON f.properties ->> %(key)s = q.props ->> %(key)s "
                "WHERE f.layer_id = %(layer)s").format(staged), {"layer": layer.pk, "key": key})
            matched = [r[0] for r in cursor.fetchall()]  # the features the update below rewrites
            feature_versions_ensure_baseline_bulk(layer_id=layer.pk, feature_ids=matched)
            cursor.execute("DELETE FROM search_searchentry WHERE feature_id = ANY(%s)", [matched])
            cursor.execute(sql.SQL(
                "UPDATE layers_feature f SET geom = q.geom, properties = q.props, name = q.name, "
                "version = f.version + 1, updated_by_id = %(user)s, updated_at = now() FROM ({}) q "
                "WHERE f.layer_id = %(layer)s AND f.properties ->> %(key)s = q.props ->> %(key)s "
                "RETURNING {}").format(staged, index_columns(layer, "f")),
                {"layer": layer.pk, "user": user_id, "key": key})
            counts["updated"] = cursor.rowcount
            index_written(layer=layer, cursor=cursor)
            feature_versions_record_bulk(feature_ids=matched, channel="import", user=user, action="update")
            lap("write_update")
            where = sql.SQL("WHERE NOT EXISTS (SELECT 1 FROM layers_feature f WHERE f.layer_id = %(layer)s "
                            "AND f.properties ->> %(key)s = q.props ->> %(key)s)")
        # Created after the deletions and updates recorded above, so that "as of" never shows old
        # and new rows of a replace together.
        cursor.execute(sql.SQL("SELECT clock_timestamp(), (SELECT count(*) FROM {}), "
                               "(SELECT coalesce(max(id), 0) FROM layers_feature)").format(ident))
        created_at, staged_rows, last_id = cursor.fetchone()
        index_later = staged_rows - counts["updated"] > settings.SEARCH_INDEX_SYNC_ROWS
        returning = sql.SQL("") if index_later else sql.SQL("RETURNING {}").format(index_columns(layer))
        cursor.execute(insert.format(staged, where, returning),
                       {"layer": layer.pk, "user": user_id, "key": key, "at": created_at})
        counts["created"] = created = cursor.rowcount
        lap("write_insert")
        progress(_INSERTED)
        if index_later:
            later = uuid.uuid4().hex[:12]
            enqueue("layers.search.indexing.index_missing", str(layer.pk), rq_id=f"search-index-{layer.pk}-{later}")
            enqueue("layers.history.recording.record_import_creations",
                    f"{layer.pk}@{created_at.isoformat()}@{last_id}", rq_id=f"history-created-{layer.pk}-{later}")
            counts["search"] = "indexing"
        else:  # deleted features leave the index by cascade
            index_written(layer=layer, cursor=cursor,
                          on_batch=lambda done: progress(_INSERTED + (_SENT - _INSERTED) * done / max(created, 1)))
            lap("write_search_index")
            feature_versions_record_created(layer_id=layer.pk, created_at=created_at, after_id=last_id)
            lap("write_history")
        progress(_INDEXED)
        layer_refresh_stats(layer=layer)
        lap("write_stats")
        progress(_STATS)
        layer_id = layer.pk
        transaction.on_commit(lambda: features_changed.send(sender=Feature, layer_id=layer_id, bboxes=None))
    return counts


def preview_geojson(*, table: str, limit: int = 50) -> dict:
    """The first staged rows with their source columns as GeoJSON (the map preview and mapping step)."""
    query = sql.SQL(
        "SELECT json_build_object('type', 'FeatureCollection', 'features', coalesce(json_agg(json_build_object("
        "'type', 'Feature', 'id', q.ogc_fid, 'geometry', ST_AsGeoJSON(q.geom, 7)::json, "
        "'properties', to_jsonb(q) - 'geom' - 'ogc_fid') ORDER BY q.ogc_fid), '[]'::json)) "
        "FROM (SELECT * FROM {} s ORDER BY s.ogc_fid LIMIT %s) q").format(sql.Identifier(table))
    with connection.cursor() as cursor:
        cursor.execute(query, [limit])
        return cursor.fetchone()[0]
