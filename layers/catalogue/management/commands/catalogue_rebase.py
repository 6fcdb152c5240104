"""`manage.py catalogue_rebase`: rewrite the stored ISO 19139 documents after CATALOGUE_SITE_URL changed
(the worker also does it within the hour)."""
from django.core.management.base import BaseCommand

from layers.catalogue.services import records_rebase


class Command(BaseCommand):
    help = "Rewrite the catalogue's stored ISO 19139 documents under the current CATALOGUE_SITE_URL."

    def handle(self, *args, **options):
        self.stdout.write(f"{records_rebase()} record(s) rewritten")
