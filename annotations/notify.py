"""E-mail to the submitter on each public change, if the contact they left is an address.

Plain-text mail only: a description or reply is text, never markup, in every channel."""
from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction

from annotations.models import Annotation, State


def contact_email(contact: str) -> str | None:
    try:
        validate_email(contact)
    except ValidationError:
        return None
    return contact


def notify_submitter(*, annotation: Annotation, public_reply: str, track_url: str) -> None:
    """Queue the mail for after the commit, so a rolled-back change sends nothing."""
    address = contact_email(annotation.contact)
    if address is None:
        return
    label = State(annotation.state).label
    subject = f"[{annotation.tracking_number}] {label}"
    lines = [
        f"您反映的问题 {annotation.tracking_number} 状态更新为：{label}",
        f"Your report {annotation.tracking_number} is now: {label}",
        "",
    ]
    if public_reply:
        lines += ["答复 / Reply:", public_reply, ""]
    lines += [f"查看进度 / Follow it: {track_url}"]
    body = "\n".join(lines)
    transaction.on_commit(lambda: send_mail(subject, body, None, [address]))
