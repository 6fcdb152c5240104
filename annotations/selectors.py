"""Reads of annotations. Public shapes name their fields explicitly: name, contact, follow-ups,
internal notes and staff identities are never part of them."""
from __future__ import annotations

from django.db.models import F, QuerySet
from django.urls import reverse

from annotations.models import PUBLIC_STATES, Annotation, Category, State


def category_list(*, active_only: bool = True) -> list[dict]:
    qs = Category.objects.filter(active=True) if active_only else Category.objects.all()
    return [
        {"code": c.code, "name_zh": c.name_zh, "name_en": c.name_en, "icon": c.icon, "deadline_days": c.deadline_days}
        for c in qs
    ]


def annotation_by_number(number: str) -> Annotation | None:
    return (
        Annotation.objects.select_related("category", "department")
        .filter(tracking_number=number.strip().upper())
        .first()
    )


def track_url(annotation: Annotation) -> str:
    return reverse("annotations:track", args=[annotation.tracking_number])


def public_photos(annotation: Annotation) -> list[dict]:
    if not annotation.is_public:
        return []
    return [
        {
            "url": reverse("annotations:photo", args=[annotation.tracking_number, photo.pk, "full"]),
            "thumbnail": reverse("annotations:photo", args=[annotation.tracking_number, photo.pk, "thumb"]),
            "width": photo.width,
            "height": photo.height,
        }
        for photo in annotation.photos.all()
    ]


def public_timeline(annotation: Annotation) -> list[dict]:
    """State changes with their public replies; reassignments and internal notes are left out."""
    rows = annotation.transitions.exclude(from_state=F("to_state")).select_related("department")
    return [
        {
            "state": row.to_state,
            "state_label": State(row.to_state).label,
            "at": row.created_at,
            "department": row.department.name if row.department else "",
            "reply": row.public_reply,
        }
        for row in rows
    ]


def public_annotation(annotation: Annotation) -> dict:
    """What anyone holding the tracking number may see. The description only once moderated."""
    return {
        "tracking_number": annotation.tracking_number,
        "category": annotation.category.code,
        "category_name_zh": annotation.category.name_zh,
        "category_name_en": annotation.category.name_en,
        "icon": annotation.category.icon,
        "state": annotation.state,
        "state_label": State(annotation.state).label,
        "description": annotation.description if annotation.is_public else "",
        "department": annotation.department.name if annotation.department and annotation.is_public else "",
        "district": annotation.district_code,
        "created_at": annotation.created_at,
        "updated_at": annotation.updated_at,
        "photos": public_photos(annotation),
        "timeline": public_timeline(annotation),
    }


def public_annotations(*, categories: list[str] | None = None, states: list[str] | None = None) -> QuerySet:
    qs = Annotation.objects.filter(state__in=PUBLIC_STATES).select_related("category", "department")
    if categories:
        qs = qs.filter(category__code__in=categories)
    if states:
        qs = qs.filter(state__in=[s for s in states if s in PUBLIC_STATES])
    return qs
