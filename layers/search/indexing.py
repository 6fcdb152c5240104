"""Keeping the search index in step with features.

The feature services call `index_features` inside their own transaction, so a search never sees
a feature the database does not hold, nor misses one it does; deletes are handled by the
database (ON DELETE CASCADE). Text, pinyin and bigrams are computed in Python (pypinyin), per
batch; the rows are written with one set-wise statement per batch, which also takes each
feature's point-on-surface from PostGIS. Bulk writers (the importer, a layer's rebuild) read the
rows they wrote back from their own statement (RETURNING) and stream the index rows in with
COPY (`index_written`)."""
from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from operator import itemgetter
from typing import Any

from django.db import connection, transaction
from psycopg import sql

from layers.models import Feature, Layer
from layers.schema import FieldDef, parse_schema
from layers.search.text import bigrams, normalise, pinyin_forms

BATCH_SIZE = 5000
MAX_CODE_LENGTH = 100
# GIN indexes take new entries into a pending list (fastupdate) that every search reads through
# until VACUUM merges it. After a bulk write it holds up to gin_pending_list_limit (4 MB) per
# index: on the 300,000-feature benchmark layer, search p50/p95 went from 5.5/13 ms to 9/23 ms
# until the next VACUUM. Bulk writes of at least this many rows merge it before they commit
# (0.2 s for 300,000 rows); fastupdate off instead made the bulk write 3.6 times slower.
PENDING_MERGE_ROWS = 1000
GIN_INDEXES = ("SELECT i.indexrelid, c.relowner FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
               "JOIN pg_am a ON a.oid = c.relam WHERE a.amname = 'gin' AND i.indrelid = 'search_searchentry'::regclass")
# Merging needs the index's owner (as VACUUM does); a role that only writes rows skips it.
_MERGE_PENDING = (f"SELECT gin_clean_pending_list(g.indexrelid) FROM ({GIN_INDEXES}) g "
                  "WHERE pg_has_role(g.relowner, 'USAGE')")

_UPSERT = """
INSERT INTO search_searchentry (feature_id, layer_id, name, text, pinyin, initials, codes, bigrams, fields, point)
SELECT f.id, f.layer_id, v.name, v.text, v.pinyin, v.initials,
       ARRAY(SELECT jsonb_array_elements_text(v.codes::jsonb)),
       ARRAY(SELECT jsonb_array_elements_text(v.bigrams::jsonb)),
       v.fields::jsonb, ST_PointOnSurface(f.geom)
FROM unnest(%s::bigint[], %s::text[], %s::text[], %s::text[], %s::text[], %s::text[], %s::text[], %s::text[])
     AS v(id, name, text, pinyin, initials, codes, bigrams, fields)
JOIN layers_feature f ON f.id = v.id
ON CONFLICT (feature_id) DO UPDATE SET
  layer_id = EXCLUDED.layer_id, name = EXCLUDED.name, text = EXCLUDED.text, pinyin = EXCLUDED.pinyin,
  initials = EXCLUDED.initials, codes = EXCLUDED.codes, bigrams = EXCLUDED.bigrams, fields = EXCLUDED.fields,
  point = EXCLUDED.point
"""
_ENTRY_COLUMNS = "feature_id, layer_id, name, text, pinyin, initials, codes, bigrams, fields, point"
_COPY = sql.SQL(f"COPY {{}} ({_ENTRY_COLUMNS}) FROM STDIN")
# The rows of features with none yet, kept only for features that still exist when they are
# added (FOR KEY SHARE: a delete waits for this transaction, or has removed the feature first);
# a feature an edit has indexed meanwhile keeps the edit's row.
_ADD_MISSING = (f"INSERT INTO search_searchentry ({_ENTRY_COLUMNS}) "
                f"SELECT {', '.join('m.' + c for c in _ENTRY_COLUMNS.split(', '))} FROM search_missing m "
                "JOIN layers_feature f ON f.id = m.feature_id FOR KEY SHARE OF f ON CONFLICT (feature_id) DO NOTHING")


def _field_texts(fdef: FieldDef, value: Any) -> list[str]:
    """The texts a value is found by: the value itself, and for a choice its labels."""
    if value is None or value == "" or isinstance(value, bool):
        return []
    texts = [str(value)]
    if fdef.type == "choice" and str(value) in fdef.choice_labels:
        texts.extend(label for label in fdef.choice_labels[str(value)] if label)
    return texts


def entry_values(*, searchable: list[FieldDef], name: str, properties: dict[str, Any]) -> dict[str, Any]:
    """The index columns of one feature, computed in Python (the geometry part comes from PostGIS)."""
    norm_name = normalise(name) if name else ""
    fields: dict[str, str] = {}
    parts = [norm_name] if norm_name else []
    for fdef in searchable:
        value = properties.get(fdef.name)
        if fdef.type == "choice":
            texts = [t for t in map(normalise, _field_texts(fdef, value)) if t]
        elif value is None or value == "" or isinstance(value, bool):
            continue
        else:  # the common case, one text; the name field's value is the name
            texts = [norm_name if value == name else normalise(str(value))]
            if not texts[0]:
                continue
        if texts:
            fields[fdef.name] = " ".join(texts)
            for t in texts:
                if t not in parts:
                    parts.append(t)
    text = "|".join(parts)
    codes = sorted({v for v in [norm_name, *fields.values()] if v and len(v) <= MAX_CODE_LENGTH})
    full, initials = pinyin_forms(norm_name)
    return {
        "name": norm_name,
        "text": text,
        "pinyin": full,
        "initials": initials,
        "codes": codes,
        "bigrams": bigrams(text),
        "fields": fields,
    }


def _write(rows: list[tuple[int, dict[str, Any]]]) -> None:
    if not rows:
        return
    columns = [
        [pk for pk, _ in rows],
        [v["name"] for _, v in rows],
        [v["text"] for _, v in rows],
        [v["pinyin"] for _, v in rows],
        [v["initials"] for _, v in rows],
        [json.dumps(v["codes"], ensure_ascii=False) for _, v in rows],
        [json.dumps(v["bigrams"], ensure_ascii=False) for _, v in rows],
        [json.dumps(v["fields"], ensure_ascii=False) for _, v in rows],
    ]
    with connection.cursor() as cursor:
        cursor.execute(_UPSERT, columns)


def _index_rows(layer: Layer, rows: Iterable[tuple[int, str, dict[str, Any]]]) -> int:
    searchable = [f for f in parse_schema(layer.schema) if f.searchable]
    batch: list[tuple[int, dict[str, Any]]] = []
    count = 0
    for pk, name, properties in rows:
        batch.append((pk, entry_values(searchable=searchable, name=name, properties=properties or {})))
        if len(batch) >= BATCH_SIZE:
            _write(batch)
            count += len(batch)
            batch = []
    _write(batch)
    return count + len(batch)


def index_features(*, layer: Layer, features: Iterable[Feature]) -> int:
    """Index (or re-index) the given saved features of `layer`; call inside the writing transaction."""
    return _index_rows(layer, ((f.pk, f.name, f.properties) for f in features))


def _text_array(values: list[str]) -> str:
    """A text[] literal, every element quoted (psycopg's list adaptation costs ~7 µs a list)."""
    return "{" + ",".join(['"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"' for v in values]) + "}"


def index_columns(layer: Layer, alias: str = "") -> sql.Composable:
    """The RETURNING (or SELECT) list that `index_written` reads: id, display name, the searchable
    properties and the point on surface of each feature of `layer`; `alias` qualifies the feature
    table's columns. Other properties stay in the database (a layer may have dozens)."""
    t = sql.SQL(f"{alias}." if alias else "")
    others = [f.name for f in parse_schema(layer.schema) if not f.searchable]
    return sql.SQL("{t}id, {t}name, {t}properties - {others}::text[], ST_PointOnSurface({t}geom)").format(
        t=t, others=sql.Literal(others))


def index_written(*, layer: Layer, cursor, on_batch: Callable[[int], None] = lambda done: None,
                  table: str = "search_searchentry") -> int:
    """Index the features of `layer` in the result `cursor` holds (columns `index_columns`; the
    RETURNING of the statement that wrote them, or a read), none of which has an index row yet:
    one COPY into `table`, fed while the result is read in batches; `on_batch(rows so far)` after
    each batch. Call inside the writing transaction."""
    searchable = [f for f in parse_schema(layer.schema) if f.searchable]
    count = 0
    with connection.cursor() as out, out.copy(_COPY.format(sql.Identifier(table))) as copy:
        while chunk := cursor.fetchmany(BATCH_SIZE):
            # Sorted within the batch: neighbouring keys reach the btree and GIN indexes together
            # (~12% less index work), while the table stays in write order batch by batch (a
            # whole-table name order makes the fuzzy tier's LIMITed scans read far more).
            for pk, name, properties, point in sorted(chunk, key=itemgetter(1)):
                # Django leaves jsonb undecoded on raw cursors.
                values = entry_values(searchable=searchable, name=name,
                                      properties=(json.loads(properties) if isinstance(properties, str)
                                                  else properties) or {})
                copy.write_row((pk, layer.pk, values["name"], values["text"], values["pinyin"], values["initials"],
                                _text_array(values["codes"]), _text_array(values["bigrams"]),
                                json.dumps(values["fields"], ensure_ascii=False), point))
            count += len(chunk)
            on_batch(count)
    if count >= PENDING_MERGE_ROWS and table == "search_searchentry":
        _merge_pending()
    return count


def _merge_pending() -> None:
    with connection.cursor() as merge:
        merge.execute(_MERGE_PENDING)


def index_missing(layer_id: str) -> int:
    """Index the features of the layer that have no index row: the job a large import queues when
    it commits (layers/io/write.py), so that its features are on the map before they are found by
    search. Safe beside edits, deletes and a second run; returns the rows added."""
    layer = Layer.objects.filter(pk=int(layer_id)).first()
    if layer is None:  # deleted since: its features went with it
        return 0
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE search_missing (LIKE search_searchentry) ON COMMIT DROP")
        cursor.execute(sql.SQL(
            "SELECT {} FROM layers_feature f WHERE f.layer_id = %s AND NOT EXISTS "
            "(SELECT 1 FROM search_searchentry e WHERE e.feature_id = f.id) ORDER BY f.id").format(
            index_columns(layer, "f")), [layer.pk])
        index_written(layer=layer, cursor=cursor, table="search_missing")
        cursor.execute(_ADD_MISSING)
        added = cursor.rowcount
        if added >= PENDING_MERGE_ROWS:
            _merge_pending()
    return added


def reindex_layer(*, layer: Layer) -> int:
    """Rebuild the layer's index rows from its features (after a schema change, or for data
    loaded without the services). Atomic: searches see the old rows until it commits."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM search_searchentry WHERE layer_id = %s", [layer.pk])
        cursor.execute(sql.SQL("SELECT {} FROM layers_feature WHERE layer_id = %s ORDER BY id").format(
            index_columns(layer)), [layer.pk])
        return index_written(layer=layer, cursor=cursor)


def layer_index_is_current(*, layer: Layer) -> bool:
    """Whether every feature of the layer has an index row (a cheap check for benchmarks, set-up
    and the "indexing" state of a layer whose import is still being indexed)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT count(*) FROM layers_feature WHERE layer_id = %s)"
            " = (SELECT count(*) FROM search_searchentry WHERE layer_id = %s)",
            [layer.pk, layer.pk],
        )
        return cursor.fetchone()[0]


def ensure_layer_indexed(*, layer: Layer) -> int:
    """Rebuild the layer's index rows if some feature has none (data loaded around the services);
    return the number of features indexed (0 when the index was current)."""
    return 0 if layer_index_is_current(layer=layer) else reindex_layer(layer=layer)
