"""Reads for the staff inbox: the items a user handles, filtered, with their due date and an
overdue flag computed in SQL from the category's deadline."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    DateTimeField,
    DurationField,
    ExpressionWrapper,
    F,
    QuerySet,
    Value,
    When,
)
from django.utils import timezone

from annotations.models import OPEN_STATES, Annotation, State
from annotations.permissions import annotations_for_staff

DUE_AT = ExpressionWrapper(
    F("created_at") + ExpressionWrapper(F("category__deadline_days") * timedelta(days=1), output_field=DurationField()),
    output_field=DateTimeField(),
)


@dataclass(frozen=True)
class InboxFilters:
    state: str = ""
    category: str = ""
    district: str = ""
    min_age_days: int | None = None
    overdue_only: bool = False

    @classmethod
    def from_query(cls, query) -> InboxFilters:
        raw_age = (query.get("age") or "").strip()
        if raw_age and not raw_age.isdigit():
            raise ValueError("age must be a whole number of days")
        return cls(
            state=query.get("state", "") if query.get("state", "") in State.values else "",
            category=query.get("category", ""),
            district=query.get("district", ""),
            min_age_days=int(raw_age) if raw_age else None,
            overdue_only=query.get("overdue") == "1",
        )


def inbox_items(*, user, filters: InboxFilters) -> QuerySet[Annotation]:
    now = timezone.now()
    qs = annotations_for_staff(user).select_related("category", "department").annotate(due_at=DUE_AT).annotate(
        overdue=Case(When(state__in=OPEN_STATES, due_at__lt=now, then=Value(True)), default=Value(False),
                     output_field=BooleanField()),
    )
    if filters.state:
        qs = qs.filter(state=filters.state)
    if filters.category:
        qs = qs.filter(category__code=filters.category)
    if filters.district:
        qs = qs.filter(district_code=filters.district)
    if filters.min_age_days is not None:
        qs = qs.filter(created_at__lte=now - timedelta(days=filters.min_age_days))
    if filters.overdue_only:
        qs = qs.filter(overdue=True)
    return qs.order_by("-overdue", "created_at")


def inbox_counts(*, user) -> dict[str, int]:
    """New (awaiting moderation) and overdue items, for the inbox header."""
    items = inbox_items(user=user, filters=InboxFilters())
    return {"new": items.filter(state=State.SUBMITTED).count(), "overdue": items.filter(overdue=True).count()}


def inbox_geojson(*, queryset: QuerySet[Annotation]) -> str:
    """The filtered items as GeoJSON, built by PostGIS over the ids of the queryset."""
    ids = list(queryset.values_list("id", flat=True)[:5000])
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT json_build_object('type', 'FeatureCollection', 'features', coalesce(json_agg(json_build_object(
                'type', 'Feature', 'id', a.id, 'geometry', ST_AsGeoJSON(a.geom, 6)::json,
                'properties', json_build_object('tracking_number', a.tracking_number, 'state', a.state,
                                                'category', c.code, 'icon', c.icon)
            ) ORDER BY a.id), '[]'::json))::text
            FROM annotations_annotation a JOIN annotations_category c ON c.id = a.category_id
            WHERE a.id = ANY(%s)
            """,
            [ids],
        )
        return cursor.fetchone()[0]
