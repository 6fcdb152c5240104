"""What `manage.py restore` refuses before it changes anything: a damaged or incomplete backup, a
manifest naming a file outside its folder, a backup of a newer release; and `backup` never writes
into an existing folder."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from layers.models import Layer


@pytest.fixture
def backup(db, settings, tmp_path, school_layer) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.RASTER_ROOT = tmp_path / "rasters"
    settings.IMPORT_WORK_DIR = str(tmp_path / "imports")
    photo = settings.MEDIA_ROOT / "annotations" / "photos" / "p.jpg"
    photo.parent.mkdir(parents=True)
    photo.write_bytes(b"\xff\xd8 a photo \xff\xd9")
    target = tmp_path / "backup"
    call_command("backup", "--to", str(target))
    return target


def edit_manifest(backup: Path, change) -> None:
    path = backup / "manifest.json"
    manifest = json.loads(path.read_text())
    change(manifest)
    path.write_text(json.dumps(manifest))


def layer_count() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM layers_layer")
        return cursor.fetchone()[0]


def test_a_whole_backup_passes_the_check(backup):
    call_command("restore", "--check", str(backup))
    assert not backup.with_name("backup.partial").exists()


def test_a_changed_file_is_refused_before_anything_changes(backup, settings):
    (backup / "files" / "media" / "annotations" / "photos" / "p.jpg").write_bytes(b"\xff\xd8 another \xff\xd9")
    before = layer_count()
    with pytest.raises(CommandError, match="does not match the manifest"):
        call_command("restore", "--force", str(backup))
    assert layer_count() == before == Layer.objects.count()


def test_a_damaged_dump_is_refused(backup):
    dump = backup / "database.dump"
    data = bytearray(dump.read_bytes())
    data[len(data) // 2] ^= 0xFF
    dump.write_bytes(bytes(data))
    with pytest.raises(CommandError, match="does not match the manifest"):
        call_command("restore", "--check", str(backup))


def test_a_missing_manifest_is_not_a_backup(backup):
    (backup / "manifest.json").unlink()
    with pytest.raises(CommandError, match="not a backup, or an unfinished one"):
        call_command("restore", str(backup))


def test_a_path_leaving_its_folder_is_refused(backup, tmp_path):
    escaped = tmp_path / "files" / "outside.txt"  # where ../../outside.txt of the media folder would land
    escaped.parent.mkdir(parents=True, exist_ok=True)
    escaped.write_bytes(b"x")

    def escape(manifest):
        manifest["files"][0]["path"] = "../../outside.txt"
    edit_manifest(backup, escape)
    with pytest.raises(CommandError, match="outside its folder"):
        call_command("restore", "--force", str(backup))


def test_a_backup_of_a_newer_release_is_refused(backup):
    edit_manifest(backup, lambda manifest: manifest["database"]["migrations"].append("layers.9999_future"))
    with pytest.raises(CommandError, match="newer release.*layers.9999_future"):
        call_command("restore", "--force", str(backup))


def test_backup_never_writes_into_an_existing_folder(backup):
    with pytest.raises(CommandError, match="already exists"):
        call_command("backup", "--to", str(backup))


def test_restore_refuses_a_database_with_tables(backup):
    with pytest.raises(CommandError, match="The database is not empty"):
        call_command("restore", str(backup))
