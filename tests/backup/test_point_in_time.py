"""Point-in-time restore with pgBackRest, through the operator's own script (scripts/archiving.sh) on a
throwaway PostgreSQL 15 cluster: a full backup, an edit at t1, another at t2, a restore to a moment
between them; only t1's edit is there. The cluster and its repository are removed afterwards."""
from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
VERSION, CLUSTER, PORT = "15", "gp_pitr", "5440"
# Under /var/lib so that the postgres user can reach it (pytest's temporary folders are root's alone).
BASE = Path("/var/lib/pgbackrest-geoportal-test")
LIMIT = 120  # seconds for the whole drill

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="needs root: creates a PostgreSQL cluster and runs "
                                                          "pgBackRest as the postgres user")


def run(*command: str, env: dict | None = None, timeout: float = 90) -> str:
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{' '.join(command)}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout


def drop_cluster() -> None:
    listed = subprocess.run(["pg_lsclusters", "-h"], capture_output=True, text=True).stdout.split("\n")
    if any(line.split()[:2] == [VERSION, CLUSTER] for line in listed if line.strip()):
        run("pg_dropcluster", "--stop", VERSION, CLUSTER)


def sql(statement: str) -> str:
    return run("runuser", "-u", "postgres", "--", "psql", "-X", "-qtA", "-v", "ON_ERROR_STOP=1", "-p", PORT,
               "-c", statement).strip()


@pytest.fixture
def archived_cluster():
    drop_cluster()
    shutil.rmtree(BASE, ignore_errors=True)
    BASE.mkdir(mode=0o755)
    run("pg_createcluster", VERSION, CLUSTER, "-p", PORT, "--start", "--", "--auth-local=peer")
    env = {**os.environ, "PG_VERSION": VERSION, "PG_CLUSTER": CLUSTER, "PG_PORT": PORT, "PGBR_STANZA": CLUSTER,
           "PGBR_REPO": str(BASE / "repo"), "PGBR_CONFIG": str(BASE / "pgbackrest.conf"),
           "PGBR_LOG": str(BASE / "log"), "PGBR_LOCK": str(BASE / "lock"), "PGBR_SPOOL": str(BASE / "spool")}
    yield env
    drop_cluster()
    shutil.rmtree(BASE, ignore_errors=True)


def test_restore_to_a_moment_between_two_edits(archived_cluster):
    started = time.monotonic()
    env = archived_cluster
    run("bash", "scripts/archiving.sh", "setup", env=env)
    assert sql("SHOW archive_mode") == "on"
    assert "archive-push" in sql("SHOW archive_command")

    sql("CREATE TABLE edit (id int PRIMARY KEY, note text NOT NULL)")
    sql("INSERT INTO edit VALUES (1, 'at t1')")
    # The next whole second: pgBackRest restores from the newest backup whose recorded end (its own
    # clock, whole seconds, taken after the backup's last WAL was archived) is before the target, and a
    # target within a second of setup's full backup found none (error 075).
    between = sql("SELECT to_char(date_trunc('second', clock_timestamp() AT TIME ZONE 'UTC') + interval '1 s', "
                  "'YYYY-MM-DD HH24:MI:SS') || '+00'")
    time.sleep(2.2)
    sql("INSERT INTO edit VALUES (2, 'at t2')")
    run("bash", "scripts/archiving.sh", "check", env=env)  # t2's WAL is in the repository
    assert sql("SELECT string_agg(note, ',' ORDER BY id) FROM edit") == "at t1,at t2"

    for unreachable in ("2000-01-01 00:00:00+08", "not a time"):  # refused while PostgreSQL runs on
        refused = subprocess.run(["bash", "scripts/archiving.sh", "restore-to", unreachable], cwd=ROOT, env=env,
                                 capture_output=True, text=True, timeout=30)
        assert refused.returncode != 0 and ("No backup ended before" in refused.stderr
                                            or "Not a time PostgreSQL understands" in refused.stderr), refused.stderr
        assert sql("SELECT count(*) FROM edit") == "2"

    run("bash", "scripts/archiving.sh", "restore-to", between, env=env)
    assert sql("SELECT pg_is_in_recovery()") == "f"
    assert sql("SELECT string_agg(note, ',' ORDER BY id) FROM edit") == "at t1"
    assert "backup" in run("bash", "scripts/archiving.sh", "info", env=env)
    elapsed = time.monotonic() - started
    assert elapsed < LIMIT, f"the drill took {elapsed:.0f} s"
    print(f"point-in-time drill: {elapsed:.1f} s")
