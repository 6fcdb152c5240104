"""The catalogue record of a layer: the metadata the layer itself does not hold.

Title, abstract, licence, department, extent and feature count live on the layer and are read
from there (one source of truth); this record adds the ISO 19115 elements, the data dictionary
and the dates of the data's first and last edit, kept fresh by layers/catalogue/freshness.py."""
from django.contrib.postgres.fields import ArrayField
from django.core.validators import RegexValidator
from django.db import models

from layers.catalogue.codes import REVIEW_NUMBER_PATTERN, MaintenanceFrequency, TopicCategory
from layers.models import Layer


class CatalogueRecord(models.Model):
    layer = models.OneToOneField(Layer, on_delete=models.CASCADE, primary_key=True, related_name="catalogue_record")
    keywords = ArrayField(models.CharField(max_length=60), default=list, blank=True)
    topic_category = models.CharField(max_length=40, choices=TopicCategory.choices, default=TopicCategory.LOCATION)
    contact_name = models.CharField(max_length=120, blank=True)
    contact_email = models.EmailField(blank=True)
    contact_phone = models.CharField(max_length=40, blank=True)
    maintenance_frequency = models.CharField(max_length=16, choices=MaintenanceFrequency.choices,
                                             default=MaintenanceFrequency.AS_NEEDED)
    lineage = models.TextField(blank=True)
    temporal_begin = models.DateField(null=True, blank=True)
    temporal_end = models.DateField(null=True, blank=True)
    review_number = models.CharField(
        max_length=40, blank=True, verbose_name="审图号 / Map review number",
        validators=[RegexValidator(REVIEW_NUMBER_PATTERN, "审图号格式如 GS(2024)1234号 / Format: GS(2024)1234号")],
    )
    field_descriptions = models.JSONField(default=dict, blank=True,
                                          help_text="Field name -> {zh, en} description (the data dictionary).")
    hidden = models.BooleanField(default=False, help_text="Show the record only to those who may see the data.")
    data_first_edit_at = models.DateTimeField(null=True, blank=True, editable=False)
    data_last_edit_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Written by record_refresh: what search compares (normalised text, pinyin) and the ISO 19139
    # document the CSW server returns as the record's full form.
    search_text = models.TextField(blank=True, editable=False)
    search_pinyin = models.TextField(blank=True, editable=False)
    iso_xml = models.TextField(blank=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(temporal_begin__isnull=True) | models.Q(temporal_end__isnull=True)
                | models.Q(temporal_begin__lte=models.F("temporal_end")),
                name="catalogue_temporal_order",
            ),
        ]

    def __str__(self) -> str:
        return f"record of {self.layer_id}"

    @property
    def modified_at(self):
        """When the record or its data last changed."""
        return max(filter(None, [self.updated_at, self.data_last_edit_at, self.layer.updated_at]))
