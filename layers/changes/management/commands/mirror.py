"""`manage.py mirror LAYER --to <GeoPackage path | postgis:// URL>`: keep a copy from the feed."""
import time

from django.core.management.base import BaseCommand, CommandError

from layers.changes.mirror import MirrorError, layer_mirror
from layers.models import Layer


class Command(BaseCommand):
    help = "Copy a layer into a GeoPackage or PostGIS database, then keep the copy current from its change feed."

    def add_arguments(self, parser):
        parser.add_argument("layer", help="The layer's slug")
        parser.add_argument("--to", required=True, help="A GeoPackage file, or postgis://user:pass@host:port/db")
        parser.add_argument("--name", default="", help="Table name in the target (default: the slug)")
        parser.add_argument("--follow", type=float, default=0,
                            help="Keep running, reading the feed every this many seconds")

    def handle(self, *args, **options):
        layer = Layer.objects.filter(slug=options["layer"], kind=Layer.Kind.VECTOR).first()
        if layer is None:
            raise CommandError(f"There is no vector layer {options['layer']!r}.")
        while True:
            try:
                result = layer_mirror(layer=layer, target=options["to"], name=options["name"])
            except MirrorError as exc:
                raise CommandError(str(exc)) from exc
            self.stdout.write(f"{layer.slug}: {result.copied} copied, {result.applied} changes applied, "
                              f"cursor {result.cursor}")
            if not options["follow"]:
                return
            time.sleep(options["follow"])
