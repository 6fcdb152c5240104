"""The HTTP server the benchmarks measure through: gunicorn with the production configuration
(geoportal/gunicorn.conf.py, DEBUG off), on a free local port, its log under var/."""
from __future__ import annotations

import http.client
import os
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def child_pids(pid: int) -> list[int]:
    """The processes `pid` started (Linux /proc); none once it has ended."""
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


class BenchServer:
    """`with BenchServer(**env) as server:` serves on `server.port` until the block ends."""

    def __init__(self, **env: str):
        self.port = int(os.environ.get("BENCH_PORT") or _free_port())
        root = Path(settings.BASE_DIR)
        self.log = root / "var" / f"bench-gunicorn-{self.port}.log"
        self.log.parent.mkdir(parents=True, exist_ok=True)
        self.env = {**os.environ, "DJANGO_SETTINGS_MODULE": "geoportal.settings", "DEBUG": "0",
                    "SECRET_KEY": secrets.token_urlsafe(40), "DATABASE_URL": settings.DATABASE_URL,
                    "ALLOWED_HOSTS": "127.0.0.1", "SECURE_COOKIES": "0", "LOG_LEVEL": "WARNING",
                    "HOST": "127.0.0.1", "PORT": str(self.port), "ACCESS_LOG": str(self.log),
                    # Its own Redis keys: other local traffic must not eat its request quota.
                    "CACHE_KEY_PREFIX": f"{settings.CACHE_KEY_PREFIX}-bench-{self.port}",
                    # Requests are still counted per address, as in production, but one client
                    # asking thousands of tiles a minute is the load measured, not refused.
                    "API_RATE_ANON": "10000000/min", **env}
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> BenchServer:
        gunicorn = Path(sys.executable).with_name("gunicorn")
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [str(gunicorn), "geoportal.wsgi:application", "--config", "geoportal/gunicorn.conf.py"],
                cwd=settings.BASE_DIR, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    return self
            except OSError:
                pass
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited; see {self.log}")
            time.sleep(0.2)
        self.__exit__()
        raise RuntimeError(f"gunicorn did not answer on port {self.port}; see {self.log}")

    def worker_pids(self) -> list[int]:
        """The worker processes gunicorn forked (its master's children)."""
        return child_pids(self.process.pid)

    def __exit__(self, *exc) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=30)
