"""Unpacking zip uploads (zipped Shapefiles, KMZ) without letting the archive escape or explode.

Refused: entries with absolute paths, drive letters or `..`; symlinks and other special files;
nested archives; more than IMPORT_MAX_ZIP_FILES entries; more than IMPORT_MAX_UNPACKED_BYTES in
total; any entry whose compression ratio exceeds IMPORT_MAX_ZIP_RATIO. Sizes are counted on the
bytes actually inflated, not on the sizes the archive claims.
"""
from __future__ import annotations

import stat
import zipfile
from pathlib import Path, PurePosixPath

from django.conf import settings

from layers.io.errors import CorruptFile, HostileFile

NESTED_ARCHIVES = (".zip", ".kmz", ".gz", ".tgz", ".tar", ".7z", ".rar", ".bz2", ".xz", ".zst", ".shz")
_CHUNK = 1 << 20


def _safe_member_path(name: str) -> PurePosixPath:
    if "\\" in name or name.startswith("/") or (len(name) > 1 and name[1] == ":") or "\x00" in name:
        raise HostileFile(f"The archive entry {name!r} has an absolute path; refused.")
    path = PurePosixPath(name)
    if any(part == ".." for part in path.parts):
        raise HostileFile(f"The archive entry {name!r} points outside the archive (..); refused.")
    return path


def unpack_zip(archive: Path, target: Path) -> list[Path]:
    """Extract `archive` into `target` (which must exist); return the extracted files."""
    max_files = int(settings.IMPORT_MAX_ZIP_FILES)
    max_total = int(settings.IMPORT_MAX_UNPACKED_BYTES)
    max_ratio = float(settings.IMPORT_MAX_ZIP_RATIO)
    try:
        bundle = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError) as exc:
        raise CorruptFile("The zip archive is damaged or not a zip file.") from exc
    extracted: list[Path] = []
    with bundle:
        members = bundle.infolist()
        if len(members) > max_files:
            raise HostileFile(f"The archive holds {len(members)} entries; at most {max_files} are allowed.")
        total = 0
        root = target.resolve()
        for info in members:
            rel = _safe_member_path(info.filename)
            file_type = stat.S_IFMT(info.external_attr >> 16)  # 0 when the archiver recorded none
            if file_type not in (0, stat.S_IFREG, stat.S_IFDIR):
                raise HostileFile(f"The archive entry {info.filename!r} is a link or special file; refused.")
            if info.is_dir():
                continue
            if rel.name.lower().endswith(NESTED_ARCHIVES):
                raise HostileFile(f"The archive holds another archive ({rel.name}); unpack it first.")
            if info.flag_bits & 0x1:
                raise CorruptFile("Encrypted archives are not supported.")
            dest = (root / Path(*rel.parts)).resolve()
            if root not in dest.parents:
                raise HostileFile(f"The archive entry {info.filename!r} points outside the archive; refused.")
            dest.parent.mkdir(parents=True, exist_ok=True)
            written = 0
            try:
                with bundle.open(info) as src, open(dest, "xb") as out:
                    while chunk := src.read(_CHUNK):
                        written += len(chunk)
                        total += len(chunk)
                        if total > max_total:
                            raise HostileFile(
                                f"The archive unpacks to more than {max_total // (1024 * 1024)} MB; refused.")
                        if written > 1_000_000 and written > max_ratio * max(info.compress_size, 1):
                            raise HostileFile(
                                f"The entry {rel.name} expands more than {max_ratio:.0f}-fold (a zip bomb?); refused.")
                        out.write(chunk)
            except FileExistsError as exc:
                raise HostileFile(f"The archive holds {rel.name} twice; refused.") from exc
            except (zipfile.BadZipFile, EOFError, zipfile.LargeZipFile) as exc:
                raise CorruptFile(f"The archive entry {rel.name} is damaged or truncated.") from exc
            extracted.append(dest)
    return extracted
