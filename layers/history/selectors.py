"""Reads of feature history: a feature's versions, a layer's change log, and a layer "as of" a moment.

All three are single SQL statements over history_featureversion; GeoJSON comes from PostGIS. "As of"
is a relation usable wherever the live features table is, so every feature list (REST, OGC API)
reads the past through the same statements as the present (layers/ogcapi/query.py)."""
from __future__ import annotations

import datetime
import json

from django.db import connection
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from layers.models import Layer
from layers.ogcapi import query
from layers.schema import parse_schema

_VERSION_JSON = """
    json_build_object(
        'feature_id', v.feature_id, 'version', v.version, 'action', v.action, 'deleted', v.deleted,
        'channel', v.channel, 'user', u.username, 'recorded_at', v.recorded_at,
        'geometry', ST_AsGeoJSON(v.geom, 6)::json, 'properties', v.properties
    )
"""


def _fetch_json(sql: str, params: list):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def feature_versions(*, layer: Layer, feature_id: int) -> list[dict]:
    """Every recorded version of one feature, newest first.

    A feature without versions (imported, or loaded by raw SQL, and not changed since) has one:
    its stored state as the baseline that its first change will record (who and when the row
    was last written, i.e. created)."""
    sql = f"""
        SELECT coalesce(
            (SELECT json_agg({_VERSION_JSON} ORDER BY v.version DESC)
             FROM history_featureversion v LEFT JOIN accounts_user u ON u.id = v.user_id
             WHERE v.layer_id = %s AND v.feature_id = %s),
            (SELECT json_build_array({_VERSION_JSON})
             FROM (SELECT f.id AS feature_id, f.version, 'baseline' AS action, false AS deleted,
                          'system' AS channel, f.updated_by_id AS user_id, f.updated_at AS recorded_at, f.geom,
                          f.properties
                   FROM layers_feature f WHERE f.layer_id = %s AND f.id = %s) v
             LEFT JOIN accounts_user u ON u.id = v.user_id),
            '[]'::json)
    """
    return _fetch_json(sql, [layer.pk, feature_id, layer.pk, feature_id])


def layer_changes(*, layer: Layer, deleted_only: bool = False, limit: int = 200) -> list[dict]:
    """The layer's change log, newest first; `deleted_only` lists features deleted and not restored."""
    where = "v.layer_id = %s"
    if deleted_only:
        where += """ AND v.deleted AND v.version = (
            SELECT max(w.version) FROM history_featureversion w WHERE w.feature_id = v.feature_id)"""
    sql = f"""
        SELECT coalesce(json_agg(q.j ORDER BY q.recorded_at DESC, q.id DESC), '[]'::json) FROM (
            SELECT {_VERSION_JSON} AS j, v.recorded_at, v.id
            FROM history_featureversion v LEFT JOIN accounts_user u ON u.id = v.user_id
            WHERE {where} ORDER BY v.recorded_at DESC, v.id DESC LIMIT %s
        ) q
    """
    return _fetch_json(sql, [layer.pk, limit])


def parse_asof(raw: str) -> datetime.datetime:
    """An `asof` query value (ISO 8601 date or date-time; without offset: the platform's time zone)."""
    text = raw.strip().replace(" ", "+") if raw else ""
    moment = parse_datetime(text)
    if moment is None and parse_date(text) is not None:
        # A bare date means the end of that day.
        moment = datetime.datetime.combine(parse_date(text), datetime.time.max)
    if moment is None:
        raise ValueError("asof must be an ISO 8601 date or date-time, e.g. 2025-06-01T12:00:00+08:00")
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def features_asof(*, layer_id: int, asof: datetime.datetime, name_field: str = "") -> query.Fragment:
    """The layer's features as they were at `asof`, as a relation with layers_feature's columns
    (id, layer_id, geom, properties, name, version) made of two parts, disjoint by id:

    1. features not written since `asof` (no version recorded after it), created by then: their
       stored row, which is the state their last write left (every write records that state as a
       version; features loaded by raw SQL, or by a large import whose history job has not run
       yet, have none and count as unchanged since their creation);
    2. features written since (changed, deleted, restored): each one's latest version recorded at
       or before `asof`, unless that version is a deletion.

    A condition on `f.geom` (a bbox) is pushed by PostgreSQL into both parts and applies before
    the latest version is chosen: the versions in the box are found through the (layer, geom)
    GiST index and only they are checked for a later one ("latest" is an anti-join, not a
    DISTINCT ON over the layer's versions). A feature's latest version lies in the box exactly
    when some version in the box has no later one. Part 2 holds only what changed since, so reads
    of a recent moment cost about what reads of the present do."""
    unchanged = query.Fragment("""(
        SELECT f.id, f.layer_id, f.geom, f.properties, f.name::text, f.version
        FROM layers_feature f
        WHERE f.layer_id = %s::bigint AND f.created_at <= %s
          AND NOT EXISTS (SELECT 1 FROM history_featureversion w
                          WHERE w.layer_id = f.layer_id AND w.feature_id = f.id AND w.recorded_at > %s))""",
                               (layer_id, asof, asof))
    changed = query.Fragment("""(
        SELECT v.feature_id AS id, v.layer_id, v.geom, v.properties,
               coalesce(left(v.properties ->> %s, 255), '') AS name, v.version
        FROM history_featureversion v
        WHERE v.layer_id = %s::bigint AND v.recorded_at <= %s AND NOT v.deleted
          AND NOT EXISTS (SELECT 1 FROM history_featureversion n
                          WHERE n.feature_id = v.feature_id AND n.version > v.version AND n.recorded_at <= %s)
          AND EXISTS (SELECT 1 FROM history_featureversion a
                      WHERE a.layer_id = v.layer_id AND a.feature_id = v.feature_id AND a.recorded_at > %s))""",
                             (name_field, layer_id, asof, asof, asof))
    return query.union_of([unchanged, changed])


def feature_collection_asof_geojson(
    *,
    layer: Layer,
    asof: datetime.datetime,
    bbox: tuple[float, float, float, float] | None = None,
    limit: int = 5000,
) -> str:
    """The layer's features as they were at `asof`, as one GeoJSON FeatureCollection string in id
    order, the items shaped as the map's feature list (layers/api/features.py) and read by the same
    statement, with the moment as `asof`."""
    q = query.ItemsQuery(layer_id=layer.pk, fields=[f.name for f in parse_schema(layer.schema)], limit=limit,
                         where=[query.bbox_intersects(bbox)] if bbox is not None else [], extra_properties=True,
                         source=features_asof(layer_id=layer.pk, asof=asof, name_field=layer.name_field))
    features = b",".join(chunk.text for chunk in query.items_chunks(q) if chunk.returned).decode()
    return f'{{"type":"FeatureCollection","asof":{json.dumps(asof.isoformat())},"features":[{features}]}}'
