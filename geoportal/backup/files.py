"""The deployment's files: which folders a backup holds, their listing with hashes, and copying them.

Each folder is a named root (media, rasters, imports) so that a restore puts the files under the
restoring deployment's own settings, wherever those point. A root inside another (RASTER_ROOT under
MEDIA_ROOT by default) is left out of the outer one's listing, so no file is held twice."""
from __future__ import annotations

import hashlib
import os
import shutil
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from django.conf import settings

CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says what to do."""


@dataclass(frozen=True)
class FileEntry:
    root: str
    path: str  # POSIX, relative to the root
    size: int
    sha256: str


def file_roots() -> dict[str, Path]:
    """The folders of this deployment's files, by name, as the settings have them."""
    return {
        "media": Path(settings.MEDIA_ROOT),
        "rasters": Path(settings.RASTER_ROOT),
        "imports": Path(settings.IMPORT_WORK_DIR),
    }


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _nested_roots(roots: dict[str, Path]) -> dict[str, set[Path]]:
    resolved = {name: root.resolve() for name, root in roots.items()}
    return {name: {other for other_name, other in resolved.items()
                   if other_name != name and other != root and other.is_relative_to(root)}
            for name, root in resolved.items()}


def list_files(roots: dict[str, Path]) -> list[FileEntry]:
    """Every regular file under the roots (symbolic links are not followed), sorted, with its hash."""
    nested = _nested_roots(roots)
    entries = []
    for name, root in roots.items():
        base = root.resolve()
        if not base.is_dir():
            continue
        for folder, dirs, files in os.walk(base):
            here = Path(folder)
            dirs[:] = sorted(d for d in dirs if here / d not in nested[name] and not (here / d).is_symlink())
            for file_name in sorted(files):
                path = here / file_name
                if path.is_symlink() or not path.is_file():
                    continue
                entries.append(FileEntry(root=name, path=path.relative_to(base).as_posix(),
                                         size=path.stat().st_size, sha256=sha256_of(path)))
    return entries


def safe_target(root: Path, relative: str) -> Path:
    """`relative` under `root`; a manifest path leaving the root (absolute, ..) is refused."""
    pure = PurePosixPath(relative)
    if pure.is_absolute() or ".." in pure.parts or not pure.parts:
        raise BackupError(f"The manifest names a file outside its folder: {relative!r}. The backup is not usable.")
    return root.joinpath(*pure.parts)


def copy_file(source: Path, target: Path) -> None:
    """Copy through a temporary name in the target's folder, then rename: no half-written file remains."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial")
    shutil.copy2(source, partial)
    os.replace(partial, target)


def root_has_files(root: Path, nested: set[Path]) -> bool:
    if not root.is_dir():
        return False
    for folder, dirs, files in os.walk(root.resolve()):
        here = Path(folder)
        dirs[:] = [d for d in dirs if here / d not in nested]
        if files:
            return True
    return False


def occupied_roots(roots: dict[str, Path]) -> list[str]:
    """The roots that already hold files (a restore over them needs --force)."""
    nested = _nested_roots(roots)
    return [name for name, root in roots.items() if root_has_files(root, nested[name])]
