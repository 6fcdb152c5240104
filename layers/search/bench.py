"""`manage.py bench --only search`: 200 seeded queries over the 300,000-feature benchmark layer
plus the demo layers, at concurrency 1, through the HTTP view and through the query alone.

Queries come from a fixed seed, in five kinds: Chinese names, partial Chinese, pinyin (full,
partial and initials), typos (pinyin letters swapped, a homophone character) and exact codes
(addresses, district codes)."""
from __future__ import annotations

import os
import random
import statistics
import time

from django.db import connection
from django.test import Client

from layers.models import Layer
from layers.search.indexing import ensure_layer_indexed
from layers.search.query import SpatialFilter, search_features
from layers.search.text import pinyin_forms

QUERY_COUNT = 200
_HOMOPHONES = {"山": "三", "路": "露", "街": "接", "江": "将", "和": "河", "平": "苹", "大": "达", "中": "钟"}


def _ensure_indexed(stdout) -> None:
    for layer in Layer.objects.order_by("slug"):
        started = time.perf_counter()
        count = ensure_layer_indexed(layer=layer)
        if count:
            stdout.write(f"indexed {layer.slug}: {count:,} features in {time.perf_counter() - started:.1f} s")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE search_searchentry")


def _sample(layer: Layer, n: int, rng: random.Random) -> list[tuple[str, str]]:
    """(name, address) of n benchmark features picked by seeded ids."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT min(id), max(id) FROM layers_feature WHERE layer_id = %s", [layer.pk])
        low, high = cursor.fetchone()
        ids = [rng.randint(low, high) for _ in range(n)]
        cursor.execute(
            "SELECT name, properties->>'address' FROM layers_feature WHERE id = ANY(%s) ORDER BY id", [ids]
        )
        return cursor.fetchall()


def _swap(text: str, rng: random.Random) -> str:
    if len(text) < 4:
        return text
    i = rng.randrange(1, len(text) - 2)
    return text[:i] + text[i + 1] + text[i] + text[i + 2 :]


def seeded_queries(layer: Layer, *, seed: int = 2026) -> list[tuple[str, str]]:
    """(kind, query) pairs, 40 of each kind."""
    rng = random.Random(seed)
    rows = _sample(layer, 120, rng)
    districts = list(
        Layer.objects.filter(slug="districts").values_list("features__name", "features__properties__code")
    ) or [("南岗区", "230103")]
    queries: list[tuple[str, str]] = []
    for i in range(40):
        name, address = rows[i % len(rows)]
        queries.append(("chinese", name if i % 4 else districts[i % len(districts)][0]))
        street = address.removeprefix("哈尔滨市").split("路")[0].split("街")[0]
        queries.append(("partial", [street[:2], address.removeprefix("哈尔滨市")[:5], name[-3:], street][i % 4]))
        full, initials = pinyin_forms(name)
        district_pinyin = pinyin_forms(districts[i % len(districts)][0])[0]
        queries.append(("pinyin", [full[:8], initials[:3], full[:12], district_pinyin][i % 4]))
        homophone = "".join(_HOMOPHONES.get(ch, ch) for ch in name[:4]) + name[4:]
        queries.append(("typo", [_swap(full[:10], rng), homophone, _swap(full[:7], rng), homophone[:4]][i % 4]))
        queries.append(("code", address if i % 2 else districts[i % len(districts)][1] or "230103"))
    return queries


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(round(0.95 * len(ordered))) - 1)]


def run(*, layer, stdout, options) -> None:
    _ensure_indexed(stdout)
    queries = seeded_queries(layer)
    layer_ids = list(Layer.objects.filter(visibility=Layer.Visibility.PUBLIC).values_list("pk", flat=True))
    client = Client()
    for _kind, q in queries[:20]:  # warm caches and connections
        client.get("/api/search", {"q": q}, HTTP_HOST="localhost")
    view_ms: dict[str, list[float]] = {}
    query_ms: dict[str, list[float]] = {}
    empty = 0
    for kind, q in queries:
        started = time.perf_counter()
        response = client.get("/api/search", {"q": q, "bbox": "126.60,45.72,126.68,45.78"}, HTTP_HOST="localhost")
        view_ms.setdefault(kind, []).append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"search for {q!r} answered {response.status_code}: {response.content[:200]!r}")
        empty += not response.json()["features"]
        started = time.perf_counter()
        search_features(layer_ids=layer_ids, q=q, spatial=SpatialFilter(), limit=10)
        query_ms.setdefault(kind, []).append((time.perf_counter() - started) * 1000)
    stdout.write(f"{len(queries)} queries over {layer.feature_count:,} benchmark features plus the demo layers; "
                 f"{empty} found nothing")
    stdout.write(f"{'kind':<10}{'view p50':>10}{'view p95':>10}{'query p50':>11}{'query p95':>11}")
    for kind in view_ms:
        v50, v95 = _percentiles(view_ms[kind])
        q50, q95 = _percentiles(query_ms[kind])
        stdout.write(f"{kind:<10}{v50:>8.1f}ms{v95:>8.1f}ms{q50:>9.1f}ms{q95:>9.1f}ms")
    all_view = [t for ts in view_ms.values() for t in ts]
    all_query = [t for ts in query_ms.values() for t in ts]
    v50, v95 = _percentiles(all_view)
    q50, q95 = _percentiles(all_query)
    stdout.write(f"{'all':<10}{v50:>8.1f}ms{v95:>8.1f}ms{q50:>9.1f}ms{q95:>9.1f}ms")
    stdout.write(f"search p50 {v50:.1f} ms, p95 {v95:.1f} ms (target p95 < 50 ms); "
                 f"HTTP view / query alone at p95: {v95 / q95:.2f}; "
                 f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
