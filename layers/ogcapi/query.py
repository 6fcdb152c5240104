"""Every SQL statement of the OGC API and the REST feature lists.

Features are serialised by PostGIS (json_build_object + ST_AsGeoJSON, cast to text) and read
through a server-side cursor, so a page is streamed to the client as PostGIS wrote it; Python
only joins the texts. Filters arrive as (sql, params) fragments over the alias `f`; their SQL
is built from whitelisted schema fields, values always travel as parameters.
"""
from __future__ import annotations

import json
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import connection

from layers.history.selectors import features_asof_relation
from layers.ogcapi.crs import DEFAULT, CrsDef
from layers.schema import FieldDef

# Exact counts above this size are replaced by the planner's estimate when a filter is applied.
EXACT_COUNT_LIMIT = 50_000
FETCH_SIZE = 100  # features per chunk of a streamed page
MAX_BUILD_ARGS = 48
_CASTS = {"integer": "numeric", "decimal": "numeric", "boolean": "boolean", "date": "date"}


@dataclass(frozen=True)
class Fragment:
    sql: str
    params: tuple[Any, ...] = ()


LIVE_FEATURES = Fragment("layers_feature")


def features_asof(*, layer_id: int, asof, name_field: str = "") -> Fragment:
    """The layer's features as they were at `asof`, usable wherever the live table is."""
    sql, params = features_asof_relation(layer_id=layer_id, asof=asof, name_field=name_field)
    return Fragment(f"({sql})", tuple(params))


@dataclass(frozen=True)
class SortKey:
    field: FieldDef | None  # None: the feature id
    descending: bool = False


@dataclass
class ItemsQuery:
    layer_id: int
    fields: list[str]
    crs: CrsDef = DEFAULT
    limit: int = 100
    where: list[Fragment] = field(default_factory=list)
    after: int | None = None  # keyset: ids greater than this (next pages)
    before: int | None = None  # keyset: ids smaller than this (previous pages)
    sort: list[SortKey] = field(default_factory=list)  # non-id orders page by offset
    offset: int = 0
    extra_properties: bool = False  # the map's `_name` and `_version`
    # The relation read as `f`: the live table, or the layer as it was at a moment (layers.history).
    source: Fragment = field(default_factory=lambda: LIVE_FEATURES)


def property_expr(fdef: FieldDef) -> Fragment:
    """A typed SQL expression for a schema field; the name is a parameter, the cast a constant."""
    cast = _CASTS.get(fdef.type)
    if cast:
        return Fragment(f"(f.properties->>%s)::{cast}", (fdef.name,))
    return Fragment("(f.properties->>%s)", (fdef.name,))


def attribute_equals(fdef: FieldDef, cleaned_value: Any) -> Fragment:
    """`?field=value`: JSON equality, so numbers compare as numbers."""
    return Fragment("f.properties->%s = %s::jsonb", (fdef.name, json.dumps(cleaned_value)))


def bbox_intersects(bbox: tuple[float, float, float, float]) -> Fragment:
    """Bounding-box overlap with a west, south, east, north box in EPSG:4326 (the GiST index)."""
    return Fragment("f.geom && ST_MakeEnvelope(%s, %s, %s, %s, 4326)", tuple(bbox))


def within_distance(lon: float, lat: float, metres: float) -> Fragment:
    """Within `metres` of a point, on the spheroid (index-assisted by the bbox pre-filter)."""
    return Fragment(
        "f.geom && ST_Expand(ST_SetSRID(ST_MakePoint(%s, %s), 4326), %s) AND "
        "ST_DWithin(f.geom::geography, ST_SetSRID(ST_MakePoint(%s, %s), 4326)::geography, %s)",
        (lon, lat, metres / (111_320 * max(math.cos(math.radians(lat)), 0.01)) + 1e-6, lon, lat, metres),
    )


def geometry_expr(crs: CrsDef, column: str = "f.geom") -> Fragment:
    if crs.is_storage:
        return Fragment(column)
    expr = f"ST_Transform({column}, %s)"
    if crs.flip:
        expr = f"ST_FlipCoordinates({expr})"
    return Fragment(expr, (crs.srid,))


def _properties_json(q: ItemsQuery) -> Fragment:
    """The schema fields (absent ones as null); stray keys in stored JSON never leak."""
    extra = ", '_name', f.name, '_version', f.version" if q.extra_properties else ""
    if len(q.fields) > MAX_BUILD_ARGS:  # json_build_object takes at most 100 arguments
        sql = ("(SELECT coalesce(jsonb_object_agg(k, v), '{}'::jsonb) FROM jsonb_each(f.properties) AS e(k, v) "
               "WHERE k = ANY(%s))")
        if extra:
            sql += f" || jsonb_build_object({extra[2:]})"
        return Fragment(sql, (list(q.fields),))
    pairs = ", ".join("%s::text, f.properties->%s" for _ in q.fields)
    if not pairs:
        extra = extra[2:]
    return Fragment(f"json_build_object({pairs}{extra})", tuple(p for name in q.fields for p in (name, name)))


def _feature_json(q: ItemsQuery) -> Fragment:
    geom = geometry_expr(q.crs)
    props = _properties_json(q)
    sql = (
        "json_build_object('type', 'Feature', 'id', f.id, "
        f"'geometry', ST_AsGeoJSON({geom.sql}, %s, 0)::json, 'properties', {props.sql})::text"
    )
    return Fragment(sql, (*geom.params, q.crs.decimals, *props.params))


def _where(q: ItemsQuery, *, paging: bool) -> Fragment:
    parts = ["f.layer_id = %s::bigint"]
    params: list[Any] = [q.layer_id]
    for frag in q.where:
        parts.append(f"({frag.sql})")
        params += frag.params
    if paging and not q.sort:
        if q.after is not None:
            parts.append("f.id > %s")
            params.append(q.after)
        if q.before is not None:
            parts.append("f.id < %s")
            params.append(q.before)
    return Fragment(" AND ".join(parts), tuple(params))


def _order(q: ItemsQuery, *, reverse: bool = False) -> Fragment:
    parts, params = [], []
    for key in q.sort:
        if key.field is None:
            expr = Fragment("f.id")
        else:
            expr = property_expr(key.field)
        descending = key.descending != reverse
        parts.append(f"{expr.sql} {'DESC' if descending else 'ASC'} NULLS LAST")
        params += expr.params
    parts.append("f.id DESC" if reverse else "f.id")
    return Fragment(", ".join(parts), tuple(params))


def items_sql(q: ItemsQuery) -> Fragment:
    """The page, one row (id, GeoJSON text serialised by PostGIS) per feature in reading order,
    plus one look-ahead row beyond `limit` that tells whether another page lies in that direction.

    Reading order is the page's order, or its reverse when paging backwards (`before`). The plan
    has no blocking step (a keyset index scan under LIMIT), so rows leave PostgreSQL as they are
    serialised and a page can be streamed while the rest is still being written."""
    feature = _feature_json(q)
    where = _where(q, paging=True)
    backwards = q.before is not None and not q.sort
    order = _order(q, reverse=backwards)
    sql = (f"SELECT f.id, {feature.sql} FROM {q.source.sql} f WHERE {where.sql} "
           f"ORDER BY {order.sql} LIMIT %s")
    params: tuple = (*feature.params, *q.source.params, *where.params, *order.params, q.limit + 1)
    if q.sort and q.offset:
        sql += " OFFSET %s"
        params = (*params, q.offset)
    return Fragment(sql, params)


@dataclass(frozen=True)
class Chunk:
    text: str  # features joined by commas (without the look-ahead row)
    returned: int
    first_id: int | None
    last_id: int | None
    look_ahead: bool


def _chunk(rows: list[tuple[int, str]]) -> Chunk:
    return Chunk(",".join(doc for _, doc in rows), len(rows), rows[0][0], rows[-1][0], False)


def items_chunks(q: ItemsQuery) -> Iterator[Chunk]:
    """The page's features in output order, FETCH_SIZE at a time, as PostgreSQL sends them;
    a look-ahead row comes last as its own empty chunk.

    Forward pages are streamed (libpq's chunked rows mode); a backward page is read whole and
    reversed, so that it too comes out in id order."""
    stmt = items_sql(q)
    backwards = q.before is not None and not q.sort
    with connection.cursor() as cursor, connection.wrap_database_errors:
        rows = cursor.cursor.stream(stmt.sql, stmt.params, size=FETCH_SIZE)
        if backwards:
            page = list(rows)
            ahead = len(page) > q.limit
            page = page[:q.limit][::-1]
            for start in range(0, len(page), FETCH_SIZE):
                yield _chunk(page[start:start + FETCH_SIZE])
            if ahead:
                yield Chunk("", 0, None, None, True)
            return
        batch: list[tuple[int, str]] = []
        seen = 0
        for row in rows:
            seen += 1
            if seen > q.limit:
                if batch:
                    yield _chunk(batch)
                    batch = []
                yield Chunk("", 0, None, None, True)
                continue
            batch.append(row)
            if len(batch) == FETCH_SIZE:
                yield _chunk(batch)
                batch = []
        if batch:
            yield _chunk(batch)


def count_matched(q: ItemsQuery, *, cached_total: int) -> tuple[int, bool]:
    """(numberMatched, exact). Unfiltered: the layer's maintained count. Filtered over a large
    layer: the planner's row estimate, so that counting never costs more than the page."""
    if not q.where and q.source is LIVE_FEATURES:
        return cached_total, True
    where = _where(q, paging=False)
    sql = f"SELECT count(*) FROM {q.source.sql} f WHERE {where.sql}"
    params = (*q.source.params, *where.params)
    with connection.cursor() as cursor:
        if cached_total <= EXACT_COUNT_LIMIT:
            cursor.execute(sql, params)
            return cursor.fetchone()[0], True
        cursor.execute(f"EXPLAIN (FORMAT JSON) SELECT 1 FROM {q.source.sql} f WHERE {where.sql}", params)
        plan = cursor.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    return int(plan[0]["Plan"]["Plan Rows"]), False


def feature_json(*, layer_id: int, feature_id: int, fields: list[str], crs: CrsDef = DEFAULT,
                 source: Fragment = LIVE_FEATURES) -> tuple[str, int] | None:
    """One feature as GeoJSON text and its version, or None (`source`: live, or as of a moment)."""
    q = ItemsQuery(layer_id=layer_id, fields=fields, crs=crs)
    feature = _feature_json(q)
    sql = f"SELECT {feature.sql}, f.version FROM {source.sql} f WHERE f.layer_id = %s::bigint AND f.id = %s"
    with connection.cursor() as cursor:
        cursor.execute(sql, (*feature.params, *source.params, layer_id, feature_id))
        row = cursor.fetchone()
    return (row[0], row[1]) if row else None
