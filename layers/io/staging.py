"""Reading a checked upload with GDAL: describe it (ogrinfo -json), then copy it with ogr2ogr
straight into a private staging table in PostGIS, reprojected to EPSG:4326 by PROJ.

The staging table is UNLOGGED and unindexed (it lives for one import), its FID column `ogc_fid`
numbers the source rows from 1 in reading order — the row numbers every report uses.
"""
from __future__ import annotations

import os
import re
import select
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection

from layers.io.crs import GCJ02, epsg_from_wkt
from layers.io.errors import Cancelled, CorruptFile, InvalidRequest
from layers.io.formats import Source
from layers.io.gdalenv import child_env, ogrinfo_json

STAGING_PREFIX = "layers_io_stage_"


@dataclass
class Described:
    """What ogrinfo found in the chosen layer of the source."""

    layer: str
    layers: list[str]
    feature_count: int | None
    geometry_type: str
    fields: list[dict] = field(default_factory=list)  # {"name", "type", "subtype"}
    file_epsg: int | None = None
    file_crs_wkt: str | None = None

    def as_dict(self) -> dict:
        return {"layer": self.layer, "layers": self.layers, "feature_count": self.feature_count,
                "geometry_type": self.geometry_type, "fields": self.fields, "file_epsg": self.file_epsg,
                "file_crs": bool(self.file_crs_wkt)}


def describe(source: Source, *, source_layer: str | None = None) -> Described:
    info = ogrinfo_json(source.path, driver=source.driver, open_options=source.open_options)
    layers = info.get("layers") or []
    if not layers:
        raise CorruptFile(f"{source.path.name} holds no vector layer.")
    names = [lyr["name"] for lyr in layers]
    if source_layer:
        if source_layer not in names:
            raise InvalidRequest(f"The file has no layer {source_layer!r}; its layers are: {', '.join(names)}.",
                                 rows=[{"layers": names}])
        chosen = layers[names.index(source_layer)]
    else:
        with_features = [lyr for lyr in layers if lyr.get("featureCount", 1) != 0] or layers
        if len(with_features) > 1:
            raise InvalidRequest(f"The file holds {len(with_features)} layers; choose one (source_layer): "
                                 f"{', '.join(lyr['name'] for lyr in with_features)}.",
                                 rows=[{"layers": [lyr["name"] for lyr in with_features]}])
        chosen = with_features[0]
    geom_fields = chosen.get("geometryFields") or []
    if not geom_fields:
        raise InvalidRequest(f"The layer {chosen['name']!r} has no geometry.")
    wkt = (geom_fields[0].get("coordinateSystem") or {}).get("wkt") or None
    fields = [{"name": f["name"], "type": f.get("type", "String"), "subtype": f.get("subType", "")}
              for f in chosen.get("fields", [])]
    count = chosen.get("featureCount")
    return Described(layer=chosen["name"], layers=names, feature_count=count if count and count >= 0 else None,
                     geometry_type=geom_fields[0].get("type", "Unknown"), fields=fields,
                     file_epsg=epsg_from_wkt(wkt), file_crs_wkt=wkt)


def source_srs_args(source: Source, described: Described, crs_choice: int | str | None) -> list[str]:
    """-s_srs for ogr2ogr: the user's choice wins, then the file's own CRS, then the format's default."""
    if crs_choice == GCJ02:
        return ["-s_srs", "EPSG:4326"]  # staged as lon/lat, then shifted from GCJ-02 in load.py
    if crs_choice is not None:
        return ["-s_srs", f"EPSG:{crs_choice}"]
    if described.file_crs_wkt:
        return []
    if source.default_epsg:
        return ["-s_srs", f"EPSG:{source.default_epsg}"]
    raise InvalidRequest("The file names no coordinate system (no .prj); choose one with crs, "
                         "e.g. EPSG:4527 for CGCS2000 3-degree Gauss-Krüger zone 42.")


def pg_dsn() -> tuple[str, dict[str, str]]:
    """The PG: datasource for ogr2ogr and the environment carrying the password."""
    db = connection.settings_dict
    parts = [f"dbname='{db['NAME']}'"]
    if db.get("HOST"):
        parts.append(f"host='{db['HOST']}'")
    if db.get("PORT"):
        parts.append(f"port='{db['PORT']}'")
    if db.get("USER"):
        parts.append(f"user='{db['USER']}'")
    return "PG:" + " ".join(parts), {"PGPASSWORD": str(db.get("PASSWORD") or ""), "PGCONNECT_TIMEOUT": "10"}


def drop_staging(table: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f'DROP TABLE IF EXISTS "{table}"')  # table name is ours: STAGING_PREFIX + hex


def stage(*, source: Source, described: Described, table: str, srs_args: list[str],
          on_progress: Callable[[int], None], should_cancel: Callable[[], bool]) -> None:
    """ogr2ogr the chosen layer into `table` (4326, 2D, any geometry type), reporting percent done."""
    if not re.fullmatch(STAGING_PREFIX + r"[0-9a-f]{32}", table):
        raise ValueError("staging table names are generated, never taken from input")
    dsn, pg_env = pg_dsn()
    cmd = ["ogr2ogr", "-f", "PostgreSQL", dsn, source.path.name, described.layer,
           "-nln", table, "-overwrite", "-lco", "GEOMETRY_NAME=geom", "-lco", "FID=ogc_fid",
           "-lco", "SPATIAL_INDEX=NONE", "-lco", "UNLOGGED=ON", "-lco", "LAUNDER=NO", "-lco", "PRECISION=NO",
           "-nlt", "GEOMETRY", "-dim", "XY", "-mapFieldType", "String(JSON)=String", "-t_srs", "EPSG:4326",
           *srs_args, "-gt", "65536", "-progress",
           "--config", "PG_USE_COPY", "YES"]
    for key, value in source.open_options.items():
        cmd += ["-oo", f"{key}={value}"]
    errors_path = source.path.parent / "ogr2ogr.stderr"
    errors_file = open(errors_path, "wb")  # a file, not a pipe: thousands of warnings must not block GDAL
    proc = subprocess.Popen(cmd, cwd=source.path.parent, env=child_env((source.driver, "PostgreSQL"), pg_env),
                            stdout=subprocess.PIPE, stderr=errors_file)
    progress_text, last_check = b"", 0.0
    try:
        while True:
            ready, _, _ = select.select([proc.stdout], [], [], 0.5)
            if ready:
                chunk = os.read(proc.stdout.fileno(), 4096)
                if not chunk:
                    break
                progress_text += chunk
                numbers = re.findall(rb"(\d+)", progress_text[-64:])
                if numbers:
                    on_progress(min(int(numbers[-1]), 100))
            if time.monotonic() - last_check > 1.0:
                last_check = time.monotonic()
                if should_cancel():
                    proc.kill()
                    raise Cancelled("The import was cancelled; nothing was written.")
        status = proc.wait(timeout=settings.IMPORT_STAGE_TIMEOUT)
        errors_file.close()
        stderr = errors_path.read_text("utf-8", "replace")
        if status != 0:
            lines = [ln for ln in stderr.splitlines() if ln.startswith(("ERROR", "FAILURE"))]
            lines = lines or stderr.splitlines()
            raise CorruptFile("GDAL could not read the file: " + (lines[-1] if lines else "unknown error"))
    finally:
        errors_file.close()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
