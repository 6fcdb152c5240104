"""`manage.py audit_verify`: recompute the audit chain; print every broken place with its position.
Exit code 0 when the chain is whole, 1 when not (for a cron job or a monitoring probe)."""
from django.core.management.base import BaseCommand

from geoportal.audit.chain import chain_head, chain_verify
from geoportal.audit.reads import audit_reads_drain


class Command(BaseCommand):
    help = "Verify the audit trail's hash chain; report edited, inserted or deleted entries."

    def add_arguments(self, parser):
        parser.add_argument("--no-drain", action="store_true",
                            help="Do not first append the reads still queued in Redis.")

    def handle(self, *args, no_drain=False, **options):
        if not no_drain:
            audit_reads_drain()
        checked, problems = chain_verify()
        head = chain_head()
        for problem in problems:
            self.stderr.write(f"BROKEN {problem}")
        summary = (f"{checked} entries checked, from #{head.anchor_seq + 1} to #{head.seq}; "
                   f"head hash {head.hash}")
        if problems:
            self.stderr.write(f"{len(problems)} problem(s); {summary}")
            raise SystemExit(1)
        self.stdout.write(f"chain whole: {summary}")
