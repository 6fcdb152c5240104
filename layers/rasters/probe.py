"""Checking an uploaded GeoTIFF before anything is converted or written.

In order: the TIFF header is read by us (magic bytes, claimed size against RASTER_MAX_PIXELS) so
that GDAL never opens a non-TIFF or a header claiming billions of pixels; the whole file is scanned
for `/vsi…` paths and VRT documents (layers/io/prescan.py); then GDAL describes it in a child
process that may use the GTiff driver only (layers/io/gdalenv.py), and the description is checked:
no sidecar files, data not cut off, georeferenced, a CRS we support, a kind we know how to draw.
"""
from __future__ import annotations

import dataclasses
import json
import struct
import subprocess
from pathlib import Path

from django.conf import settings
from django.contrib.gis.gdal import SpatialReference
from django.contrib.gis.geos import Polygon

from layers.io.crs import epsg_from_wkt, supported_epsg
from layers.io.errors import CorruptFile, HostileFile, InvalidRequest, UnsupportedFormat
from layers.io.gdalenv import child_env
from layers.io.prescan import scan_upload

TIFF_EXTENSIONS = (".tif", ".tiff")
DRIVERS = ("GTiff",)
_SCRIPT = Path(__file__).with_name("gdal_inspect.py")
ELEVATION_TYPES = ("Int16", "UInt16", "Int32", "UInt32", "Float32", "Float64")


@dataclasses.dataclass
class RasterInfo:
    """What the checks found: the kind, and what RasterSource records of the upload."""

    kind: str
    width: int
    height: int
    band_count: int
    data_type: str
    nodata: float | None
    srs_wkt: str
    epsg: int
    geotransform: list[float]
    bounds_4326: list[float]
    has_alpha: bool


def _tiff_size(path: Path) -> tuple[int, int]:
    """(width, height) from the first IFD, read without GDAL; refuses what is not a TIFF."""
    with open(path, "rb") as handle:
        head = handle.read(16)
        order = {b"II": "<", b"MM": ">"}.get(head[:2])
        if order is None or len(head) < 8:
            raise UnsupportedFormat(f"{path.name} is not a GeoTIFF (its content is not a TIFF image).")
        version = struct.unpack(order + "H", head[2:4])[0]
        if version == 42:
            offset = struct.unpack(order + "I", head[4:8])[0]
            count_fmt, entry_fmt, entry_size, count_size = "H", "HHI4s", 12, 2
        elif version == 43:
            offset = struct.unpack(order + "Q", head[8:16])[0]
            count_fmt, entry_fmt, entry_size, count_size = "Q", "HHQ8s", 20, 8
        else:
            raise UnsupportedFormat(f"{path.name} is not a GeoTIFF (its content is not a TIFF image).")
        handle.seek(offset)
        raw = handle.read(count_size)
        if len(raw) < count_size:
            raise CorruptFile(f"{path.name} is truncated: its TIFF header points past the end of the file.")
        count = min(struct.unpack(order + count_fmt, raw)[0], 4096)
        entries = handle.read(count * entry_size)
    size = {}
    for i in range(len(entries) // entry_size):
        tag, kind, _, value = struct.unpack(order + entry_fmt, entries[i * entry_size:(i + 1) * entry_size])
        if tag in (256, 257):
            size[tag] = struct.unpack(order + ("H" if kind == 3 else "I"), value[:2 if kind == 3 else 4])[0]
    if 256 not in size or 257 not in size:
        raise CorruptFile(f"{path.name} is damaged: its TIFF header gives no image size.")
    return size[256], size[257]


def _check_size(path: Path) -> None:
    width, height = _tiff_size(path)
    limit = int(settings.RASTER_MAX_PIXELS)
    if width * height > limit:
        raise HostileFile(f"{path.name} claims {width} × {height} pixels; at most {limit:,} pixels are accepted "
                          "(RASTER_MAX_PIXELS). Split the image or lower its resolution.")
    if width == 0 or height == 0:
        raise CorruptFile(f"{path.name} has no pixels.")


def gdal_child(action: str, path: Path, *, timeout: int = 600):
    """Run gdal_inspect.py in the safe environment with the GTiff driver only."""
    result = subprocess.run([settings.IMPORT_GDAL_PYTHON, str(_SCRIPT), action, path.name], cwd=path.parent,
                            env=child_env(DRIVERS), capture_output=True, timeout=timeout, check=False)
    if result.returncode != 0:
        lines = [ln for ln in result.stderr.decode("utf-8", "replace").splitlines() if ln.strip()]
        raise CorruptFile(f"{path.name} could not be read as a GeoTIFF: {lines[-1] if lines else 'unknown error'}")
    return json.loads(result.stdout)


def _classify(described: dict, name: str) -> tuple[str, bool]:
    bands = described["bands"]
    types = {b["data_type"] for b in bands}
    if len(bands) in (3, 4) and types == {"Byte"}:
        return "imagery", len(bands) == 4
    if len(bands) == 1 and bands[0]["data_type"] == "Byte" and bands[0]["color_table"]:
        return "paletted", False
    if len(bands) == 1 and bands[0]["data_type"] in ELEVATION_TYPES:
        return "elevation", False
    shape = f"{len(bands)} band(s) of {'/'.join(sorted(types))}"
    raise UnsupportedFormat(
        f"{name} has {shape}: accepted are 8-bit RGB or RGBA imagery (3 or 4 Byte bands), one-band 16-bit or "
        "floating-point elevation, or a one-band Byte image with a colour table (a scanned map).")


def _epsg(described: dict, crs: int | None, name: str) -> tuple[int, str]:
    if crs is not None:
        return crs, SpatialReference(crs).wkt
    if not described["srs_wkt"]:
        raise InvalidRequest(f"{name} names no coordinate system; choose one (crs), e.g. EPSG:4490 or EPSG:4527.")
    code = epsg_from_wkt(described["srs_wkt"])
    if code is None or code not in supported_epsg():
        raise InvalidRequest(f"{name}'s coordinate system is not one we support (EPSG:4326, 4490, 3857 or a "
                             "Gauss-Krüger zone); reproject it, or name the right one (crs) if it is mislabelled.")
    return code, described["srs_wkt"]


def raster_inspect(path: Path, *, crs: int | None = None) -> RasterInfo:
    """Check one uploaded GeoTIFF in its private folder; raise IOFailure subclasses (4xx) when refused."""
    if path.stat().st_size == 0:
        raise CorruptFile(f"{path.name} is empty (0 bytes).")
    _check_size(path)
    scan_upload([path])
    described = gdal_child("describe", path)
    if described["driver"] != "GTiff" or len(described["files"]) != 1:
        raise HostileFile(f"{path.name} refers to other files ({', '.join(described['files'][1:])}); upload one "
                          "self-contained GeoTIFF.")
    ends = [b["last_block_end"] for b in described["bands"]]
    if max(ends, default=0) > described["file_size"]:
        raise CorruptFile(f"{path.name} is truncated: its image data ends at byte {max(ends):,} but the file has "
                          f"{described['file_size']:,} bytes. Upload the complete file.")
    if not described["has_geotransform"]:
        raise InvalidRequest(f"{path.name} is not georeferenced (no geotransform); a GeoTIFF is needed.")
    gt = described["geotransform"]
    if gt[2] or gt[4]:
        raise UnsupportedFormat(f"{path.name} is rotated; warp it to a north-up grid first (gdalwarp).")
    kind, alpha = _classify(described, path.name)
    epsg, wkt = _epsg(described, crs, path.name)
    bounds = described["bounds_4326"]
    if crs is not None or bounds is None:
        bounds = _bounds_in(epsg, described)
    return RasterInfo(kind=kind, width=described["width"], height=described["height"],
                      band_count=len(described["bands"]), data_type=described["bands"][0]["data_type"],
                      nodata=described["bands"][0]["nodata"], srs_wkt=wkt, epsg=epsg, geotransform=gt,
                      bounds_4326=bounds, has_alpha=alpha)


def _bounds_in(epsg: int, described: dict) -> list[float]:
    """The footprint in 4326 when the CRS was named by the request rather than the file."""
    gt, width, height = described["geotransform"], described["width"], described["height"]
    xs = (gt[0], gt[0] + gt[1] * width)
    ys = (gt[3], gt[3] + gt[5] * height)
    box = Polygon.from_bbox((min(xs), min(ys), max(xs), max(ys)))
    box.srid = epsg
    box.transform(4326)
    return list(box.extent)
