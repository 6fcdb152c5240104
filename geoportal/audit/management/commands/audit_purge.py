"""`manage.py audit_purge`: remove audit entries older than AUDIT_RETENTION_DAYS (an anchor keeps
the rest verifiable). Periodic jobs or cron run it daily."""
from django.core.management.base import BaseCommand

from geoportal.audit.recorder import console_scope
from geoportal.audit.retention import audit_purge


class Command(BaseCommand):
    help = "Remove audit entries past the retention period."

    def handle(self, *args, **options):
        with console_scope("audit_purge"):
            removed = audit_purge()
        self.stdout.write(f"{removed} entries removed")
