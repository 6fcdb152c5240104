"""The change feed of a layer: its inserts, updates and deletes, gap-free, from an opaque cursor.

Every feature write records a version (layers/history) carrying the id of its writing transaction
(`xid`, an xid8). Sequence numbers are taken when a row is inserted, not when its transaction
commits, so a reader that simply followed `id` would skip a version whose transaction took its
number early and committed late. The feed therefore orders by (xid, id) and hands out only the
versions of transactions older than the oldest one still running (`pg_snapshot_xmin` of the
reading statement's snapshot): every such transaction has ended, so no version can later appear
below a cursor already given out. A long-running transaction (anywhere in the cluster) holds the
feed back until it ends; it never makes it skip.
"""
from __future__ import annotations

import base64
import binascii
import datetime
import json
from dataclasses import dataclass

from django.db import connection

from layers.models import Layer
from layers.scope import EVERYTHING, FeatureScope

MAX_LIMIT = 1000
DEFAULT_LIMIT = 100
_CURSOR_PREFIX = "c1."


class CursorError(ValueError):
    """The text is not a cursor this server handed out."""


@dataclass(frozen=True, order=True)
class Cursor:
    """A position in a layer's feed: after the version `seq` of transaction `xid`."""

    xid: int
    seq: int

    def encode(self) -> str:
        raw = f"{self.xid}.{self.seq}".encode()
        return _CURSOR_PREFIX + base64.urlsafe_b64encode(raw).decode().rstrip("=")


START = Cursor(0, 0)


def cursor_decode(text: str) -> Cursor:
    if not text.startswith(_CURSOR_PREFIX):
        raise CursorError("since is not a cursor of this feed: use a `next` value it returned, or leave it out.")
    body = text[len(_CURSOR_PREFIX):]
    try:
        xid, seq = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)).decode().split(".")
        cursor = Cursor(int(xid), int(seq))
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise CursorError("since is not a cursor of this feed: use a `next` value it returned, "
                          "or leave it out.") from exc
    if cursor.xid < 0 or cursor.seq < 0:
        raise CursorError("since is not a cursor of this feed.")
    return cursor




@dataclass(frozen=True)
class Change:
    type: str  # insert, update, delete
    feature_id: int
    version: int
    recorded_at: datetime.datetime
    geometry: str | None  # GeoJSON text; None for deletes
    properties: dict | None

    def document(self) -> dict:
        change = {"type": self.type, "id": self.feature_id, "version": self.version,
                  "recorded_at": self.recorded_at.isoformat()}
        if self.type != "delete":
            change["feature"] = {"type": "Feature", "id": self.feature_id, "geometry": json.loads(self.geometry),
                                 "properties": self.properties}
        return change


@dataclass(frozen=True)
class ChangePage:
    changes: list[Change]
    next: Cursor
    more: bool  # whether more changes are ready after `next`


# The version before each one (same feature, version - 1) says whether the reader saw the feature
# before; with an area that decides insert (moved in), update, or delete (moved out). Without a
# previous version (features written before history was kept) a reader without an area is taken
# to have seen it.
_READ = """
SELECT v.id, v.xid::text, v.feature_id, v.version, v.action, v.deleted, v.recorded_at,
       CASE WHEN v.deleted THEN NULL ELSE ST_AsGeoJSON(v.geom, 15) END,
       v.properties::text,
       CASE WHEN v.deleted THEN false
            ELSE (%(area)s::geometry IS NULL OR ST_Intersects(v.geom, %(area)s::geometry)) END,
       CASE WHEN p.id IS NULL THEN %(area)s::geometry IS NULL AND v.action <> 'create'
            ELSE NOT p.deleted AND (%(area)s::geometry IS NULL OR ST_Intersects(p.geom, %(area)s::geometry)) END
FROM history_featureversion v
LEFT JOIN history_featureversion p ON p.feature_id = v.feature_id AND p.version = v.version - 1
WHERE v.layer_id = %(layer)s
  AND v.xid < pg_snapshot_xmin(pg_current_snapshot())
  AND (v.xid, v.id) > (%(xid)s::text::xid8, %(seq)s)
ORDER BY v.xid, v.id
LIMIT %(limit)s
"""


def change_type(action: str, seen_now: bool, seen_before: bool) -> str | None:
    """insert, update or delete as a reader who sees the feature now or saw it before sees the
    change; None when it sees neither side (or for the baseline)."""
    if action == "baseline":
        return None  # the state before history was kept: not a change
    if not seen_now:
        return "delete" if seen_before else None
    return "update" if seen_before else "insert"


def changes_read(*, layer: Layer, since: Cursor = START, limit: int = DEFAULT_LIMIT,
                 scope: FeatureScope = EVERYTHING) -> ChangePage:
    """The layer's changes after `since`, in the order of their transactions, as `scope` shows them.

    The caller has decided that the reader may see the layer (layers.permissions). Versions the
    scope hides on both sides (outside the area before and after) are passed over, so a page may
    hold fewer than `limit` changes while `more` is true."""
    limit = max(1, min(limit, MAX_LIMIT))
    area = scope.area_ewkb
    with connection.cursor() as cursor:
        cursor.execute(_READ, {"layer": layer.pk, "xid": str(since.xid), "seq": since.seq, "limit": limit + 1,
                               "area": area})
        rows = cursor.fetchall()
    more = len(rows) > limit
    rows = rows[:limit]
    changes = []
    for _seq, _xid, feature_id, version, action, _deleted, recorded_at, geometry, properties, now, before in rows:
        kind = change_type(action, now, before)
        if kind is None:
            continue
        props = None
        if kind != "delete":
            props = scope.properties(json.loads(properties))
        changes.append(Change(kind, feature_id, version, recorded_at, geometry if kind != "delete" else None, props))
    position = Cursor(int(rows[-1][1]), rows[-1][0]) if rows else since
    return ChangePage(changes, position, more)


def changes_head(*, layer: Layer) -> Cursor:
    """The cursor after every change ready now: where a reader that wants only new changes starts."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT v.xid::text, v.id FROM history_featureversion v
            WHERE v.layer_id = %s AND v.xid < pg_snapshot_xmin(pg_current_snapshot())
            ORDER BY v.xid DESC, v.id DESC LIMIT 1
            """,
            [layer.pk],
        )
        row = cursor.fetchone()
    return Cursor(int(row[0]), row[1]) if row else START
