"""`manage.py restore DIR [--force]`: a backup folder into this deployment's (empty) database and folders."""
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from geoportal.backup.files import BackupError
from geoportal.backup.services import backup_restore, backup_verify


class Command(BaseCommand):
    help = ("Restore a folder made by `manage.py backup` into the database named by DATABASE_URL and the folders "
            "named by MEDIA_ROOT, RASTER_ROOT and IMPORT_WORK_DIR. Every hash is checked first; the database "
            "must be empty unless --force.")

    def add_arguments(self, parser):
        parser.add_argument("source", type=Path, help="The backup folder.")
        parser.add_argument("--force", action="store_true",
                            help="Replace the backup's objects in a non-empty database and overwrite its files.")
        parser.add_argument("--check", action="store_true", help="Only check the manifest's sizes and hashes.")
        parser.add_argument("--database", default="default", help="The database alias (default: default).")

    def handle(self, *args, **options):
        try:
            if options["check"]:
                manifest, entries = backup_verify(source=options["source"])
                self.stdout.write(f"{options['source']}: the database dump and {len(entries)} files match the "
                                  f"manifest of {manifest['created_at']}")
                return
            done = backup_restore(source=options["source"], alias=options["database"], force=options["force"])
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Restored the backup of {done['created_at']}: the database ({done['migrations']} "
                          f"migrations applied) and {done['files']} files ({done['bytes']} bytes). Run "
                          "`manage.py migrate` if this release is newer than the backup.")
