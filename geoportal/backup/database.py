"""The database half of a backup: pg_dump's custom format out, pg_restore in.

The client programs are PostgreSQL's own (postgresql-client-15); their connection comes from the
Django connection's settings through libpq's environment variables, so no password is on a command
line. Extensions are not restored from the dump but created beforehand (IF NOT EXISTS): a database
prepared by its DBA already has them, and pg_restore would otherwise fail on COMMENT ON EXTENSION
when the restoring role does not own the extension."""
from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

from django.db import DatabaseError, connections
from django.db.migrations.loader import MigrationLoader
from psycopg import sql

from geoportal.backup.files import BackupError

# Relations of the application, not of an extension (postgis' spatial_ref_sys and views stay out).
_APP_RELATIONS = """
    SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
      AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%%'
      AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                      AND d.objid = c.oid AND d.deptype = 'e')
"""


def libpq_environment(alias: str) -> dict[str, str]:
    params = connections[alias].settings_dict
    env = {**os.environ, "PGDATABASE": params["NAME"], "PGUSER": params.get("USER") or "",
           "PGHOST": params.get("HOST") or "", "PGPORT": str(params.get("PORT") or "")}
    if params.get("PASSWORD"):
        env["PGPASSWORD"] = params["PASSWORD"]
    sslmode = (params.get("OPTIONS") or {}).get("sslmode")
    if sslmode:
        env["PGSSLMODE"] = sslmode
    return {key: value for key, value in env.items() if value != ""}


def _run(command: list[str], *, alias: str, what: str) -> str:
    done = subprocess.run(command, env=libpq_environment(alias), capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"{what} failed ({command[0]} exit {done.returncode}): {done.stderr.strip()[-2000:]}")
    return done.stdout


def database_facts(*, alias: str) -> dict:
    """What the manifest records of the database: server version, extensions, applied migrations."""
    with connections[alias].cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
        cursor.execute("SELECT extname, extversion FROM pg_extension WHERE extname <> 'plpgsql' ORDER BY extname")
        extensions = dict(cursor.fetchall())
        cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
        migrations = [f"{app}.{name}" for app, name in cursor.fetchall()]
    return {"server_version": version, "extensions": extensions, "migrations": migrations}


def database_dump(*, alias: str, target: Path) -> None:
    _run(["pg_dump", "--format=custom", "--compress=6", "--no-owner", "--no-privileges", f"--file={target}"],
         alias=alias, what="The database dump")


def unknown_migrations(migrations: list[str]) -> list[str]:
    """Migrations the backup's database had that this code does not have (a newer release made it)."""
    known = {f"{app}.{name}" for app, name in MigrationLoader(None, ignore_no_migrations=True).disk_migrations}
    return [migration for migration in migrations if migration not in known]


def application_relations(*, alias: str) -> int:
    with connections[alias].cursor() as cursor:
        cursor.execute(_APP_RELATIONS)
        return cursor.fetchone()[0]


def extensions_create(*, alias: str, extensions: dict[str, str]) -> None:
    with connections[alias].cursor() as cursor:
        for name in extensions:
            try:
                cursor.execute(sql.SQL("CREATE EXTENSION IF NOT EXISTS {}").format(sql.Identifier(name)))
            except DatabaseError as exc:
                raise BackupError(f"The extension {name} is missing and this role cannot create it ({exc}). "
                                  f"Ask the database administrator to run CREATE EXTENSION {name}.") from exc


def _restore_list(dump: Path, *, alias: str, listing: Path) -> None:
    """pg_restore's table of contents without the extensions and their comments."""
    toc = _run(["pg_restore", "--list", str(dump)], alias=alias, what="Reading the dump")
    kept = [line for line in toc.splitlines()
            if " EXTENSION " not in line and " COMMENT - EXTENSION " not in line]
    listing.write_text("\n".join(kept) + "\n")


def database_restore(*, alias: str, dump: Path, clean: bool) -> None:
    """One transaction: the database is either the backup's or unchanged."""
    with tempfile.TemporaryDirectory(prefix="geoportal-restore-") as work:
        listing = Path(work) / "restore.list"
        _restore_list(dump, alias=alias, listing=listing)
        _pg_restore(alias=alias, dump=dump, clean=clean, listing=listing)


def _pg_restore(*, alias: str, dump: Path, clean: bool, listing: Path) -> None:
    command = ["pg_restore", "--single-transaction", "--exit-on-error", "--no-owner", "--no-privileges",
               f"--use-list={listing}", f"--dbname={connections[alias].settings_dict['NAME']}"]
    if clean:
        command += ["--clean", "--if-exists"]
    _run([*command, str(dump)], alias=alias, what="The database restore")
