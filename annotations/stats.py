"""Statistics over the annotations a user handles (their department's, or all for admins):
counts by category, district and state, the median time to resolve and a weekly trend —
each one aggregate query in PostgreSQL."""
from __future__ import annotations

from django.db import connection
from django.db.models import Count

from annotations.models import State
from annotations.permissions import annotations_for_staff

TREND_WEEKS = 12


def _ids(user) -> list[int]:
    return list(annotations_for_staff(user).values_list("id", flat=True))


def annotation_stats(*, user) -> dict:
    qs = annotations_for_staff(user)
    by_category = list(qs.values("category__code", "category__name_zh", "category__name_en", "category__icon")
                       .annotate(n=Count("id")).order_by("-n"))
    by_district = list(qs.values("district_code").annotate(n=Count("id")).order_by("-n"))
    labels = dict(State.choices)
    by_state = [{"state": row["state"], "label": labels[row["state"]], "n": row["n"]}
                for row in qs.values("state").annotate(n=Count("id")).order_by("state")]
    ids = _ids(user)
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT extract(epoch FROM percentile_cont(0.5) WITHIN GROUP (ORDER BY resolved_at - created_at))
            FROM annotations_annotation WHERE id = ANY(%s) AND resolved_at IS NOT NULL
            """,
            [ids],
        )
        median_seconds = cursor.fetchone()[0]
        cursor.execute(
            """
            WITH weeks AS (
              SELECT generate_series(date_trunc('week', now()) - (%s - 1) * interval '1 week',
                                     date_trunc('week', now()), interval '1 week') AS week)
            SELECT to_char(w.week, 'YYYY-MM-DD'),
                   (SELECT count(*) FROM annotations_annotation a
                     WHERE a.id = ANY(%s) AND date_trunc('week', a.created_at) = w.week),
                   (SELECT count(*) FROM annotations_annotation a
                     WHERE a.id = ANY(%s) AND date_trunc('week', a.resolved_at) = w.week)
            FROM weeks w ORDER BY w.week
            """,
            [TREND_WEEKS, ids, ids],
        )
        trend = [{"week": w, "reported": r, "resolved": s} for w, r, s in cursor.fetchall()]
    return {
        "total": len(ids),
        "by_category": by_category,
        "by_district": by_district,
        "by_state": by_state,
        "median_resolve_hours": round(float(median_seconds) / 3600, 1) if median_seconds is not None else None,
        "trend": trend,
    }
