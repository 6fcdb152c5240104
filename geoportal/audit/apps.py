from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "geoportal.audit"
    label = "audit"
    verbose_name = "Audit trail"

    def ready(self):
        # Sign-in, sign-in failure and sign-out come to us as django.contrib.auth's signals.
        from geoportal.audit import admin_actions, signin  # noqa: F401

        # The admin's bulk deletions, which send no signal, are recorded by our own action.
        admin_actions.install()
