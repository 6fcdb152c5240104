"""CSV with longitude/latitude columns or a WKT column.

The columns are detected from the header (common English and Chinese names) and reported, so the
user can confirm or name others. Non-UTF-8 files (GBK/GB18030, detected or declared) are
transcoded to UTF-8 first, because GDAL's CSV driver reads UTF-8 only.
"""
from __future__ import annotations

import csv
import io
from pathlib import Path

from layers.io.errors import CorruptFile, InvalidRequest
from layers.io.formats.base import Reader, ReadOptions, Source, detect_encoding, normalise_encoding

X_NAMES = ("lon", "lng", "long", "longitude", "x", "经度", "东经", "x坐标", "point_x")
Y_NAMES = ("lat", "latitude", "y", "纬度", "北纬", "y坐标", "point_y")
WKT_NAMES = ("wkt", "geometry", "geom", "the_geom", "shape", "几何")


def _pick(header: list[str], wanted: str | None, candidates: tuple[str, ...]) -> str | None:
    if wanted:
        if wanted not in header:
            raise InvalidRequest(f"The CSV has no column {wanted!r}; its columns are: {', '.join(header)}.")
        return wanted
    lowered = {h.strip().lower(): h for h in header}
    for name in candidates:
        if name in lowered:
            return lowered[name]
    return None


class CSVReader(Reader):
    name, label, driver = "csv", "CSV", "CSV"
    extensions = (".csv",)
    default_epsg = 4326

    def prepare(self, path: Path, options: ReadOptions) -> Source:
        encoding = normalise_encoding(options.encoding) or detect_encoding(path)
        if encoding != "UTF-8":
            utf8 = path.with_name(path.stem + ".utf8.csv")
            try:
                with open(path, encoding=encoding, newline="") as src, open(utf8, "w", encoding="utf-8",
                                                                             newline="") as out:
                    while chunk := src.read(1 << 20):
                        out.write(chunk)
            except UnicodeDecodeError as exc:
                raise CorruptFile(f"The CSV is not valid {encoding} text; choose its encoding.") from exc
            path = utf8
        with open(path, encoding="utf-8-sig", newline="") as handle:
            try:
                header = next(csv.reader(io.StringIO(handle.readline())), [])
            except csv.Error as exc:
                raise CorruptFile(f"The CSV header cannot be read: {exc}") from exc
        header = [h.strip() for h in header]
        if not header or not any(header):
            raise CorruptFile("The CSV has no header row.")
        wkt = _pick(header, options.wkt_field, WKT_NAMES)
        x = _pick(header, options.x_field, X_NAMES)
        y = _pick(header, options.y_field, Y_NAMES)
        open_options = {"AUTODETECT_TYPE": "YES", "EMPTY_STRING_AS_NULL": "YES", "KEEP_GEOM_COLUMNS": "NO",
                        "HEADERS": "YES"}
        if options.wkt_field or (wkt and not (options.x_field or options.y_field)):
            open_options["GEOM_POSSIBLE_NAMES"] = wkt
            detected = {"geometry": "wkt", "wkt_field": wkt}
        elif x and y:
            open_options["X_POSSIBLE_NAMES"] = x
            open_options["Y_POSSIBLE_NAMES"] = y
            detected = {"geometry": "xy", "x_field": x, "y_field": y}
        else:
            raise InvalidRequest(
                "No coordinate columns found in the CSV: name the longitude and latitude columns (x_field, "
                f"y_field) or the WKT column (wkt_field). Columns: {', '.join(header)}.")
        detected.update({"encoding": encoding, "columns": header})
        return Source(format=self.name, path=path, driver=self.driver, open_options=open_options,
                      encoding=encoding, default_epsg=self.default_epsg, detected=detected)
