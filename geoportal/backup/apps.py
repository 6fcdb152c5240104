from django.apps import AppConfig


class BackupConfig(AppConfig):
    name = "geoportal.backup"
    label = "backup"
    verbose_name = "Backup and restore"
