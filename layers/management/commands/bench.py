"""`make bench`: measure the platform against the raw database statements it runs.

Each capability keeps its benchmark next to its code, as a module with
`run(*, layer, stdout, options)`; this command builds the shared benchmark layer and runs them.
"""
import importlib

from django.core.management.base import BaseCommand
from django.db import connection

from fixtures.benchmark import ensure_benchmark_layer

SECTIONS = {
    # name: module with run(*, layer, stdout, options). Readers first, then the sections that
    # write (a search reindex, an import of 300,000 rows), whose dead rows and autovacuum would
    # otherwise slow the readers measured after them.
    "tiles": "layers.tiles.bench",
    "rasters": "layers.rasters.bench",
    "wms": "layers.maps.bench",
    "wmts": "layers.wmts.bench",
    "print": "layers.printing.bench",
    "items": "layers.ogcapi.bench",
    "history": "layers.history.bench",
    "feed": "layers.changes.bench",
    "webhooks": "layers.changes.webhook_bench",
    "search": "layers.search.bench",
    "import": "layers.io.bench",
}
# Vacuumed and analysed before the sections run: dead rows left by earlier runs (imports that
# were deleted, rolled-back writes) would otherwise be read by every index scan until autovacuum
# comes by, and make one run's figures depend on the last one's.
SETTLED_TABLES = ["layers_feature", "search_searchentry", "layers_layer", "history_featureversion"]


class Command(BaseCommand):
    help = "Benchmarks (tiles, items, search, import/export) with ratios against the raw SQL."

    def add_arguments(self, parser):
        parser.add_argument("--only", default="", help="Comma-separated sections: " + ", ".join(SECTIONS))

    def handle(self, *args, **options):
        wanted = [s for s in options["only"].split(",") if s] or list(SECTIONS)
        unknown = set(wanted) - set(SECTIONS)
        if unknown:
            self.stderr.write(f"Unknown sections: {', '.join(sorted(unknown))}; choose from {', '.join(SECTIONS)}")
            raise SystemExit(2)
        layer = ensure_benchmark_layer(stdout=self.stdout)
        with connection.cursor() as cursor:
            for table in SETTLED_TABLES:
                cursor.execute(f"VACUUM (ANALYZE) {table}")  # our own table names
        for name in wanted:
            self.stdout.write(self.style.MIGRATE_HEADING(f"== {name} =="))
            importlib.import_module(SECTIONS[name]).run(layer=layer, stdout=self.stdout, options=options)
