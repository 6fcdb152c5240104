"""Making a backup folder and restoring one (docs/backup.md).

A backup is written into `<folder>.partial` and renamed when its manifest is complete, so a folder
without that suffix is always a whole backup. The database is dumped first, then the files are
copied: a file written while the backup runs is at worst an extra file, never a row without its file
(photos and rasters reach the disk before their row commits).

A restore checks everything before it changes anything: the manifest's format, every size and
hash, that this code knows the backup's migrations, that the database and folders are empty (unless
forced). Then the database is restored in one transaction, then the files."""
from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import redis
from django.conf import settings

from geoportal.backup.database import (
    application_relations,
    database_dump,
    database_facts,
    database_restore,
    extensions_create,
    unknown_migrations,
)
from geoportal.backup.files import (
    BackupError,
    FileEntry,
    copy_file,
    file_roots,
    list_files,
    occupied_roots,
    safe_target,
    sha256_of,
)
from layers.tiles.cache import tile_cache

FORMAT = "geoportal-backup/1"
MANIFEST = "manifest.json"
DUMP = "database.dump"
FILES = "files"


def default_backup_folder() -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return Path(settings.BACKUP_DIR) / f"geoportal-{stamp}"


def backup_create(*, target: Path, alias: str = "default") -> dict:
    """Write a whole backup to `target` (which must not exist) and return its manifest."""
    target = Path(target)
    if target.exists():
        raise BackupError(f"{target} already exists; name a new folder with --to.")
    partial = target.with_name(target.name + ".partial")
    if partial.exists():
        shutil.rmtree(partial)
    partial.mkdir(parents=True)
    facts = database_facts(alias=alias)
    database_dump(alias=alias, target=partial / DUMP)
    roots = file_roots()
    entries = list_files(roots)
    for entry in entries:
        copy_file(roots[entry.root].resolve() / entry.path, partial / FILES / entry.root / entry.path)
    dump = partial / DUMP
    manifest = {
        "format": FORMAT,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "database": {"file": DUMP, "size": dump.stat().st_size, "sha256": sha256_of(dump), **facts},
        "roots": {name: str(root) for name, root in roots.items()},
        "files": [entry.__dict__ for entry in entries],
    }
    (partial / MANIFEST).write_text(json.dumps(manifest, indent=1, ensure_ascii=False))
    partial.rename(target)
    return manifest


def _read_manifest(source: Path) -> dict:
    path = source / MANIFEST
    if not path.is_file():
        raise BackupError(f"{source} holds no {MANIFEST}: not a backup, or an unfinished one.")
    try:
        manifest = json.loads(path.read_text())
    except ValueError as exc:
        raise BackupError(f"{path} is not valid JSON ({exc}).") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{path} is not a {FORMAT} manifest.")
    return manifest


def _check(path: Path, *, size: int, sha256: str) -> None:
    if not path.is_file():
        raise BackupError(f"{path} is missing from the backup.")
    if path.stat().st_size != size or sha256_of(path) != sha256:
        raise BackupError(f"{path} does not match the manifest (size or SHA-256): the backup is damaged.")


def backup_verify(*, source: Path) -> tuple[dict, list[FileEntry]]:
    """The manifest and its files, every size and hash checked."""
    source = Path(source)
    manifest = _read_manifest(source)
    database = manifest["database"]
    _check(source / DUMP, size=database["size"], sha256=database["sha256"])
    entries = [FileEntry(**item) for item in manifest["files"]]
    for entry in entries:
        if entry.root not in file_roots():
            raise BackupError(f"The manifest names an unknown folder {entry.root!r}.")
        _check(safe_target(source / FILES / entry.root, entry.path), size=entry.size, sha256=entry.sha256)
    return manifest, entries


def backup_restore(*, source: Path, alias: str = "default", force: bool = False) -> dict:
    """Restore the backup at `source` into this deployment's database and folders."""
    source = Path(source)
    manifest, entries = backup_verify(source=source)
    newer = unknown_migrations(manifest["database"]["migrations"])
    if newer:
        raise BackupError(f"The backup was made by a newer release (migrations unknown here: {', '.join(newer[:5])}). "
                          "Restore it with the release that made it.")
    roots = file_roots()
    if not force:
        relations = application_relations(alias=alias)
        if relations:
            raise BackupError(f"The database is not empty ({relations} tables, views or sequences). Restore into "
                              "an empty database, or pass --force to replace what the backup holds.")
        occupied = occupied_roots(roots)
        if occupied:
            raise BackupError(f"These folders already hold files: {', '.join(str(roots[n]) for n in occupied)}. "
                              "Restore into empty folders, or pass --force to overwrite the backup's files.")
    _tile_cache_clear()  # before: an unreachable cache stops the restore while nothing has changed
    extensions_create(alias=alias, extensions=manifest["database"]["extensions"])
    database_restore(alias=alias, dump=source / DUMP, clean=force)
    for entry in entries:
        copy_file(source / FILES / entry.root / entry.path, safe_target(roots[entry.root], entry.path))
    _tile_cache_clear()
    return {"files": len(entries), "bytes": sum(entry.size for entry in entries),
            "created_at": manifest["created_at"], "migrations": len(manifest["database"]["migrations"])}


def _tile_cache_clear() -> None:
    """Tiles and fast-path publications cached from the database before the restore must go: a layer
    private in the backup could otherwise still be served from the cache."""
    cache = tile_cache()
    if cache is None:
        return
    try:
        cache.clear()
    except redis.RedisError as exc:
        raise BackupError(f"The tile cache at TILE_CACHE_URL cannot be cleared ({exc}); start Redis, or unset "
                          "TILE_CACHE_URL for the restore and clear the cache before serving.") from exc
