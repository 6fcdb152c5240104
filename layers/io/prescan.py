"""Inspect files before any GDAL driver opens them.

Refused, in any file of the upload: GDAL virtual-file paths (/vsicurl/, /vsizip/ …), VRT
documents, XML with a DOCTYPE or ENTITY declaration (external entities, billion laughs).
In XML formats also refused: links GDAL could follow — KML NetworkLinks, xlink:href and href
values that are URLs, absolute paths or `..` paths. (Plain namespace URIs and KML icon URLs are
inert: the KML driver never fetches them, and the network is closed to GDAL anyway.)
In GeoJSON, a linked CRS ("type": "link") is refused.
"""
from __future__ import annotations

import re
from pathlib import Path

from layers.io.errors import HostileFile

_CHUNK = 4 << 20
_OVERLAP = 4096

ANY_FILE = [
    (re.compile(rb"/vsi[a-z0-9_]*/?", re.I), "a GDAL virtual-file path (/vsi…)"),
    (re.compile(rb"<\s*OGRVRTDataSource|<\s*VRTDataset", re.I), "a VRT document"),
]
XML_RULES = [
    (re.compile(rb"<!\s*DOCTYPE", re.I), "an XML DOCTYPE declaration"),
    (re.compile(rb"<!\s*ENTITY", re.I), "an XML ENTITY declaration"),
    (re.compile(rb"<\s*(?:\w+:)?NetworkLink\b", re.I), "a KML NetworkLink"),
    (re.compile(rb"""href\s*=\s*["']\s*(?:[a-z][a-z0-9+.-]*:|/|\.\.)""", re.I), "a link to another file or URL"),
    (re.compile(rb"<\s*(?:\w+:)?href\s*>\s*(?:file:|/|\.\.|[a-z][a-z0-9+.-]*://(?![^<]*\.(?:png|jpe?g|gif|svg)\s*<))",
                re.I), "a link to another file or URL"),
    (re.compile(rb"xi:include|XInclude", re.I), "an XInclude"),
]
JSON_RULES = [
    (re.compile(rb'"crs"\s*:\s*\{\s*"type"\s*:\s*"link"', re.I), "a linked coordinate system"),
]


def scan_file(path: Path, rules: list) -> None:
    """Raise HostileFile if any rule matches anywhere in the file (streamed, chunk overlap kept)."""
    tail = b""
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            window = tail + chunk
            for pattern, what in rules:
                if pattern.search(window):
                    raise HostileFile(f"{path.name} contains {what}; such files are refused.")
            tail = window[-_OVERLAP:]


def scan_upload(files: list[Path], *, xml: bool = False, json: bool = False) -> None:
    rules = list(ANY_FILE) + (XML_RULES if xml else []) + (JSON_RULES if json else [])
    for path in files:
        if path.suffix.lower() == ".vrt":
            raise HostileFile(f"{path.name}: VRT files are refused.")
        scan_file(path, rules)
