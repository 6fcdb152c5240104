from django.apps import AppConfig


class BackupConfig(AppConfig):
    name = "geoportal.backup"
    label = "backup"
    verbose_name = "Backup and restore"

    def ready(self):
        from geoportal.backup import checks  # noqa: F401  (registers the system checks)
