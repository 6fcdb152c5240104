"""`manage.py backup [--to DIR]`: the database and the deployment's files into one folder."""
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from geoportal.backup.files import BackupError
from geoportal.backup.services import backup_create, default_backup_folder


class Command(BaseCommand):
    help = ("Back up the database (pg_dump, custom format) and the media, raster and import folders into a new "
            "folder with a manifest of sizes and SHA-256 hashes.")

    def add_arguments(self, parser):
        parser.add_argument("--to", type=Path, help="The new folder (default: BACKUP_DIR/geoportal-<UTC time>).")
        parser.add_argument("--database", default="default", help="The database alias (default: default).")

    def handle(self, *args, **options):
        target = options["to"] or default_backup_folder()
        try:
            manifest = backup_create(target=target, alias=options["database"])
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        files = manifest["files"]
        self.stdout.write(f"{target}: database {manifest['database']['size']} bytes, "
                          f"{len(files)} files {sum(f['size'] for f in files)} bytes")
