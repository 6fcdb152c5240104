"""Throwaway PostgreSQL clusters and app servers for the scale-out tests (tests/test_cluster_*.py).

A primary made by initdb, a streaming replica of it made by pg_basebackup, the schema migrated
into the primary, and gunicorn instances started against them: all on loopback, on ports of
their own (5433/5434, 8101/8102), each start bounded in time, everything stopped afterwards.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
PG_BIN = Path("/usr/lib/postgresql/15/bin")
DB_NAME = "geoportal_cluster"
DB_USER = "geoportal"


def _as_postgres(*args: str, **kwargs) -> subprocess.CompletedProcess:
    """PostgreSQL's programs refuse to run as root."""
    command = ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else list(args)
    return subprocess.run(command, check=True, capture_output=True, text=True, **kwargs)


def wait_for(predicate, *, timeout: float, what: str, interval: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise TimeoutError(f"{what}: not within {timeout:.0f} s")


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


@dataclass
class PgCluster:
    """One PostgreSQL 15 cluster in a temporary directory."""

    data: Path
    port: int

    @property
    def url(self) -> str:
        return f"postgis://{DB_USER}:{DB_USER}@127.0.0.1:{self.port}/{DB_NAME}"

    def connect(self, **kwargs) -> psycopg.Connection:
        return psycopg.connect(host="127.0.0.1", port=self.port, user=DB_USER, dbname=DB_NAME,
                               autocommit=True, connect_timeout=3, **kwargs)

    def log(self) -> str:
        return (self.data / "server.log").read_text(errors="replace")

    def start(self, timeout: float = 30) -> None:
        _as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.data / "server.log"),
                     "-w", "-t", str(int(timeout)), "start")

    def stop(self, mode: str = "fast") -> None:
        if (self.data / "postmaster.pid").exists():
            _as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")

    def kill(self) -> None:
        """The postmaster killed outright (SIGKILL), as a crashed machine would leave it."""
        pid = int((self.data / "postmaster.pid").read_text().split()[0])
        os.kill(pid, signal.SIGKILL)
        wait_for(lambda: not port_open(self.port), timeout=10, what="the killed server to let go of its port")


def _configure(data: Path, port: int, *, durable: bool) -> None:
    settings = [
        f"port = {port}", "listen_addresses = '127.0.0.1'", f"unix_socket_directories = '{data}'",
        "wal_level = replica", "max_wal_senders = 5", "hot_standby = on", "jit = off",
        "max_connections = 60", "shared_buffers = 32MB",
    ]
    if not durable:  # a schema migrated in seconds; the tests that kill a server keep fsync
        settings += ["fsync = off", "full_page_writes = off"]
    with open(data / "postgresql.auto.conf", "a") as conf:
        conf.write("\n".join(settings) + "\n")
    (data / "pg_hba.conf").write_text(
        "local all all trust\nhost all all 127.0.0.1/32 trust\nhost replication all 127.0.0.1/32 trust\n")


def make_primary(base: Path, port: int, *, durable: bool = False) -> PgCluster:
    if port_open(port):
        raise RuntimeError(f"port {port} is taken (is `make cluster` running? `make cluster-stop`)")
    data = base / f"pg{port}"
    _as_postgres(str(PG_BIN / "initdb"), "-D", str(data), "-U", "postgres", "-E", "UTF8", "--locale=C.UTF-8",
                 "--auth=trust", "--no-sync")
    _configure(data, port, durable=durable)
    cluster = PgCluster(data, port)
    cluster.start()
    admin = psycopg.connect(host="127.0.0.1", port=port, user="postgres", dbname="postgres", autocommit=True)
    with admin:
        admin.execute(f"CREATE ROLE {DB_USER} LOGIN SUPERUSER PASSWORD '{DB_USER}'")
        admin.execute(f"CREATE DATABASE {DB_NAME} OWNER {DB_USER}")
    with cluster.connect() as conn:
        for extension in ("postgis", "pg_trgm", "btree_gist"):
            conn.execute(f"CREATE EXTENSION IF NOT EXISTS {extension}")
    return cluster


def make_replica(primary: PgCluster, base: Path, port: int) -> PgCluster:
    data = base / f"pg{port}"
    _as_postgres(str(PG_BIN / "pg_basebackup"), "-h", "127.0.0.1", "-p", str(primary.port), "-U", "postgres",
                 "-D", str(data), "-R", "-X", "stream", "-c", "fast", "--no-sync", timeout=120)
    with open(data / "postgresql.auto.conf", "a") as conf:
        # Every statement logged, so that a test can tell which server ran a read.
        conf.write(f"port = {port}\nunix_socket_directories = '{data}'\nlog_statement = 'all'\n")
    replica = PgCluster(data, port)
    replica.start()
    wait_for(lambda: _replaying(replica), timeout=30, what="the replica to stream from the primary")
    return replica


def _replaying(replica: PgCluster) -> bool:
    try:
        with replica.connect() as conn:
            return conn.execute("SELECT pg_is_in_recovery() AND pg_last_wal_receive_lsn() IS NOT NULL").fetchone()[0]
    except psycopg.OperationalError:
        return False


def caught_up(primary: PgCluster, replica: PgCluster) -> bool:
    with primary.connect() as p, replica.connect() as r:
        target = p.execute("SELECT pg_current_wal_lsn()").fetchone()[0]
        return r.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [target]).fetchone()[0]


@contextmanager
def temporary_base():
    """A directory for clusters; whatever server still runs from it is stopped before it goes."""
    base = Path(tempfile.mkdtemp(prefix="gp-cluster-", dir="/var/tmp"))
    if os.geteuid() == 0:
        shutil.chown(base, "postgres", "postgres")
    try:
        yield base
    finally:
        for pid_file in base.glob("*/postmaster.pid"):
            cluster = PgCluster(pid_file.parent, 0)
            try:
                cluster.stop("immediate")
            except subprocess.CalledProcessError:
                pass  # already gone (a drill killed it)
        shutil.rmtree(base, ignore_errors=True)


def app_env(*, database_url: str, replica_url: str = "", redis_url: str, extra: dict | None = None) -> dict:
    """The environment of a production-settings instance against the throwaway databases."""
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_REPLICA_URL"}}
    db_label = "gp-cluster-" + os.environ.get("GEOPORTAL_DB_NAME", "geoportal")
    env.update({
        "DJANGO_SETTINGS_MODULE": "geoportal.settings", "DATABASE_URL": database_url,
        "SECRET_KEY": "cluster-tests-only-secret-key-0123456789-abcdefghijklmnop", "ALLOWED_HOSTS": "*",
        "SECURE_COOKIES": "0", "SECURE_SSL_REDIRECT": "0", "TWO_FACTOR_REQUIRED": "0", "LOG_LEVEL": "WARNING",
        "REDIS_URL": redis_url, "TILE_CACHE_URL": redis_url.rsplit("/", 1)[0] + "/15",
        "CACHE_KEY_PREFIX": db_label, "GEOPORTAL_DB_NAME": db_label, "ACCESS_LOG": "/dev/null",
        "API_RATE_ANON": "100000/min", "API_RATE_TOKEN": "100000/min", "API_RATE_USER": "100000/min",
        "DB_CONN_MAX_AGE": "60",
    })
    if replica_url:
        env["DATABASE_REPLICA_URL"] = replica_url
    env.update(extra or {})
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    return env


def manage(env: dict, *args: str, timeout: float = 300, input: str | None = None) -> str:
    done = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=timeout, input=input)
    if done.returncode:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{done.stderr[-3000:]}")
    return done.stdout


SEED = """
import json
from django.contrib.gis.geos import Point
from geoportal.accounts.models import Department
from layers.api.tokens import token_issue
from layers.api.models import ApiToken
from layers.models import Layer
from layers.services import feature_create
department = Department.objects.create(code="parks", name_zh="园林局", name_en="Parks")
layer = Layer.objects.create(slug="benches", title_zh="长椅", title_en="Benches", department=department,
    geometry_type=Layer.GeometryType.POINT, visibility=Layer.Visibility.PUBLIC, name_field="name",
    schema=[{"name": "name", "type": "string", "required": True, "label_zh": "名称", "label_en": "Name",
             "searchable": True}])
for i in range(3):
    feature_create(layer=layer, geometry=Point(126.62 + i / 100, 45.75, srid=4326), properties={"name": f"bench {i}"})
_, raw = token_issue(name="cluster-tests", scope=ApiToken.Scope.WRITE, layers=[layer])
print(json.dumps({"token": raw}))
"""


def migrate_and_seed(env: dict) -> dict:
    """The schema, a public point layer `benches` with three features, and a token that may edit it."""
    manage(env, "migrate", "--noinput", "-v", "0")
    return json.loads(manage(env, "shell", "--no-imports", "-c", SEED).strip().splitlines()[-1])


@dataclass
class AppServer:
    """A gunicorn instance of the app (production settings), on its own port."""

    port: int
    env: dict
    workers: int = 2
    process: subprocess.Popen | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60) -> None:
        if port_open(self.port):
            raise RuntimeError(f"port {self.port} is taken (is `make cluster` running? `make cluster-stop`)")
        env = {**self.env, "HOST": "127.0.0.1", "PORT": str(self.port), "WORKERS": str(self.workers)}
        self.process = subprocess.Popen(
            [str(Path(sys.executable).parent / "gunicorn"), "geoportal.wsgi:application",
             "--config", "geoportal/gunicorn.conf.py"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True)
        wait_for(lambda: self.process.poll() is not None or port_open(self.port), timeout=timeout,
                 what=f"gunicorn on {self.port}")
        if self.process.poll() is not None:
            raise RuntimeError(f"gunicorn on {self.port} exited:\n{self.process.stderr.read()[-3000:]}")

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, sig)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=5)
