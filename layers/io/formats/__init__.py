"""The import format registry: one reader per format, chosen by the upload's name and content.

`open_upload` turns an uploaded file into a checked `Source`: it unpacks zips safely, scans every
file for hostile content before GDAL sees it, finds the dataset, checks its magic bytes and
required parts, and works out encoding and columns.
"""
from __future__ import annotations

from pathlib import Path

from layers.io.archive import unpack_zip
from layers.io.errors import CorruptFile, HostileFile, MissingPart, UnsupportedFormat
from layers.io.formats.base import Reader, ReadOptions, Source
from layers.io.formats.csv import CSVReader
from layers.io.formats.shapefile import ShapefileReader
from layers.io.formats.vector import FlatGeobufReader, GeoJSONReader, GeoPackageReader, GMLReader, KMLReader
from layers.io.prescan import scan_upload

READERS: dict[str, Reader] = {r.name: r for r in (
    ShapefileReader(), GeoPackageReader(), GeoJSONReader(), KMLReader(), GMLReader(), FlatGeobufReader(),
    CSVReader(),
)}
ACCEPTED_EXTENSIONS = (".zip", ".kmz", *sorted({e for r in READERS.values() for e in r.extensions} - {".shp"}))

__all__ = ["READERS", "ACCEPTED_EXTENSIONS", "ReadOptions", "Source", "open_upload"]


def _reader_for_files(files: list[Path]) -> Reader:
    suffixes = {f.suffix.lower() for f in files}
    if ".shp" in suffixes or {".shx", ".dbf"} & suffixes:
        return READERS["shapefile"]
    for reader in READERS.values():
        if suffixes & set(reader.extensions):
            return reader
    raise UnsupportedFormat("The zip holds no file of a supported format (Shapefile, GeoPackage, GeoJSON, "
                            "KML, GML, FlatGeobuf, CSV).")


def open_upload(upload: Path, options: ReadOptions) -> Source:
    """Check the uploaded file (already in its private folder) and describe it for GDAL."""
    suffix = upload.suffix.lower()
    if suffix == ".vrt":
        raise HostileFile("VRT files are refused.")
    if suffix == ".shp":
        raise MissingPart("A Shapefile needs its .shx and .dbf: upload the files zipped together.")
    if upload.stat().st_size == 0:
        raise CorruptFile(f"{upload.name} is empty (0 bytes).")
    if suffix in (".zip", ".kmz"):
        target = upload.parent / "unpacked"
        target.mkdir()
        files = unpack_zip(upload, target)
        if not files:
            raise UnsupportedFormat("The zip archive is empty.")
        reader = READERS["kml"] if suffix == ".kmz" else _reader_for_files(files)
    else:
        files = [upload]
        reader = next((r for r in READERS.values() if suffix in r.extensions), None)
        if reader is None:
            raise UnsupportedFormat(
                f"Files of type {suffix or '(no extension)'} are not supported; upload one of: "
                f"{', '.join(ACCEPTED_EXTENSIONS)} (Shapefiles zipped).")
    scan_upload(files, xml=reader.xml, json=reader.json)
    path = reader.locate(files)
    reader.sniff(path)
    return reader.prepare(path, options)
