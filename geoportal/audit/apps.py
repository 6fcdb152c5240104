from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "geoportal.audit"
    label = "audit"
    verbose_name = "Audit trail"

    def ready(self):
        # Sign-in, sign-in failure and sign-out come to us as django.contrib.auth's signals.
        from geoportal.audit import signin  # noqa: F401
