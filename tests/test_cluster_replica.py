"""Read routing to a streaming replica, against a real primary and a real pg_basebackup replica
(tests/cluster_support.py), through gunicorn instances and a real HTTP client.

Replay on the replica is paused (pg_wal_replay_pause) to make the lag as long as the test needs:
what the anonymous reader gets then shows where the read went.
"""
from __future__ import annotations

import math
import os

import pytest
import requests

from tests import cluster_support as cs

pytestmark = pytest.mark.cluster
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
LON, LAT = 126.70, 45.80


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int, int]:
    n = 2 ** z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return z, x, y


@pytest.fixture(scope="module")
def cluster():
    """Primary on 5433, replica on 5434, two app instances (8101, 8102) reading from the replica."""
    with cs.temporary_base() as base:
        primary = cs.make_primary(base, 5433)
        seed = cs.migrate_and_seed(cs.app_env(database_url=primary.url, redis_url=REDIS_URL))
        replica = cs.make_replica(primary, base, 5434)
        env = cs.app_env(database_url=primary.url, replica_url=replica.url, redis_url=REDIS_URL,
                         extra={"DATABASE_REPLICA_RETRY_SECONDS": "1"})
        apps = [cs.AppServer(8101, env), cs.AppServer(8102, env)]
        try:
            for app in apps:
                app.start()
            yield {"primary": primary, "replica": replica, "apps": apps, "token": seed["token"]}
        finally:
            for app in apps:
                app.stop()


@pytest.fixture
def paused(cluster):
    """Replay paused for the test, resumed (and caught up) after it."""
    with cluster["replica"].connect() as conn:
        conn.execute("SELECT pg_wal_replay_pause()")
    yield
    with cluster["replica"].connect() as conn:
        conn.execute("SELECT pg_wal_replay_resume()")
    cs.wait_for(lambda: cs.caught_up(cluster["primary"], cluster["replica"]), timeout=30, what="replay to catch up")


def _create(session: requests.Session, url: str, token: str, name: str, lon: float = LON, lat: float = LAT) -> int:
    response = session.post(f"{url}/api/layers/benches/features/", timeout=10,
                            headers={"Authorization": f"Bearer {token}"},
                            json={"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
                                  "properties": {"name": name}})
    assert response.status_code == 201, response.text
    return response.json()["id"]


def _ids(session, url: str, **headers) -> set[int]:
    response = session.get(f"{url}/api/layers/benches/features/", timeout=10, headers=headers)
    assert response.status_code == 200, response.text
    return {feature["id"] for feature in response.json()["features"]}


def test_reads_go_to_the_replica_and_a_writer_reads_its_own_write(cluster, paused):
    app = cluster["apps"][0].url
    writer = requests.Session()
    new_id = _create(writer, app, cluster["token"], "bench by the river")
    assert "gp_lsn" in writer.cookies  # the primary's position after the write

    # The writer reads it back at once, though the replica has not replayed it: its reads went to the primary.
    assert new_id in _ids(writer, app)
    # Anyone else reads the replica, where replay is paused: items, search and tiles do not show it yet.
    assert new_id not in _ids(requests.Session(), app)
    search = requests.get(f"{app}/api/search", params={"q": "bench by the river"}, timeout=10)
    assert search.status_code == 200 and "bench by the river" not in search.text

    # A forged or garbled position is ignored (the replica's answer), never an error.
    other = requests.Session()
    other.cookies.set("gp_lsn", "'; SELECT 1 --")
    assert new_id not in _ids(other, app)


def test_tiles_are_drawn_on_the_replica(cluster):
    cs.wait_for(lambda: cs.caught_up(cluster["primary"], cluster["replica"]), timeout=30, what="replay")
    logged = len(cluster["replica"].log())
    z, x, y = tile_of(126.63, 45.75, 13)
    tile = requests.get(f"{cluster['apps'][0].url}/tiles/benches/{z}/{x}/{y}.mvt", timeout=10)
    assert tile.status_code == 200 and tile.content
    assert "ST_AsMVT" in cluster["replica"].log()[logged:]


def test_the_replica_caught_up_serves_everyone_the_edit(cluster, paused):
    app = cluster["apps"][1].url
    new_id = _create(requests.Session(), app, cluster["token"], "bench by the school")
    assert new_id not in _ids(requests.Session(), app)
    with cluster["replica"].connect() as conn:
        conn.execute("SELECT pg_wal_replay_resume()")
    cs.wait_for(lambda: cs.caught_up(cluster["primary"], cluster["replica"]), timeout=30, what="replay")
    assert new_id in _ids(requests.Session(), app)
    search = requests.get(f"{app}/api/search", params={"q": "bench by the school"}, timeout=10)
    assert "bench by the school" in search.text


def test_a_tile_rendered_while_the_replica_lags_is_not_cached_stale(cluster, paused):
    """The edit's invalidation ran; a tile rendered from the paused replica then must not be kept."""
    a, b = (app.url for app in cluster["apps"])
    lon, lat = 126.55, 45.70
    z, x, y = tile_of(lon, lat, 14)
    path = f"/tiles/benches/{z}/{x}/{y}.geojson"
    assert "bench at the corner" not in requests.get(b + path, timeout=10).text  # cached before the edit
    _create(requests.Session(), a, cluster["token"], "bench at the corner", lon, lat)
    # Instance B, anonymous, replay paused: the cache lookup misses (A's invalidation is shared in
    # Redis) and the replica is behind the primary, so the tile is drawn on the primary.
    assert "bench at the corner" in requests.get(b + path, timeout=10).text
    assert "bench at the corner" in requests.get(a + path, timeout=10).text


def test_replica_down_reads_go_to_the_primary_without_a_failed_request(cluster):
    app = cluster["apps"][0].url
    cluster["replica"].stop("immediate")
    try:
        new_id = _create(requests.Session(), app, cluster["token"], "bench while the replica is down")
        statuses = [requests.get(f"{app}/api/layers/benches/features/", timeout=10).status_code for _ in range(20)]
        assert statuses == [200] * 20
        assert new_id in _ids(requests.Session(), app)  # the primary's answer: the replica is gone
        ready = requests.get(f"{app}/readyz", timeout=10).json()
        assert ready["checks"]["replica"]["ready"] is False
    finally:
        cluster["replica"].start()
    cs.wait_for(lambda: cs.caught_up(cluster["primary"], cluster["replica"]), timeout=30, what="replica back")
    # Back after the retry interval: reads go there again (shown by pausing it once more).
    with cluster["replica"].connect() as conn:
        conn.execute("SELECT pg_wal_replay_pause()")
    try:
        later = _create(requests.Session(), app, cluster["token"], "bench after the replica returned")

        def replica_serves() -> bool:
            return later not in _ids(requests.Session(), app)
        cs.wait_for(replica_serves, timeout=15, what="reads to return to the replica", interval=0.5)
    finally:
        with cluster["replica"].connect() as conn:
            conn.execute("SELECT pg_wal_replay_resume()")
