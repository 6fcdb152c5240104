"""Internal staff annotations: notes pinned to a place or a feature, for one's department or all
staff, with replies. They have no public endpoint and never enter the feedback layer."""
from __future__ import annotations

from django.contrib.gis.geos import Point
from django.db.models import Q, QuerySet

from annotations.models import InternalNote
from annotations.permissions import is_annotation_staff
from annotations.services import SubmissionError, clean_text
from layers.models import Feature
from layers.permissions import layers_for


def notes_visible(user) -> QuerySet[InternalNote]:
    if not is_annotation_staff(user):
        return InternalNote.objects.none()
    qs = InternalNote.objects.select_related("author", "department", "feature", "feature__layer")
    if user.is_platform_admin:
        return qs
    return qs.filter(Q(audience=InternalNote.Audience.STAFF) | Q(department_id=user.department_id))


def note_create(
    *, user, text: str, audience: str = InternalNote.Audience.DEPARTMENT, point: Point | None = None,
    feature: Feature | None = None, parent: InternalNote | None = None,
) -> InternalNote:
    if not is_annotation_staff(user) or user.department_id is None:
        raise PermissionError("Notes are written by department staff.")
    if audience not in InternalNote.Audience.values:
        raise SubmissionError({"audience": "Choose who may read the note."})
    if parent is not None:
        if not notes_visible(user).filter(pk=parent.pk).exists():
            raise PermissionError("You cannot reply to this note.")
        audience, point, feature = parent.audience, None, None
    elif point is None and feature is None:
        raise SubmissionError({"place": "Pin the note to a place or a feature."})
    if feature is not None and not layers_for(user, "view").filter(pk=feature.layer_id).exists():
        raise PermissionError("You cannot see this feature.")
    return InternalNote.objects.create(
        author=user, department_id=user.department_id, audience=audience, geom=point, feature=feature,
        parent=parent, text=clean_text(text, field="text"),
    )
