"""Reads of feature history: a feature's versions, a layer's change log, and a layer "as of" a moment.

All three are single SQL statements over history_featureversion; GeoJSON comes from PostGIS."""
from __future__ import annotations

import datetime

from django.db import connection
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from layers.models import Layer
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


def features_asof_relation(*, layer_id: int, asof: datetime.datetime, name_field: str = "") -> tuple[str, list]:
    """A derived table with layers_feature's columns (id, layer_id, geom, properties, name, version)
    holding the layer's features as they were at `asof`, for use as `FROM (<sql>) f`.

    Each feature's latest version recorded at or before `asof`, unless that version is a deletion.
    Features written without history (created by an import, or loaded by raw SQL) count as
    unchanged since their creation."""
    sql = """
        SELECT s.id, s.layer_id, s.geom, s.properties, coalesce(left(s.properties ->> %s, 255), '') AS name,
               s.version
        FROM (
            SELECT DISTINCT ON (v.feature_id) v.feature_id AS id, v.layer_id, v.geom, v.properties, v.version,
                   v.deleted
            FROM history_featureversion v
            WHERE v.layer_id = %s AND v.recorded_at <= %s
            ORDER BY v.feature_id, v.version DESC
        ) s
        WHERE NOT s.deleted
        UNION ALL
        SELECT f.id, f.layer_id, f.geom, f.properties, f.name, f.version
        FROM layers_feature f
        WHERE f.layer_id = %s::bigint AND f.created_at <= %s
          AND NOT EXISTS (SELECT 1 FROM history_featureversion w WHERE w.feature_id = f.id)
    """
    return sql, [name_field, layer_id, asof, layer_id, asof]


def feature_collection_asof_geojson(
    *,
    layer: Layer,
    asof: datetime.datetime,
    bbox: tuple[float, float, float, float] | None = None,
    limit: int = 5000,
    offset: int = 0,
    precision: int = 6,
) -> str:
    """The layer's features as they were at `asof`, as one GeoJSON FeatureCollection string.

    The item shape matches the map's feature list (layers/api/features.py)."""
    fields = [f.name for f in parse_schema(layer.schema)]
    relation, relation_params = features_asof_relation(layer_id=layer.pk, asof=asof, name_field=layer.name_field)
    bbox_sql = " WHERE s.geom && ST_MakeEnvelope(%s, %s, %s, %s, 4326)" if bbox is not None else ""
    sql = f"""
        SELECT json_build_object(
            'type', 'FeatureCollection',
            'asof', %s::timestamptz,
            'features', coalesce(json_agg(json_build_object(
                'type', 'Feature', 'id', q.id,
                'geometry', ST_AsGeoJSON(q.geom, %s)::json, 'properties', q.props
            ) ORDER BY q.id), '[]'::json)
        )::text
        FROM (
            SELECT s.id, s.geom,
                   (SELECT coalesce(jsonb_object_agg(k, val), '{{}}'::jsonb)
                      FROM jsonb_each(s.properties) AS e(k, val) WHERE k = ANY(%s))
                   || jsonb_build_object('_name', s.name, '_version', s.version) AS props
            FROM ({relation}) s {bbox_sql}
            ORDER BY s.id LIMIT %s OFFSET %s
        ) q
    """
    params = [asof, precision, fields, *relation_params, *(bbox or ()), limit, offset]
    return _fetch_json(sql, params)
