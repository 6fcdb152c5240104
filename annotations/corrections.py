"""Suggested corrections to public features. Accepting one applies it as an ordinary edit through
layers.services.feature_update (channel "suggestion"), based on the version the public saw."""
from __future__ import annotations

from django.contrib.gis.geos import GEOSGeometry
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from annotations.models import Suggestion
from annotations.notify import contact_email
from annotations.services import SubmissionError, clean_contact, clean_text
from layers.models import Feature, Layer
from layers.permissions import layers_for, user_can
from layers.schema import validate_properties
from layers.services import clean_geometry, feature_update


class SuggestionNotAllowed(PermissionError):
    """Only editors of the feature's layer handle its suggestions."""


def suggestion_create(
    *, feature: Feature, properties: dict, geometry: GEOSGeometry | None, comment: str, contact: str = "",
) -> Suggestion:
    layer = feature.layer
    if not properties and geometry is None:
        raise SubmissionError({"properties": "Propose new values or a new shape."})
    try:
        validate_properties(layer.schema, {**feature.properties, **properties})
        if geometry is not None:
            geometry = clean_geometry(layer=layer, geometry=geometry)
    except ValueError as exc:
        raise SubmissionError({"properties": str(exc)}) from exc
    return Suggestion.objects.create(
        layer=layer, feature=feature, base_version=feature.version, properties=properties, geom=geometry,
        comment=clean_text(comment, field="comment", required=False), contact=clean_contact(contact),
    )


def suggestions_for(user) -> QuerySet[Suggestion]:
    """Suggestions on the layers the user may edit: the owning department's queue."""
    return Suggestion.objects.filter(layer__in=layers_for(user, "edit")).select_related("layer", "feature")


def _mail(suggestion: Suggestion, text: str) -> None:
    address = contact_email(suggestion.contact)
    if address:
        transaction.on_commit(lambda: send_mail(f"更正建议 / Suggested correction #{suggestion.pk}", text, None,
                                                [address]))


@transaction.atomic
def suggestion_accept(*, suggestion: Suggestion, user, reply: str = "") -> Suggestion:
    """Apply the change; raises VersionConflict if the feature changed since it was suggested."""
    if not user_can(user, "edit", suggestion.layer):
        raise SuggestionNotAllowed("Only editors of this layer may accept its suggestions.")
    if suggestion.status != Suggestion.Status.PENDING or suggestion.feature is None:
        raise SubmissionError({"status": "This suggestion has already been handled."})
    feature = feature_update(
        feature=suggestion.feature, base_version=suggestion.base_version, properties=suggestion.properties or None,
        geometry=suggestion.geom.clone() if suggestion.geom else None, partial=True, user=user, channel="suggestion",
    )
    suggestion.status = Suggestion.Status.ACCEPTED
    suggestion.applied_version = feature.version
    suggestion.reply = reply.strip()
    suggestion.handled_by, suggestion.handled_at = user, timezone.now()
    suggestion.save()
    _mail(suggestion, f"您的更正建议已采纳 / Your suggested correction was accepted.\n\n{suggestion.reply}")
    return suggestion


@transaction.atomic
def suggestion_reject(*, suggestion: Suggestion, user, reply: str) -> Suggestion:
    if not user_can(user, "edit", suggestion.layer):
        raise SuggestionNotAllowed("Only editors of this layer may reject its suggestions.")
    if suggestion.status != Suggestion.Status.PENDING:
        raise SubmissionError({"status": "This suggestion has already been handled."})
    suggestion.reply = clean_text(reply, field="reply")
    suggestion.status = Suggestion.Status.REJECTED
    suggestion.handled_by, suggestion.handled_at = user, timezone.now()
    suggestion.save()
    _mail(suggestion, f"您的更正建议未被采纳 / Your suggested correction was not accepted.\n\n{suggestion.reply}")
    return suggestion


def public_layer_feature(*, user, layer_slug: str, feature_id: int) -> Feature | None:
    layer = layers_for(user, "view").filter(slug=layer_slug).first()
    if layer is None or layer.visibility != Layer.Visibility.PUBLIC:
        return None
    return Feature.objects.select_related("layer").filter(layer=layer, pk=feature_id).first()
