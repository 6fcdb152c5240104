"""Redis stopped under a live instance (a private Redis on 6380, its own PostgreSQL on 5436):
tiles, items and search still answer, edits still save, /readyz names Redis, and all is back
when Redis returns."""
from __future__ import annotations

import shutil
import subprocess

import pytest
import requests

from tests import cluster_support as cs
from tests.test_cluster_replica import tile_of

pytestmark = pytest.mark.cluster
REDIS_PORT = 6380


class PrivateRedis:
    def __init__(self, port: int):
        self.port, self.process = port, None

    def start(self) -> None:
        self.process = subprocess.Popen([shutil.which("redis-server"), "--port", str(self.port), "--bind", "127.0.0.1",
                                         "--save", "", "--appendonly", "no"], stdout=subprocess.DEVNULL)
        cs.wait_for(lambda: cs.port_open(self.port), timeout=10, what="the private Redis")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        cs.wait_for(lambda: not cs.port_open(self.port), timeout=10, what="the private Redis to stop")


@pytest.fixture(scope="module")
def instance():
    assert not cs.port_open(REDIS_PORT), f"port {REDIS_PORT} is taken; the drill needs its own Redis"
    redis = PrivateRedis(REDIS_PORT)
    redis.start()
    with cs.temporary_base() as base:
        primary = cs.make_primary(base, 5436)
        env = cs.app_env(database_url=primary.url, redis_url=f"redis://127.0.0.1:{REDIS_PORT}/0")
        seed = cs.migrate_and_seed(env)
        app = cs.AppServer(8101, env)
        app.start()
        try:
            yield {"url": app.url, "token": seed["token"], "redis": redis}
        finally:
            app.stop()
            redis.stop()


def _answers(url: str, token: str, name: str) -> dict[str, int]:
    """Status of a tile, an items page, a search, and an edit (then read back) on the instance."""
    z, x, y = tile_of(126.64, 45.76, 14)
    edit = requests.post(f"{url}/api/layers/benches/features/", headers={"Authorization": f"Bearer {token}"},
                         json={"type": "Feature", "geometry": {"type": "Point", "coordinates": [126.64, 45.76]},
                               "properties": {"name": name}}, timeout=15)
    items = requests.get(f"{url}/api/layers/benches/features/", timeout=15)
    saved = edit.status_code == 201 and edit.json()["id"] in {f["id"] for f in items.json()["features"]}
    return {
        "tile": requests.get(f"{url}/tiles/benches/{z}/{x}/{y}.mvt", timeout=15).status_code,
        "items": items.status_code,
        "search": requests.get(f"{url}/api/search", params={"q": name}, timeout=15).status_code,
        "edit": edit.status_code,
        "saved": saved,
    }


def test_without_redis_reads_and_edits_go_on_and_readyz_names_redis(instance):
    url, token = instance["url"], instance["token"]
    assert _answers(url, token, "bench before") == {"tile": 200, "items": 200, "search": 200, "edit": 201,
                                                   "saved": True}
    instance["redis"].stop()
    try:
        assert _answers(url, token, "bench without redis") == {"tile": 200, "items": 200, "search": 200,
                                                              "edit": 201, "saved": True}
        ready = requests.get(f"{url}/readyz", timeout=15)
        assert ready.status_code == 503 and ready.json()["checks"]["redis"]["ready"] is False
        assert requests.get(f"{url}/healthz", timeout=15).status_code == 200  # alive: no restart wanted
    finally:
        instance["redis"].start()
    assert _answers(url, token, "bench after")["saved"] is True
    assert requests.get(f"{url}/readyz", timeout=15).json()["checks"]["redis"]["ready"] is True
