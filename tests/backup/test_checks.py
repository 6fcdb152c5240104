"""The backup settings' system checks."""
from geoportal.backup.checks import check_backup_settings


def ids(problems) -> list[str]:
    return [problem.id for problem in problems]


def test_the_defaults_pass(settings, tmp_path):
    settings.BACKUP_DIR = str(tmp_path / "backups")
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.RASTER_ROOT = tmp_path / "media" / "rasters"
    settings.IMPORT_WORK_DIR = str(tmp_path / "imports")
    assert ids(check_backup_settings()) == []


def test_a_backup_folder_inside_a_backed_up_folder_is_an_error(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.RASTER_ROOT = tmp_path / "rasters"
    settings.IMPORT_WORK_DIR = str(tmp_path / "imports")
    settings.BACKUP_DIR = str(tmp_path / "media" / "backups")
    assert ids(check_backup_settings()) == ["backup.E001"]


def test_missing_client_programs_are_reported(settings, tmp_path, monkeypatch):
    settings.BACKUP_DIR = str(tmp_path / "backups")
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert ids(check_backup_settings()) == ["backup.W001"]
