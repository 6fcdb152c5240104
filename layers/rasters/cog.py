"""Converting a checked GeoTIFF to a Cloud-Optimized GeoTIFF (and a hillshade for elevation).

GDAL's COG driver writes internal 256-pixel tiles (the size of a map tile, so one tile read
decodes few blocks) and overviews down to one block. Compression by kind: JPEG for RGB imagery,
WEBP when there is transparency (an alpha band, or nodata turned into one), DEFLATE with a
predictor for elevation (lossless: values are measurements), DEFLATE for paletted maps (their
overviews are resampled NEAREST by the driver, so no colour is invented). Nodata is kept.
The tools run as child processes in the safe GDAL environment (layers/io/gdalenv.py).
"""
from __future__ import annotations

import subprocess
from pathlib import Path

from django.contrib.gis.gdal import SpatialReference

from layers.io.errors import CorruptFile
from layers.io.gdalenv import child_env
from layers.rasters.probe import RasterInfo

TOOL_DRIVERS = ("GTiff", "COG", "MEM")
_COMMON = ["-co", "BLOCKSIZE=256", "-co", "NUM_THREADS=2", "-co", "BIGTIFF=IF_SAFER"]
# gdaldem's scale for geographic CRSs: metres per degree (of latitude).
_METRES_PER_DEGREE = "111120"


def compression_for(info: RasterInfo) -> str:
    if info.kind == "imagery":
        return "WEBP" if info.has_alpha or info.nodata is not None else "JPEG"
    return "DEFLATE"


def _run(cmd: list[str], cwd: Path, timeout: int = 6 * 3600) -> None:
    result = subprocess.run(cmd, cwd=cwd, env=child_env(TOOL_DRIVERS), capture_output=True, timeout=timeout,
                            check=False)
    if result.returncode != 0:
        lines = [ln for ln in result.stderr.decode("utf-8", "replace").splitlines() if ln.strip()]
        raise CorruptFile(f"The GeoTIFF could not be converted: {lines[-1] if lines else 'unknown error'}. "
                          "It may be damaged or truncated.")


def cog_create(*, source: Path, target: Path, info: RasterInfo) -> str:
    """Write the COG; returns its compression."""
    compression = compression_for(info)
    srs = ["-a_srs", f"EPSG:{info.epsg}"]
    options = [*_COMMON, "-co", f"COMPRESS={compression}"]
    if compression in ("JPEG", "WEBP"):
        options += ["-co", "QUALITY=85"]
    elif info.kind == "elevation":
        options += ["-co", "PREDICTOR=YES"]
    if info.kind == "imagery" and not info.has_alpha and info.nodata is not None:
        # Three bands with a nodata value: nodata becomes an alpha band (lossy WEBP would blur the value).
        epsg = f"EPSG:{info.epsg}"
        cmd = ["gdalwarp", "-q", "-of", "COG", "-dstalpha", "-s_srs", epsg, "-t_srs", epsg, *options, source.name,
               str(target)]
    else:
        cmd = ["gdal_translate", "-q", "-of", "COG", *srs, *options, source.name, str(target)]
    _run(cmd, source.parent)
    return compression


def hillshade_create(*, cog: Path, target: Path, epsg: int) -> None:
    """A Byte hillshade COG of an elevation COG (multidirectional, the same grid)."""
    scale = ["-s", _METRES_PER_DEGREE] if SpatialReference(epsg).geographic else []
    _run(["gdaldem", "hillshade", "-q", "-multidirectional", "-compute_edges", *scale, "-of", "COG",
          *_COMMON, "-co", "COMPRESS=DEFLATE", cog.name, str(target)], cog.parent)
