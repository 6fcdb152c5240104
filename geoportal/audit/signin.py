"""Sign-in, sign-in failure and sign-out (django.contrib.auth's signals, sent by the site's and the
admin's sign-in forms alike), and the admin site's changes. A sign-in refused by the lock-out is
recorded where it is refused (geoportal/accounts/lockout.py): no signal is sent for it."""
from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_save
from django.dispatch import receiver

from geoportal.audit.models import Entry
from geoportal.audit.recorder import audit_event

SIGN_IN = "auth.login"
SIGN_OUT = "auth.logout"


@receiver(user_logged_in, dispatch_uid="audit_sign_in")
def _signed_in(sender, request, user, **kwargs):
    audit_event(action=SIGN_IN, actor=user, target=user.get_username())


@receiver(user_login_failed, dispatch_uid="audit_sign_in_failed")
def _sign_in_failed(sender, credentials, request=None, **kwargs):
    # `credentials` has the password masked by Django; only the name tried is kept.
    audit_event(action=SIGN_IN, result=Entry.Result.FAILED, actor=None,
                target=str(credentials.get("username", ""))[:150])


@receiver(user_logged_out, dispatch_uid="audit_sign_out")
def _signed_out(sender, request, user, **kwargs):
    audit_event(action=SIGN_OUT, actor=user, target=user.get_username() if user is not None else "")


@receiver(post_save, sender=LogEntry, dispatch_uid="audit_admin_change")
def _admin_logged(sender, instance: LogEntry, created: bool, **kwargs):
    """Every change made on the admin site (grants, layers, users, devices...), as the admin logs
    it. The admin's deletion of several objects at once bulk-creates its log rows without this
    signal: geoportal/audit/admin_actions.py records those."""
    if not created:
        return
    action = {ADDITION: "admin.add", CHANGE: "admin.change", DELETION: "admin.delete"}[instance.action_flag]
    model = instance.content_type.model_class() if instance.content_type_id else None
    label = model._meta.label_lower if model is not None else ""
    audit_event(action=action, target=f"{label}:{instance.object_id}"[:150],
                details={"object": instance.object_repr, "change": instance.get_change_message()})
