"""The state machine of an annotation. Every change of state or department goes through
`annotation_transition` / `annotation_reassign`, which check the allowed moves and who may make
them, record a Transition row, keep the public mirror in step and notify the submitter."""
from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from annotations.mirror import annotation_sync_mirror
from annotations.models import PUBLIC_STATES, Annotation, State, Transition
from annotations.notify import notify_submitter
from annotations.permissions import user_can_handle
from geoportal.accounts.models import Department

ALLOWED: dict[str, tuple[str, ...]] = {
    State.SUBMITTED: (State.PUBLISHED, State.REJECTED),
    State.PUBLISHED: (State.ASSIGNED,),
    State.ASSIGNED: (State.IN_PROGRESS,),
    State.IN_PROGRESS: (State.RESOLVED, State.CLOSED),
    # Reopening puts the item back with its department.
    State.RESOLVED: (State.ASSIGNED,),
    State.CLOSED: (State.ASSIGNED,),
    State.REJECTED: (),
}
# Moves that must explain themselves to the public.
REPLY_REQUIRED = {State.REJECTED, State.RESOLVED, State.CLOSED}


class IllegalTransition(ValueError):
    """The move is not allowed from the annotation's current state."""


class NotAllowed(PermissionError):
    """The user may not handle this annotation."""


def allowed_next(state: str) -> tuple[str, ...]:
    return ALLOWED.get(state, ())


def annotation_transition(
    *, annotation: Annotation, to_state: str, user, public_reply: str = "", internal_note: str = "",
    track_url: str = "",
) -> Annotation:
    """Move the annotation to `to_state`; raise IllegalTransition or NotAllowed otherwise."""
    if not user_can_handle(user, annotation):
        raise NotAllowed("Only staff of the assigned department (or an administrator) may handle this item.")
    public_reply = public_reply.strip()
    with transaction.atomic():
        current = Annotation.objects.select_for_update().get(pk=annotation.pk)
        if to_state not in allowed_next(current.state):
            raise IllegalTransition(
                f"An item that is {current.state} cannot become {to_state}; "
                f"allowed: {', '.join(allowed_next(current.state)) or 'none'}."
            )
        if to_state in REPLY_REQUIRED and not public_reply:
            raise IllegalTransition(f"Becoming {to_state} needs a public reply (the reason).")
        Transition.objects.create(
            annotation=current, from_state=current.state, to_state=to_state, actor=user,
            department=current.department, public_reply=public_reply, internal_note=internal_note.strip(),
        )
        current.state = to_state
        if to_state in (State.RESOLVED, State.CLOSED):
            current.resolved_at = timezone.now()
        elif to_state == State.ASSIGNED:
            current.resolved_at = None
        current.save(update_fields=["state", "resolved_at", "updated_at"])
        annotation_sync_mirror(annotation=current)
        if to_state in PUBLIC_STATES or to_state == State.REJECTED:
            notify_submitter(annotation=current, public_reply=public_reply, track_url=track_url)
    return current


def annotation_reassign(*, annotation: Annotation, department: Department, user, internal_note: str = "") -> Annotation:
    """Hand the item to another department, keeping its state; recorded as a transition row."""
    if not user_can_handle(user, annotation):
        raise NotAllowed("Only staff of the assigned department (or an administrator) may reassign this item.")
    with transaction.atomic():
        current = Annotation.objects.select_for_update().get(pk=annotation.pk)
        if current.state in (State.REJECTED, State.RESOLVED, State.CLOSED):
            raise IllegalTransition("A finished item is reopened before it is reassigned.")
        current.department = department
        current.save(update_fields=["department", "updated_at"])
        Transition.objects.create(
            annotation=current, from_state=current.state, to_state=current.state, actor=user,
            department=department, internal_note=internal_note.strip(),
        )
    return current
