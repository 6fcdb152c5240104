"""GDAL kept inside the upload's folder and off the network.

GDAL 3.6 has no global switch that forbids file or network access, so we close each door it has:
- only the format's own driver may open a file: every other driver is listed in GDAL_SKIP for the
  child process (GDAL 3.6's ogr2ogr has no `-if`); VRT is never among the allowed ones;
- every HTTP(S) access goes to a dead proxy, /vsicurl/ accepts no extension, retries are off;
- GML never downloads schemas nor resolves xlinks; SQLite/GPKG never attach external files;
- children run with the upload folder as working directory and a scrubbed environment.
The same options are set in-process for GeoDjango's ctypes GDAL (see LayersIOConfig.ready).
"""
from __future__ import annotations

import ctypes
import json
import os
import re
import subprocess
from functools import lru_cache
from pathlib import Path

from django.conf import settings

from layers.io.errors import CorruptFile

DEAD_PROXY = "127.0.0.1:9"

SAFE_CONFIG = {
    "GDAL_HTTP_PROXY": DEAD_PROXY,
    "GDAL_HTTPS_PROXY": DEAD_PROXY,
    "GDAL_HTTP_TIMEOUT": "1",
    "GDAL_HTTP_CONNECTTIMEOUT": "1",
    "GDAL_HTTP_MAX_RETRY": "0",
    "GDAL_HTTP_UNSAFESSL": "NO",
    "CPL_VSIL_CURL_ALLOWED_EXTENSIONS": ".geoportal-network-disabled",
    "CPL_VSIL_CURL_USE_HEAD": "NO",
    "GDAL_DISABLE_READDIR_ON_OPEN": "EMPTY_DIR",
    "GDAL_ENABLE_DEPRECATED_DRIVER_OGR_VRT": "NO",
    "GML_SKIP_RESOLVE_ELEMS": "ALL",
    "GML_DOWNLOAD_WFS_SCHEMA": "NO",
    "OGR_SQLITE_ALLOW_EXTERNAL_ACCESS": "NO",
    "OGR_GEOJSON_MAX_OBJ_SIZE": "500",  # MB per JSON object; bounds memory on hostile files
    "LIBKML_RESOLVE_STYLE": "NO",
    "LIBKML_EXTERNAL_STYLE": "NO",
    "CPL_DEBUG": "OFF",
}

# Proxy variables libcurl honours; pointing them at nothing keeps any stray request local.
_PROXY_ENV = {"http_proxy": f"http://{DEAD_PROXY}", "https_proxy": f"http://{DEAD_PROXY}",
              "HTTP_PROXY": f"http://{DEAD_PROXY}", "HTTPS_PROXY": f"http://{DEAD_PROXY}",
              "ALL_PROXY": f"http://{DEAD_PROXY}", "NO_PROXY": "", "no_proxy": ""}

_KEEP_ENV = ("PATH", "LANG", "LC_ALL", "HOME", "TMPDIR", "PROJ_LIB", "PROJ_DATA", "GDAL_DATA")


NEVER_ALLOWED = {"VRT", "OGR_VRT", "HTTP", "WFS", "OAPIF", "WMS", "WMTS", "WCS"}


@lru_cache(maxsize=1)
def all_drivers() -> frozenset[str]:
    """Short names of every GDAL driver (raster and vector) this GDAL build has."""
    names = set()
    for tool in ("ogrinfo", "gdalinfo"):
        listing = subprocess.run([tool, "--formats"], capture_output=True, check=True, env=_base_env()).stdout
        names |= set(re.findall(r"^\s+(.+?) -(?:raster|vector)", listing.decode(), re.M))
    return frozenset(n.strip() for n in names)


def _base_env() -> dict[str, str]:
    env = {k: os.environ[k] for k in _KEEP_ENV if k in os.environ}
    env.setdefault("LC_ALL", "C.UTF-8")
    return env


def child_env(allowed_drivers: tuple[str, ...], extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment for a GDAL child process: scrubbed, safety options set, only `allowed_drivers`."""
    allowed = set(allowed_drivers) - NEVER_ALLOWED
    env = _base_env()
    env.update(_PROXY_ENV)
    env.update(SAFE_CONFIG)
    env["GDAL_SKIP"] = ",".join(sorted(all_drivers() - allowed))
    if extra:
        env.update(extra)
    return env


def configure_inprocess_gdal() -> None:
    """Set SAFE_CONFIG through CPLSetConfigOption in this process's GDAL (GeoDjango's ctypes)."""
    from django.contrib.gis.gdal.libgdal import lgdal

    setter = lgdal.CPLSetConfigOption
    setter.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
    setter.restype = None
    for key, value in SAFE_CONFIG.items():
        setter(key.encode(), value.encode())


def inprocess_config(key: str) -> str | None:
    from django.contrib.gis.gdal.libgdal import lgdal

    getter = lgdal.CPLGetConfigOption
    getter.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
    getter.restype = ctypes.c_char_p
    value = getter(key.encode(), None)
    return value.decode() if value is not None else None


_DESCRIBE = Path(__file__).with_name("gdal_describe.py")


def ogrinfo_json(path: Path, *, driver: str, open_options: dict[str, str] | None = None, timeout: int = 300) -> dict:
    """Layers, fields, counts and CRS of a file opened by exactly one driver, in a child process."""
    cmd = [settings.IMPORT_GDAL_PYTHON, str(_DESCRIBE), path.name, driver]
    cmd += [f"{key}={value}" for key, value in (open_options or {}).items()]
    result = subprocess.run(cmd, cwd=path.parent, env=child_env((driver,)), capture_output=True, timeout=timeout,
                            check=False)
    if result.returncode != 0:
        detail = [ln for ln in result.stderr.decode("utf-8", "replace").strip().splitlines() if ln.strip()]
        raise CorruptFile(f"The file could not be read as {driver}: {detail[-1] if detail else 'unknown error'}")
    try:
        return json.loads(result.stdout)
    except ValueError as exc:
        raise CorruptFile(f"The file could not be read as {driver}.") from exc
