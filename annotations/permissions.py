"""Who may handle annotations: a department's staff the items assigned to their department,
platform administrators every item. Every staff view and service asks here."""
from __future__ import annotations

from django.db.models import QuerySet

from annotations.models import Annotation


def is_annotation_staff(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and (user.is_platform_admin or user.is_department_staff))


def annotations_for_staff(user, queryset: QuerySet[Annotation] | None = None) -> QuerySet[Annotation]:
    qs = queryset if queryset is not None else Annotation.objects.all()
    if not is_annotation_staff(user):
        return qs.none()
    if user.is_platform_admin:
        return qs
    return qs.filter(department_id=user.department_id)


def user_can_handle(user, annotation: Annotation) -> bool:
    if not is_annotation_staff(user):
        return False
    return user.is_platform_admin or annotation.department_id == user.department_id


def user_can_see_personal_data(user, annotation: Annotation) -> bool:
    """The submitter's name and contact: only the staff of the department handling the report
    (not the platform's administrators, not other departments; PIPL's least access)."""
    return bool(getattr(user, "is_authenticated", False) and user.is_department_staff
                and annotation.department_id is not None and annotation.department_id == user.department_id)
