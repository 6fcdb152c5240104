"""System checks of the backup settings: a backup folder inside a folder that is backed up would
copy every earlier backup into each new one; a machine without PostgreSQL's client programs cannot
back up at all, which should be known before the night it is needed."""
import shutil
from pathlib import Path

from django.conf import settings
from django.core.checks import Error, Warning, register

from geoportal.backup.files import file_roots

CLIENT_PROGRAMS = ("pg_dump", "pg_restore")


@register()
def check_backup_settings(app_configs=None, **kwargs):
    problems = []
    backups = Path(settings.BACKUP_DIR).resolve()
    for name, root in file_roots().items():
        if backups.is_relative_to(root.resolve()):
            problems.append(Error(
                f"BACKUP_DIR ({backups}) is inside the {name} folder ({root}), which every backup copies: each "
                "backup would hold all the earlier ones.", hint="Put BACKUP_DIR outside MEDIA_ROOT, RASTER_ROOT "
                "and IMPORT_WORK_DIR, better on another disk.", id="backup.E001"))
    missing = [program for program in CLIENT_PROGRAMS if shutil.which(program) is None]
    if missing:
        problems.append(Warning(
            f"{' and '.join(missing)} not found on PATH: manage.py backup and restore cannot run.",
            hint="Install Debian's postgresql-client-15 (scripts/setup.sh and the Dockerfile do).", id="backup.W001"))
    return problems
