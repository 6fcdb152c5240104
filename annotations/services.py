"""Public writes: submitting an annotation (with photos) and the submitter's follow-up comments."""
from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.contrib.gis.geos import GEOSGeometry, Polygon
from django.db import connection, transaction
from django.utils import timezone

from annotations.models import Annotation, Category, FollowUp, Photo, State, Transition
from annotations.photos import PhotoError, photo_clean
from annotations.routing import department_for, district_code_at
from layers.schema import PropertyValidationError

GEOMETRY_TYPES = ("Point", "LineString", "Polygon")
PHONE_RE = re.compile(r"^\+?[0-9 ()-]{5,20}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class SubmissionError(PropertyValidationError):
    """The submission cannot be accepted; `errors` maps field name to a message, like the
    layer-schema errors, so forms show both the same way."""


@dataclass(frozen=True)
class Submitted:
    annotation: Annotation
    follow_up_token: str  # the secret; only its hash is stored


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_matches(annotation: Annotation, token: str) -> bool:
    return hmac.compare_digest(annotation.follow_up_token_hash, hash_token(token))


def next_tracking_number(*, year: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval('annotations_tracking_seq')")
        value = cursor.fetchone()[0]
    return f"{settings.ANNOTATION_TRACKING_PREFIX}-{year}-{value:06d}"


def clean_geometry(geometry: GEOSGeometry | None) -> GEOSGeometry:
    if geometry is None or geometry.empty:
        raise SubmissionError({"geometry": "Mark the place on the map."})
    if geometry.srid is None:
        geometry.srid = 4326
    if geometry.srid != 4326:
        geometry = geometry.transform(4326, clone=True)
    if geometry.geom_type not in GEOMETRY_TYPES:
        raise SubmissionError({"geometry": "Mark a point, a line or an area."})
    if not geometry.valid:
        raise SubmissionError({"geometry": f"The shape is not valid: {geometry.valid_reason}."})
    if not Polygon.from_bbox(tuple(settings.CITY_EXTENT)).contains(geometry.envelope):
        raise SubmissionError({"geometry": "The place lies outside the area this platform serves."})
    return geometry


def clean_text(value: str, *, field: str, required: bool = True, max_length: int | None = None) -> str:
    value = (value or "").strip()
    limit = max_length or settings.ANNOTATION_MAX_TEXT
    if required and not value:
        raise SubmissionError({field: "This field is required."})
    if len(value) > limit:
        raise SubmissionError({field: f"At most {limit} characters, please."})
    return value


def clean_contact(value: str) -> str:
    value = (value or "").strip()
    if value and not (EMAIL_RE.match(value) or PHONE_RE.match(value)):
        raise SubmissionError({"contact": "Give a phone number or an e-mail address (or leave it empty)."})
    return clean_text(value, field="contact", required=False, max_length=120)


def annotation_submit(
    *, category: Category, geometry: GEOSGeometry | None, description: str, name: str = "", contact: str = "",
    consent: bool, photos: list | tuple = (), source: str = "web",
) -> Submitted:
    """Validate and store a report, route it, and return it with its secret follow-up token."""
    if not category.active:
        raise SubmissionError({"category": "This category is no longer in use."})
    if not consent:
        raise SubmissionError({"consent": "Please agree to the processing of your report."})
    geometry = clean_geometry(geometry)
    description = clean_text(description, field="description")
    name = clean_text(name, field="name", required=False, max_length=80)
    contact = clean_contact(contact)
    if len(photos) > settings.ANNOTATION_MAX_PHOTOS:
        raise SubmissionError({"photos": f"At most {settings.ANNOTATION_MAX_PHOTOS} photos, please."})
    try:
        cleaned_photos = [photo_clean(upload=upload) for upload in photos]
    except PhotoError as exc:
        raise SubmissionError({"photos": str(exc)}) from exc
    district = district_code_at(geometry=geometry)
    department = department_for(category=category, district_code=district)
    token = secrets.token_urlsafe(24)
    with transaction.atomic():
        annotation = Annotation.objects.create(
            tracking_number=next_tracking_number(year=timezone.localdate().year),
            geom=geometry, category=category, description=description, name=name, contact=contact,
            consent=True, state=State.SUBMITTED, department=department, district_code=district,
            follow_up_token_hash=hash_token(token), open311_token=uuid.uuid4().hex, source=source[:16],
        )
        Transition.objects.create(annotation=annotation, from_state="", to_state=State.SUBMITTED,
                                  department=department)
        for photo in cleaned_photos:
            Photo.objects.create(annotation=annotation, image=photo.image, thumbnail=photo.thumbnail,
                                 width=photo.width, height=photo.height)
    return Submitted(annotation=annotation, follow_up_token=token)


def annotation_follow_up(*, annotation: Annotation, token: str, text: str) -> FollowUp:
    if not token_matches(annotation, token):
        raise PermissionError("This follow-up link is not valid.")
    if annotation.state == State.REJECTED:
        raise SubmissionError({"text": "This report was not accepted; please submit a new one."})
    text = clean_text(text, field="text")
    return FollowUp.objects.create(annotation=annotation, text=text)
