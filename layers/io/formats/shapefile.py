"""Zipped ESRI Shapefiles: .shp + .shx + .dbf required, .prj and .cpg honoured.

Encoding: a user override wins; else the .cpg; else the DBF is decoded strictly as UTF-8 and,
failing that, read as GB18030 (desktop GIS in China writes GBK without a .cpg).
"""
from __future__ import annotations

import struct
from pathlib import Path

from layers.io.errors import CorruptFile, InvalidRequest, MissingPart, UnsupportedFormat
from layers.io.formats.base import Reader, ReadOptions, Source, detect_encoding, normalise_encoding


class ShapefileReader(Reader):
    name, label, driver = "shapefile", "Shapefile", "ESRI Shapefile"
    extensions = (".shp",)

    def locate(self, files: list[Path]) -> Path:
        shps = [f for f in files if f.suffix.lower() == ".shp"]
        if not shps:
            raise UnsupportedFormat("No .shp file found in the zip.")
        if len(shps) > 1:
            raise InvalidRequest(f"The zip holds {len(shps)} Shapefiles; upload one per zip.")
        shp = shps[0]
        siblings = {f.suffix.lower(): f for f in files if f.parent == shp.parent and f.stem.lower() == shp.stem.lower()}
        missing = [ext for ext in (".shx", ".dbf") if ext not in siblings]
        if missing:
            raise MissingPart(f"The Shapefile {shp.stem} lacks its {' and '.join(missing)} file; "
                              "zip the .shp, .shx, .dbf (and .prj, .cpg) together.")
        return shp

    def sniff(self, path: Path) -> None:
        super().sniff(path)
        with open(path, "rb") as handle:
            header = handle.read(100)
        if len(header) < 100 or struct.unpack(">i", header[:4])[0] != 9994:
            raise CorruptFile(f"{path.name} is not a valid .shp file (bad header).")
        declared = struct.unpack(">i", header[24:28])[0] * 2
        if declared > path.stat().st_size:
            raise CorruptFile(f"{path.name} is truncated ({path.stat().st_size} of {declared} bytes).")

    def prepare(self, path: Path, options: ReadOptions) -> Source:
        siblings = {f.suffix.lower(): f for f in path.parent.iterdir() if f.stem.lower() == path.stem.lower()}
        dbf = siblings[".dbf"]
        override = normalise_encoding(options.encoding)
        detected: dict = {}
        open_options: dict[str, str] = {}
        if override:
            encoding = override
            detected["encoding_source"] = "override"
        elif ".cpg" in siblings:
            cpg = siblings[".cpg"].read_text("ascii", "replace").strip()
            encoding = normalise_encoding(cpg) if cpg.upper().replace("_", "-") in (
                "UTF-8", "UTF8", "GBK", "GB2312", "CP936", "936", "GB18030") else None
            detected["encoding_source"] = "cpg"
            encoding = encoding or cpg
        else:
            with open(dbf, "rb") as handle:
                head = handle.read(12)
            if len(head) < 12:
                raise CorruptFile(f"{dbf.name} is truncated.")
            header_length = struct.unpack("<H", head[8:10])[0]
            encoding = detect_encoding(dbf, offset=header_length)
            detected["encoding_source"] = "detected"
        open_options["ENCODING"] = encoding
        detected["encoding"] = encoding
        return Source(format=self.name, path=path, driver=self.driver, open_options=open_options,
                      encoding=encoding, detected=detected)
