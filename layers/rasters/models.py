"""The image behind a raster layer: where its COG lies and what GDAL read of it."""
from __future__ import annotations

from django.contrib.gis.db import models


class RasterSource(models.Model):
    class Kind(models.TextChoices):
        IMAGERY = "imagery", "Imagery (8-bit RGB/RGBA)"
        ELEVATION = "elevation", "Elevation (16-bit or float, one band)"
        PALETTED = "paletted", "Paletted (scanned map)"

    layer = models.OneToOneField("layers.Layer", on_delete=models.CASCADE, related_name="raster")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    # Paths are relative to RASTER_ROOT (a setting), so the files can move with the setting.
    path = models.CharField(max_length=500, help_text="The Cloud-Optimized GeoTIFF, relative to RASTER_ROOT.")
    hillshade_path = models.CharField(max_length=500, blank=True,
                                      help_text="Elevation only: the hillshade COG made from it, "
                                                "relative to RASTER_ROOT.")
    source_name = models.CharField(max_length=255, help_text="The uploaded file's name.")
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    band_count = models.PositiveSmallIntegerField()
    data_type = models.CharField(max_length=16, help_text="GDAL data type of the bands: Byte, UInt16, Float32 …")
    nodata = models.FloatField(null=True, blank=True)
    srs_wkt = models.TextField(help_text="The COG's coordinate system (as uploaded: it is not reprojected).")
    epsg = models.PositiveIntegerField(null=True, blank=True)
    geotransform = models.JSONField(help_text="GDAL's six affine coefficients in the COG's CRS.")
    resolution = models.FloatField(help_text="Pixel size in the units of the COG's CRS.")
    native_extent = models.JSONField(help_text="[minx, miny, maxx, maxy] in the COG's CRS.")
    extent = models.PolygonField(srid=4326, help_text="The footprint in EPSG:4326.")
    value_range = models.JSONField(default=list, blank=True, help_text="Elevation: [min, max] of the valid pixels.")
    overview_count = models.PositiveSmallIntegerField(default=0)
    compression = models.CharField(max_length=16)
    size_bytes = models.BigIntegerField()
    sha256 = models.CharField(max_length=64)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.layer_id}: {self.path}"
