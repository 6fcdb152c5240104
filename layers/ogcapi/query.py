"""Every SQL statement of the OGC API and the REST feature lists.

Features are serialised by PostGIS (json_build_object + ST_AsGeoJSON, cast to text) and read
through a server-side cursor, so a page is streamed to the client as PostGIS wrote it; Python
only joins the texts. Filters arrive as (sql, params) fragments over the alias `f`; their SQL
is built from whitelisted schema fields, values always travel as parameters.
"""
from __future__ import annotations

import json
import math
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from geoportal.db.rawtext import read_text_as_bytes
from geoportal.db.routing import read_connection
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
    # A relation made of disjoint parts (see union_of): each part, as a relation of its own.
    branches: tuple[Fragment, ...] = ()


LIVE_FEATURES = Fragment("layers_feature")


def union_of(branches: list[Fragment]) -> Fragment:
    """One relation, usable wherever the live table is, of `branches`: derived tables with
    layers_feature's columns and no id in common.

    PostgreSQL pushes a page's filters into the branches of a UNION ALL, but not its ORDER BY …
    LIMIT when they have WHERE clauses of their own: it would read every matching row of every
    branch and sort them. So a page (items_sql) reads the first rows of each branch by itself and
    merges those."""
    return Fragment("(" + " UNION ALL ".join(b.sql for b in branches) + ")",
                    tuple(p for b in branches for p in b.params), tuple(branches))


@dataclass(frozen=True)
class SortKey:
    field: FieldDef | None  # None: the feature id
    descending: bool = False


@dataclass(frozen=True)
class SortCursor:
    """A position in a sorted result: the sort keys' values (as text, None for null) and the id of
    the row it was taken from; `after` reads the rows that follow it, `before` those that precede."""

    direction: str  # "after" or "before"
    values: tuple[str | None, ...]
    feature_id: int


@dataclass
class ItemsQuery:
    layer_id: int
    fields: list[str]
    crs: CrsDef = DEFAULT
    limit: int = 100
    where: list[Fragment] = field(default_factory=list)
    after: int | None = None  # keyset: ids greater than this (next pages)
    before: int | None = None  # keyset: ids smaller than this (previous pages)
    sort: list[SortKey] = field(default_factory=list)
    cursor: SortCursor | None = None  # keyset position within a sorted result (next/prev pages)
    offset: int = 0  # rows of a sorted result to skip (a client's jump; links use cursors)
    extra_properties: bool = False  # the map's `_name` and `_version`
    name_shown: bool = True  # False: `_name` is null (a scoped viewer not shown the name field)
    # The relation read as `f`: the live table, or the layer as it was at a moment (layers.history).
    source: Fragment = field(default_factory=lambda: LIVE_FEATURES)

    @property
    def backwards(self) -> bool:
        """Whether the page is read in reverse order (a previous page), then emitted reversed."""
        if self.sort:
            return self.cursor is not None and self.cursor.direction == "before"
        return self.before is not None


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


def scope_area(scope) -> Fragment | None:
    """A scoped viewer's area (layers.scope.FeatureScope) as a condition on `f`; None: everywhere."""
    if scope.area is None:
        return None
    sql, sql_params = scope.area_sql("f.geom")
    return Fragment(sql, tuple(sql_params))


def geometry_expr(crs: CrsDef, column: str = "f.geom") -> Fragment:
    if crs.is_storage:
        return Fragment(column)
    expr = f"ST_Transform({column}, %s)"
    if crs.flip:
        expr = f"ST_FlipCoordinates({expr})"
    return Fragment(expr, (crs.srid,))


def _properties_json(q: ItemsQuery) -> Fragment:
    """The schema fields (absent ones as null); stray keys in stored JSON never leak."""
    name = "f.name" if q.name_shown else "NULL"
    extra = f", '_name', {name}, '_version', f.version" if q.extra_properties else ""
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
    if paging and q.sort and q.cursor is not None:
        keyset = _keyset(q.sort, q.cursor)
        parts.append(f"({keyset.sql})")
        params += keyset.params
    return Fragment(" AND ".join(parts), tuple(params))


def _sort_terms(sort: list[SortKey]) -> list[tuple[Fragment, bool, str]]:
    """(expression, descending, SQL type of a cursor value) per sort key, the id last."""
    terms = []
    for key in sort:
        if key.field is None:
            terms.append((Fragment("f.id"), key.descending, "bigint"))
        else:
            terms.append((property_expr(key.field), key.descending, _CASTS.get(key.field.type, "text")))
    terms.append((Fragment("f.id"), False, "bigint"))
    return terms


def _keyset(sort: list[SortKey], cursor: SortCursor) -> Fragment:
    """Rows after (or before) the cursor in the order `_order` gives, nulls last in every key:
    OR over keys i of (every earlier key equal AND key i beyond the cursor's value)."""
    values = (*cursor.values, str(cursor.feature_id))
    alternatives, params = [], []
    equal_sql, equal_params = [], []
    for (expr, descending, sql_type), value in zip(_sort_terms(sort), values, strict=True):
        if value is None:
            beyond = Fragment("false") if cursor.direction == "after" else Fragment(f"{expr.sql} IS NOT NULL",
                                                                                    expr.params)
            equal = Fragment(f"{expr.sql} IS NULL", expr.params)
        else:
            greater = (cursor.direction == "after") != descending
            beyond_sql = f"{expr.sql} {'>' if greater else '<'} %s::{sql_type}"
            if cursor.direction == "after":
                beyond_sql = f"({beyond_sql} OR {expr.sql} IS NULL)"
            beyond = Fragment(beyond_sql, (*expr.params, value, *(expr.params if cursor.direction == "after" else ())))
            equal = Fragment(f"{expr.sql} = %s::{sql_type}", (*expr.params, value))
        alternatives.append(" AND ".join([*equal_sql, beyond.sql]))
        params += [*equal_params, *beyond.params]
        equal_sql.append(equal.sql)
        equal_params += equal.params
    return Fragment(" OR ".join(f"({a})" for a in alternatives), tuple(params))


def _order(q: ItemsQuery, *, reverse: bool = False) -> Fragment:
    """The page's order (every key nulls last, the id breaking ties), or its exact reverse."""
    parts, params = [], []
    for key in q.sort:
        expr = Fragment("f.id") if key.field is None else property_expr(key.field)
        descending = key.descending != reverse
        parts.append(f"{expr.sql} {'DESC' if descending else 'ASC'} NULLS {'FIRST' if reverse else 'LAST'}")
        params += expr.params
    parts.append("f.id DESC" if reverse else "f.id")
    return Fragment(", ".join(parts), tuple(params))


def _sort_values(q: ItemsQuery) -> Fragment:
    """The sort keys' values of a row as a text array (for the cursors of the next/prev links)."""
    exprs = [expr for expr, _, _ in _sort_terms(q.sort)[:-1]]
    return Fragment(f"ARRAY[{', '.join(f'({e.sql})::text' for e in exprs)}]",
                    tuple(p for e in exprs for p in e.params))


def items_sql(q: ItemsQuery) -> Fragment:
    """The page, one row (id, GeoJSON text serialised by PostGIS) per feature in reading order,
    plus one look-ahead row beyond `limit` that tells whether another page lies in that direction.

    Reading order is the page's order, or its reverse when paging backwards (`before`). The plan
    has no blocking step (a keyset index scan under LIMIT), so rows leave PostgreSQL as they are
    serialised and a page can be streamed while the rest is still being written."""
    feature = _feature_json(q)
    where = _where(q, paging=True)
    order = _order(q, reverse=q.backwards)
    keys = _sort_values(q) if q.sort else Fragment("NULL::text[]")
    rows = Fragment(f"{q.source.sql} f WHERE {where.sql}", (*q.source.params, *where.params))
    if q.source.branches:
        # Each branch's first rows by themselves (its own index order and LIMIT), then the page of those.
        reach = q.limit + 1 + (q.offset if q.sort else 0)
        pages = [Fragment(f"(SELECT f.* FROM {b.sql} f WHERE {where.sql} ORDER BY {order.sql} LIMIT %s)",
                          (*b.params, *where.params, *order.params, reach)) for b in q.source.branches]
        rows = Fragment(f"({' UNION ALL '.join(p.sql for p in pages)}) f", tuple(x for p in pages for x in p.params))
    sql = f"SELECT f.id, {feature.sql}, {keys.sql} FROM {rows.sql} ORDER BY {order.sql} LIMIT %s"
    params: tuple = (*feature.params, *keys.params, *rows.params, *order.params, q.limit + 1)
    if q.sort and q.offset:
        sql += " OFFSET %s"
        params = (*params, q.offset)
    return Fragment(sql, params)


@dataclass(frozen=True)
class Chunk:
    text: bytes  # features joined by commas, UTF-8 (without the look-ahead row)
    returned: int
    first_id: int | None
    last_id: int | None
    look_ahead: bool
    first_keys: tuple | None = None  # the sort keys' values of the first and last rows (sorted pages)
    last_keys: tuple | None = None


def _keys(values: list[bytes | None] | None) -> tuple | None:
    return None if values is None else tuple(None if v is None else v.decode() for v in values)


def _chunk(rows: list[tuple[int, bytes, list | None]]) -> Chunk:
    first, last = rows[0], rows[-1]
    return Chunk(b",".join(row[1] for row in rows), len(rows), first[0], last[0], False,
                 _keys(first[2]), _keys(last[2]))


def _logged(rows: Iterator, raw_cursor, stmt: Fragment) -> Iterator:
    """The streamed rows, the statement noted in Django's query log (DEBUG, tests) as Django's
    own cursors note theirs once it has run."""
    started = time.monotonic()
    yield from rows
    connection = read_connection()
    if connection.queries_logged:
        sql = connection.ops.last_executed_query(raw_cursor, stmt.sql, stmt.params)
        connection.queries_log.append({"sql": sql, "time": f"{time.monotonic() - started:.3f}"})


def items_chunks(q: ItemsQuery) -> Iterator[Chunk]:
    """The page's features in output order, FETCH_SIZE at a time, as PostgreSQL sends them;
    a look-ahead row comes last as its own empty chunk.

    Forward pages are streamed (libpq's chunked rows mode); a backward page is read whole and
    reversed, so that it too comes out in id order."""
    stmt = items_sql(q)
    connection = read_connection()  # the replica's, when the request reads there
    with connection.cursor() as cursor, connection.wrap_database_errors:
        read_text_as_bytes(cursor)  # the features go to the client as PostgreSQL wrote them
        rows = _logged(cursor.cursor.stream(stmt.sql, stmt.params, size=FETCH_SIZE), cursor.cursor, stmt)
        if q.backwards:
            page = list(rows)
            ahead = len(page) > q.limit
            page = page[:q.limit][::-1]
            for start in range(0, len(page), FETCH_SIZE):
                yield _chunk(page[start:start + FETCH_SIZE])
            if ahead:
                yield Chunk(b"", 0, None, None, True)
            return
        batch: list[tuple[int, bytes, list | None]] = []
        seen = 0
        for row in rows:
            seen += 1
            if seen > q.limit:
                if batch:
                    yield _chunk(batch)
                    batch = []
                yield Chunk(b"", 0, None, None, True)
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
    with read_connection().cursor() as cursor:
        if cached_total <= EXACT_COUNT_LIMIT:
            cursor.execute(sql, params)
            return cursor.fetchone()[0], True
        cursor.execute(f"EXPLAIN (FORMAT JSON) SELECT 1 FROM {q.source.sql} f WHERE {where.sql}", params)
        plan = cursor.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    return int(plan[0]["Plan"]["Plan Rows"]), False


def feature_json(*, layer_id: int, feature_id: int, fields: list[str], crs: CrsDef = DEFAULT,
                 source: Fragment = LIVE_FEATURES, where: Fragment | None = None) -> tuple[str, int] | None:
    """One feature as GeoJSON text and its version, or None (`source`: live, or as of a moment;
    `where`: a further condition, a scoped viewer's area)."""
    q = ItemsQuery(layer_id=layer_id, fields=fields, crs=crs)
    feature = _feature_json(q)
    extra = where or Fragment("TRUE")
    sql = (f"SELECT {feature.sql}, f.version FROM {source.sql} f WHERE f.layer_id = %s::bigint AND f.id = %s"
           f" AND ({extra.sql})")
    with read_connection().cursor() as cursor:
        cursor.execute(sql, (*feature.params, *source.params, layer_id, feature_id, *extra.params))
        row = cursor.fetchone()
    return (row[0], row[1]) if row else None
