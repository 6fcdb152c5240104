"""The search index: one row per searchable feature, written with the feature (layers/services.py).

Rows reference features with a database-level ON DELETE CASCADE (added in the migration), so a
deleted feature leaves the index in the same statement, whichever way it was deleted: the index
never shows deleted data. `layer` repeats the feature's layer for the permission filter; a layer's
features go before the layer can (their own foreign key), taking its rows with them."""
from django.contrib.gis.db import models
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex

from layers.models import Feature, Layer


class SearchEntry(models.Model):
    feature = models.OneToOneField(
        Feature, primary_key=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    layer = models.ForeignKey(Layer, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")
    name = models.TextField(help_text="Normalised display name.")
    text = models.TextField(help_text="Normalised name and searchable values, '|'-separated.")
    pinyin = models.TextField(blank=True, help_text="Full pinyin of the name, letters and digits only.")
    initials = models.TextField(blank=True, help_text="Pinyin initials of the name.")
    codes = ArrayField(models.TextField(), default=list, help_text="Whole searchable values, for exact codes.")
    bigrams = ArrayField(models.TextField(), default=list, help_text="Two-character substrings of the text.")
    fields = models.JSONField(default=dict, help_text="Normalised value of each searchable field.")
    point = models.PointField(srid=4326, help_text="A point on the feature, for spatial filters and boosts.")

    class Meta:
        indexes = [
            GinIndex(fields=["text"], name="search_text_trgm", opclasses=["gin_trgm_ops"]),
            GinIndex(fields=["pinyin"], name="search_pinyin_trgm", opclasses=["gin_trgm_ops"]),
            models.Index(fields=["name"], name="search_name_prefix", opclasses=["text_pattern_ops"]),
            models.Index(fields=["pinyin"], name="search_pinyin_prefix", opclasses=["text_pattern_ops"]),
            models.Index(fields=["initials"], name="search_initials_prefix", opclasses=["text_pattern_ops"]),
            GinIndex(fields=["codes"], name="search_codes"),
            GinIndex(fields=["bigrams"], name="search_bigrams"),
        ]
