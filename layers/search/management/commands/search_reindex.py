"""Rebuild the search index of one layer, or of every layer."""
from django.core.management.base import BaseCommand, CommandError

from layers.models import Layer
from layers.search.indexing import reindex_layer


class Command(BaseCommand):
    help = "Rebuild the search index for a layer (--layer SLUG) or for all layers (--all)."

    def add_arguments(self, parser):
        parser.add_argument("--layer", action="append", default=[], help="Layer slug; may be repeated.")
        parser.add_argument("--all", action="store_true", help="Every layer.")

    def handle(self, *args, **options):
        if options["all"]:
            layers = list(Layer.objects.order_by("slug"))
        elif options["layer"]:
            layers = list(Layer.objects.filter(slug__in=options["layer"]).order_by("slug"))
            missing = set(options["layer"]) - {layer.slug for layer in layers}
            if missing:
                raise CommandError(f"No such layer: {', '.join(sorted(missing))}")
        else:
            raise CommandError("Name a layer with --layer SLUG, or use --all.")
        for layer in layers:
            count = reindex_layer(layer=layer)
            self.stdout.write(f"{layer.slug}: {count} features indexed")
