"""`manage.py backup` then `manage.py restore` into a fresh database and fresh folders: every table's
rows, every sequence and every file come back identical.

The backup runs in-process against the test database; the restore runs as an operator runs it, a
`manage.py` process whose DATABASE_URL, MEDIA_ROOT, RASTER_ROOT and IMPORT_WORK_DIR name the new place."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from psycopg import sql

from annotations.models import Annotation, Photo
from geoportal.backup.files import file_roots, list_files
from layers.history.models import FeatureVersion
from layers.models import Feature
from layers.rasters.models import RasterSource
from layers.services import feature_update
from layers.tiles.cache import tile_cache
from tests.annotation_factories import jpeg_upload, submit
from tests.raster_factories import elevation_layer, raster_root  # noqa: F401

ROOT = Path(__file__).resolve().parents[2]

# Each application table (not an extension's) with its primary key columns, for a stable row order.
TABLES = """
    SELECT c.relname, coalesce((SELECT array_agg(a.attname ORDER BY k.ord) FROM pg_index i
             CROSS JOIN unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
             JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
             WHERE i.indrelid = c.oid AND i.indisprimary), '{}')
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
      AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                      AND d.deptype = 'e')
    ORDER BY c.relname
"""
SEQUENCES = "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public' ORDER BY 1"


def conninfo(name: str) -> str:
    params = connection.settings_dict
    return psycopg.conninfo.make_conninfo(dbname=name, user=params["USER"], password=params["PASSWORD"],
                                          host=params["HOST"], port=params["PORT"])


def database_contents(name: str) -> dict[str, tuple[int, str]]:
    """table -> (rows, md5 of all rows' text in primary-key order); sequences -> last value."""
    contents = {}
    with psycopg.connect(conninfo(name), autocommit=True) as db:
        db.execute("SET TIME ZONE 'UTC'")
        for table, keys in db.execute(TABLES).fetchall():
            order = sql.SQL(", ").join(map(sql.Identifier, keys)) if keys else sql.SQL("t::text")
            query = sql.SQL("SELECT count(*), md5(coalesce(string_agg(t::text, E'\\n' ORDER BY {}), '')) "
                            "FROM {} AS t").format(order, sql.Identifier(table))
            contents[table] = tuple(db.execute(query).fetchone())
        for sequence, last_value in db.execute(SEQUENCES).fetchall():
            contents[f"sequence {sequence}"] = (last_value, "")
    return contents


@pytest.fixture
def fresh_database():
    name = connection.settings_dict["NAME"] + "_restored"
    with psycopg.connect(conninfo("postgres"), autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    yield name
    with psycopg.connect(conninfo("postgres"), autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def run_restore(backup: Path, *, database: str, place: Path,
                extra: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
    params = connection.settings_dict
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings",
           "DATABASE_URL": f"postgis://{params['USER']}:{params['PASSWORD']}@{params['HOST']}:{params['PORT']}/"
                           f"{database}",
           "MEDIA_ROOT": str(place / "media"), "RASTER_ROOT": str(place / "rasters"),
           "IMPORT_WORK_DIR": str(place / "imports")}
    return subprocess.run([sys.executable, "manage.py", "restore", str(backup), *extra], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)


def file_hashes(roots: dict[str, Path]) -> dict[tuple[str, str], str]:
    return {(entry.root, entry.path): entry.sha256 for entry in list_files(roots)}


@pytest.mark.django_db(transaction=True)
def test_backup_restores_every_row_sequence_and_file(city, school_layer, elevation_layer, users, tmp_path,  # noqa: F811
                                                     fresh_database):
    feature = Feature.objects.filter(layer=school_layer).first()
    feature_update(feature=feature, base_version=feature.version, properties={**feature.properties, "pupils": 999},
                   user=users["education_editor"], channel="browser")
    submit(city["light"], photos=[jpeg_upload("a.jpg"), jpeg_upload("b.jpg", size=(64, 48))])
    pending = Path(settings.IMPORT_WORK_DIR) / "imp-pending" / "upload.csv"
    pending.parent.mkdir(parents=True)
    pending.write_text("name,x,y\n第一中学,126.63,45.75\n")
    # What the round trip must carry, so that the comparison below cannot pass on empty tables.
    assert FeatureVersion.objects.filter(feature_id=feature.pk).count() == 2
    assert Photo.objects.count() == 2 and Annotation.objects.count() == 1
    assert RasterSource.objects.filter(layer=elevation_layer).exists()
    source_files = file_hashes(file_roots())
    assert {root for root, _ in source_files} == {"media", "rasters", "imports"}
    assert sum(1 for root, path in source_files if path.startswith("annotations/photos/")) == 2

    backup = tmp_path / "backup"
    call_command("backup", "--to", str(backup))
    before = database_contents(connection.settings_dict["NAME"])
    assert before["layers_feature"][0] == 5 and before["history_featureversion"][0] == 6

    cache = tile_cache()
    cache.client.set(cache.prefix + "t:stale", b"tile of the database before the restore")
    place = tmp_path / "restored"
    done = run_restore(backup, database=fresh_database, place=place)
    assert done.returncode == 0, done.stderr
    assert database_contents(fresh_database) == before
    assert file_hashes({name: place / name for name in ("media", "rasters", "imports")}) == source_files
    assert cache.client.get(cache.prefix + "t:stale") is None

    again = run_restore(backup, database=fresh_database, place=tmp_path / "other")
    assert again.returncode != 0 and "The database is not empty" in again.stderr
    forced = run_restore(backup, database=fresh_database, place=place, extra=("--force",))
    assert forced.returncode == 0, forced.stderr
    assert database_contents(fresh_database) == before
