"""The reader contract every import format implements, and what reading an upload produces.

A reader knows its format's file names and magic bytes, the single GDAL driver allowed to open
it, its sidecar files, and the open options (encoding, CSV columns, layer) GDAL needs.
"""
from __future__ import annotations

import codecs
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path

from layers.io.errors import CorruptFile, InvalidRequest, UnsupportedFormat

ENCODINGS = {"UTF-8": "UTF-8", "UTF8": "UTF-8", "GBK": "GBK", "GB2312": "GBK", "CP936": "GBK", "936": "GBK",
             "GB18030": "GB18030"}


def normalise_encoding(raw: str | None) -> str | None:
    if raw is None or not str(raw).strip():
        return None
    key = str(raw).strip().upper().replace("_", "-")
    if key not in ENCODINGS:
        raise InvalidRequest(f"Unsupported text encoding {raw!r}: use UTF-8, GBK or GB18030.")
    return ENCODINGS[key]


def detect_encoding(path: Path, *, offset: int = 0, limit: int = 8 << 20) -> str:
    """UTF-8 if the bytes decode strictly as UTF-8, else GB18030 (a superset of GBK/GB2312)."""
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    with open(path, "rb") as handle:
        handle.seek(offset)
        data = handle.read(limit)
    try:
        decoder.decode(data, final=len(data) < limit)
    except UnicodeDecodeError:
        return "GB18030"
    return "UTF-8"


@dataclass
class ReadOptions:
    """What the user told us about the file (all optional)."""

    encoding: str | None = None
    source_layer: str | None = None
    x_field: str | None = None
    y_field: str | None = None
    wkt_field: str | None = None


@dataclass
class Source:
    """An upload unpacked, checked and ready for GDAL."""

    format: str
    path: Path
    driver: str
    open_options: dict[str, str] = field(default_factory=dict)
    encoding: str | None = None
    default_epsg: int | None = None
    detected: dict = field(default_factory=dict)


class Reader(ABC):
    name: str = ""
    label: str = ""
    extensions: tuple[str, ...] = ()
    driver: str = ""
    magic: tuple[bytes, ...] = ()
    default_epsg: int | None = None  # the CRS the format implies when the file names none
    xml: bool = False
    json: bool = False

    def locate(self, files: list[Path]) -> Path:
        """The dataset file among the upload's files."""
        matches = [f for f in files if f.suffix.lower() in self.extensions]
        if not matches:
            raise UnsupportedFormat(f"No {self.label} file found in the upload.")
        if len(matches) > 1:
            raise InvalidRequest(f"The upload holds {len(matches)} {self.label} files; upload one at a time.")
        return matches[0]

    def sniff(self, path: Path) -> None:
        """Refuse empty files and files whose first bytes do not match the format."""
        size = path.stat().st_size
        if size == 0:
            raise CorruptFile(f"{path.name} is empty (0 bytes).")
        if not self.magic:
            return
        with open(path, "rb") as handle:
            head = handle.read(64)
        if not any(head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(m) for m in self.magic):
            raise UnsupportedFormat(f"{path.name} is not a {self.label} file (its content does not match).")

    @abstractmethod
    def prepare(self, path: Path, options: ReadOptions) -> Source:
        """Open options, encoding and detection results for this file."""

    def plain_source(self, path: Path, **open_options: str) -> Source:
        return Source(format=self.name, path=path, driver=self.driver, open_options=dict(open_options),
                      default_epsg=self.default_epsg)
