"""Annotation state changes as a gap-free stream, read the way the layer feed is (feed.py)."""
from __future__ import annotations

from dataclasses import dataclass

from django.db import connection

from annotations.models import Transition
from annotations.permissions import annotations_for_staff
from layers.changes.feed import START, Cursor


@dataclass(frozen=True)
class EventPage:
    events: list[dict]
    next: Cursor
    more: bool


def _document(transition: Transition) -> dict:
    annotation = transition.annotation
    return {
        "type": "annotation.state" if transition.from_state != transition.to_state else "annotation.reassigned",
        "tracking_number": annotation.tracking_number,
        "category": annotation.category.code,
        "from_state": transition.from_state,
        "to_state": transition.to_state,
        "department": transition.department.code if transition.department_id else None,
        "recorded_at": transition.created_at.isoformat(),
    }


def annotation_events_read(*, user, since: Cursor = START, limit: int) -> EventPage:
    """Transitions of the annotations `user` handles (annotations.permissions), after `since`."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT e.id, e.xid::text, e.transition_id FROM changes_annotationevent e
            WHERE e.xid < pg_snapshot_xmin(pg_current_snapshot())
              AND (e.xid, e.id) > (%s::text::xid8, %s)
            ORDER BY e.xid, e.id LIMIT %s
            """,
            [str(since.xid), since.seq, limit + 1],
        )
        rows = cursor.fetchall()
    more = len(rows) > limit
    rows = rows[:limit]
    visible = annotations_for_staff(user).values("pk")
    transitions = {t.pk: t for t in Transition.objects.filter(pk__in=[r[2] for r in rows], annotation__in=visible)
                   .select_related("annotation__category", "department")}
    events = [_document(transitions[r[2]]) for r in rows if r[2] in transitions]
    return EventPage(events, Cursor(int(rows[-1][1]), rows[-1][0]) if rows else since, more)


def annotation_events_head() -> Cursor:
    """The cursor after every event ready now."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT e.xid::text, e.id FROM changes_annotationevent e
            WHERE e.xid < pg_snapshot_xmin(pg_current_snapshot()) ORDER BY e.xid DESC, e.id DESC LIMIT 1
            """
        )
        row = cursor.fetchone()
    return Cursor(int(row[0]), row[1]) if row else START
