"""`make bench`: measure the platform against the raw database statements it runs.

Each capability keeps its benchmark next to its code, as a module with
`run(*, layer, stdout, options)`; this command builds the shared benchmark layer and runs them.
"""
import importlib

from django.core.management.base import BaseCommand

from fixtures.benchmark import ensure_benchmark_layer

SECTIONS = {
    # name: module with run(*, layer, stdout, options)
    "history": "layers.history.bench",
    "tiles": "layers.tiles.bench",
    "import": "layers.io.bench",
    "items": "layers.ogcapi.bench",
    "search": "layers.search.bench",
}


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
        for name in wanted:
            self.stdout.write(self.style.MIGRATE_HEADING(f"== {name} =="))
            importlib.import_module(SECTIONS[name]).run(layer=layer, stdout=self.stdout, options=options)
