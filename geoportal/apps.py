from django.apps import AppConfig


class GeoportalConfig(AppConfig):
    """The project itself: system checks of its own settings (geoportal/checks.py,
    geoportal/security/checks.py)."""

    name = "geoportal"
    verbose_name = "Geoportal"

    def ready(self) -> None:
        from geoportal import checks  # noqa: F401  (registers the checks)
        from geoportal.security import checks as security_checks  # noqa: F401
