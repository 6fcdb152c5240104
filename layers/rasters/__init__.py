"""Raster layers: one Cloud-Optimized GeoTIFF per layer (imagery, elevation, scanned maps)."""
