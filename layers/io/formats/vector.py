"""The single-file vector formats: GeoPackage, GeoJSON, KML/KMZ, GML and FlatGeobuf."""
from __future__ import annotations

from pathlib import Path

from layers.io.formats.base import Reader, ReadOptions, Source


class GeoPackageReader(Reader):
    name, label, driver = "gpkg", "GeoPackage", "GPKG"
    extensions = (".gpkg",)
    magic = (b"SQLite format 3\x00",)

    def prepare(self, path: Path, options: ReadOptions) -> Source:
        # The layer is chosen later from ogrinfo's list (several layers -> the user picks one).
        return self.plain_source(path, LIST_ALL_TABLES="NO")


class GeoJSONReader(Reader):
    name, label, driver = "geojson", "GeoJSON", "GeoJSON"
    extensions = (".geojson", ".json")
    magic = (b"{",)
    default_epsg = 4326
    json = True

    def prepare(self, path: Path, options: ReadOptions) -> Source:
        return self.plain_source(path)


class KMLReader(Reader):
    """KML (and KMZ, unpacked first), read by LIBKML for its ExtendedData fields. NetworkLinks and
    links to files/URLs are refused by the pre-scan; style resolution is off (gdalenv)."""

    name, label, driver = "kml", "KML", "LIBKML"
    extensions = (".kml",)
    magic = (b"<",)
    default_epsg = 4326
    xml = True

    def prepare(self, path: Path, options: ReadOptions) -> Source:
        return self.plain_source(path)


class GMLReader(Reader):
    name, label, driver = "gml", "GML", "GML"
    extensions = (".gml", ".xml")
    magic = (b"<",)
    xml = True

    def prepare(self, path: Path, options: ReadOptions) -> Source:
        return self.plain_source(path, DOWNLOAD_SCHEMA="NO")


class FlatGeobufReader(Reader):
    name, label, driver = "fgb", "FlatGeobuf", "FlatGeobuf"
    extensions = (".fgb",)
    magic = (b"fgb\x03",)

    def prepare(self, path: Path, options: ReadOptions) -> Source:
        return self.plain_source(path)
