"""The search index follows every feature write in the same transaction, never shows deleted
data, indexes bulk writes set-wise, and rebuilds per layer; pg_trgm works on Chinese text here."""
import pytest
from django.contrib.gis.geos import Point
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from layers.editing.layer_services import layer_update
from layers.models import Feature, Layer
from layers.search.indexing import GIN_INDEXES
from layers.search.models import SearchEntry
from layers.services import (
    FeatureInput,
    feature_create,
    feature_delete,
    feature_undelete,
    feature_update,
    features_bulk_create,
)
from tests.conftest import make_layer
from tests.io_samples import write_geojson
from tests.search_data import CENTRE_SCHEMA

pytestmark = pytest.mark.django_db


def found(client, q):
    return [f["properties"]["name"] for f in client.get("/api/search", {"q": q}).json()["features"]]


@pytest.fixture
def layer(departments):
    return make_layer("centres", departments["planning"], schema=CENTRE_SCHEMA)


def test_create_update_delete_keep_the_index_in_step(client, layer):
    feature = feature_create(layer=layer, geometry=Point(126.6, 45.7, srid=4326), properties={"name": "松北区政务中心"})
    assert found(client, "松北区政务中心") == ["松北区政务中心"]
    entry = SearchEntry.objects.get(feature=feature)
    assert (entry.pinyin, entry.initials) == ("songbeiquzhengwuzhongxin", "sbqzwzx")
    feature = feature_update(feature=feature, base_version=1, properties={"name": "松北区便民中心"},
                             geometry=Point(126.61, 45.71, srid=4326))
    assert found(client, "政务") == []
    assert found(client, "便民") == ["松北区便民中心"]
    assert SearchEntry.objects.get(feature=feature).point.coords == (126.61, 45.71)
    feature_delete(feature=feature, base_version=2)
    assert found(client, "便民") == []
    assert not SearchEntry.objects.exists()


def test_a_failed_write_leaves_the_index_untouched(client, layer):
    feature = feature_create(layer=layer, geometry=Point(126.6, 45.7, srid=4326), properties={"name": "江北中心"})
    with pytest.raises(Exception, match="version"):
        feature_update(feature=feature, base_version=99, properties={"name": "江南中心"})
    assert list(SearchEntry.objects.values_list("name", flat=True)) == ["江北中心"]
    assert found(client, "江北") == ["江北中心"]


def test_deletes_by_any_path_leave_the_index(layer):
    feature = feature_create(layer=layer, geometry=Point(126.6, 45.7, srid=4326), properties={"name": "甲"})
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM layers_feature WHERE id = %s", [feature.pk])
    assert not SearchEntry.objects.exists()
    feature_create(layer=layer, geometry=Point(126.6, 45.7, srid=4326), properties={"name": "乙"})
    Layer.objects.filter(pk=layer.pk).delete()
    assert not SearchEntry.objects.exists()


def _bulk(layer, count):
    rows = [FeatureInput(geometry=Point(126.6 + i * 1e-4, 45.7, srid=4326),
                         properties={"name": f"网点{i}号", "credit_code": f"CODE-{i:04d}"}) for i in range(count)]
    with CaptureQueriesContext(connection) as queries:
        features_bulk_create(layer=layer, rows=rows)
    return len(queries)


def test_bulk_writes_are_indexed_set_wise(client, layer, departments):
    small = _bulk(layer, 5)
    other = make_layer("other", departments["planning"], schema=CENTRE_SCHEMA)
    large = _bulk(other, 400)
    assert large == small  # the statement count does not grow with the rows
    assert SearchEntry.objects.filter(layer=other).count() == 400
    assert found(client, "CODE-0399") == ["网点399号"]


def test_bulk_writers_index_exactly_as_the_services(layer):
    """The COPY path of imports and rebuilds writes the rows the services' upsert writes, quoting
    and all (array and JSON metacharacters, backslashes, full-width text)."""
    from layers.search.indexing import reindex_layer

    odd = ['区{1,2}"号\\楼', "Ａ座, 银行 {}", "重庆路 NULL", "\t tab\u3000间隔", "a\"b'c", "行"]
    rows = [FeatureInput(geometry=Point(126.6 + i * 1e-3, 45.7, srid=4326),
                         properties={"name": name, "name_en": name.upper(), "credit_code": f"{{{i}}},\\N"})
            for i, name in enumerate(odd)]
    features_bulk_create(layer=layer, rows=rows)
    columns = ("feature_id", "layer_id", "name", "text", "pinyin", "initials", "codes", "bigrams", "fields", "point")
    by_services = list(SearchEntry.objects.order_by("feature_id").values_list(*columns))
    assert reindex_layer(layer=layer) == len(rows)
    assert list(SearchEntry.objects.order_by("feature_id").values_list(*columns)) == by_services
    assert by_services[0][6] == sorted({'区{1,2}"号\\楼', '区{1,2}"号\\楼'.upper().casefold(), "{0},\\n"})


def test_reindex_command_picks_up_a_schema_change(client, layer):
    feature_create(layer=layer, geometry=Point(126.6, 45.7, srid=4326),
                   properties={"name": "图书馆", "hours": "全天开放"})
    assert found(client, "全天开放") == []
    layer.schema = [dict(f, searchable=True) if f["name"] == "hours" else f for f in layer.schema]
    layer.save()
    call_command("search_reindex", "--layer", "centres", stdout=open("/dev/null", "w"))
    assert found(client, "全天开放") == ["图书馆"]


def test_pg_trgm_extracts_trigrams_from_chinese_text_in_this_database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT array_length(show_trgm('南岗区'), 1), similarity('南岗区政务中心', '南岗区'),"
                       " similarity('南岗区', '道外区')")
        trigrams, close, far = cursor.fetchone()
    # "  南", " 南岗", "南岗区", "岗区 ": the database's character classes treat Han characters as letters.
    assert trigrams == 4
    assert close > 0.3 and far < close


def test_the_trigram_index_answers_a_chinese_contains_query(layer):
    names = ["哈尔滨市南岗区政务中心", "道外区图书馆", "南岗区第一中学"] + [f"建筑{i}号" for i in range(300)]
    features_bulk_create(layer=layer, rows=[
        FeatureInput(geometry=Point(126.6 + (i % 50) * 1e-3, 45.7, srid=4326), properties={"name": name})
        for i, name in enumerate(names)
    ])
    query = "SELECT feature_id FROM search_searchentry WHERE text LIKE %s ORDER BY feature_id"
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + query, ["%南岗区%"])
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute(query, ["%南岗区%"])
        by_index = [row[0] for row in cursor.fetchall()]
    assert "search_text_trgm" in plan
    assert len(by_index) == 2


def test_an_undeleted_feature_is_found_again(client, layer):
    feature = feature_create(layer=layer, geometry=Point(126.6, 45.7, srid=4326), properties={"name": "太阳岛驿站"})
    feature_delete(feature=feature, base_version=1)
    assert found(client, "太阳岛驿站") == []
    feature_undelete(layer=layer, feature_id=feature.pk)
    assert found(client, "太阳岛驿站") == ["太阳岛驿站"]


def test_a_schema_change_through_the_layer_service_reindexes(client, layer, users):
    feature_create(layer=layer, geometry=Point(126.6, 45.7, srid=4326),
                   properties={"name": "图书馆", "hours": "夜间开放"})
    assert found(client, "夜间开放") == []
    schema = [dict(f, searchable=True) if f["name"] == "hours" else f for f in layer.schema]
    layer_update(layer=layer, actor=users["planning_manager"], changes={"schema": schema})
    assert found(client, "夜间开放") == ["图书馆"]


def test_imports_are_indexed_in_every_mode(client, users, departments, tmp_path, django_capture_on_commit_callbacks):
    schools = make_layer("p-schools", departments["planning"])
    feature_create(layer=schools, geometry=Point(126.63, 45.75, srid=4326),
                   properties={"name": "老学校", "level": "middle"})
    client.force_login(users["planning_editor"])

    def load(**fields):
        with open(write_geojson(tmp_path), "rb") as handle, django_capture_on_commit_callbacks(execute=True):
            response = client.post("/api/imports/", {"file": handle, "layer": schools.slug, **fields})
        assert client.get(response.json()["url"]).json()["state"] == "succeeded"

    load(mode="replace")
    assert "老学校" not in found(client, "老学校")
    assert found(client, "松花江小学") == ["道里区松花江小学"]
    load(mode="upsert", key="name")
    assert SearchEntry.objects.filter(layer=schools).count() == Feature.objects.filter(layer=schools).count() == 3
    assert found(client, "nangangqushiyan") == ["南岗区实验小学"]


@pytest.mark.parametrize(("text", "initials"), [
    ("重庆路12号银行大楼", "cql12hyhdl"), ("长春街a座", "ccjaz"), ("行政服务中心", "xzfwzx"),
    ("乐器行2楼·音乐厅", "yqx2l·yyt"), ("南岗区 重要 还款", "ngq zy hk"),
])
def test_pinyin_by_runs_is_pinyin_of_the_whole_text(text, initials):
    """Pinyin is computed and cached per run of Chinese (or other) characters; pypinyin segments
    words within a run only, so the joined result is what it gives for the whole text."""
    import re

    from pypinyin import lazy_pinyin

    from layers.search.text import pinyin_forms

    full = re.sub(r"[^0-9a-z]", "", "".join(lazy_pinyin(text)).casefold())
    assert pinyin_forms(text) == (full, re.sub(r"[^0-9a-z]", "", initials))


def test_two_character_pieces_stay_inside_each_indexed_value(client, layer):
    """A name and another searchable value are separate texts: no piece spans the two."""
    feature = feature_create(layer=layer, geometry=Point(126.6, 45.7, srid=4326),
                             properties={"name": "南岗中心", "name_en": "红军街"})
    entry = SearchEntry.objects.get(feature=feature)
    assert {"南岗", "中心", "红军", "军街"} <= set(entry.bigrams)
    assert not [piece for piece in entry.bigrams if "|" in piece]
    assert found(client, "军街") == ["南岗中心"]


def _pending_gin_entries() -> int:
    with connection.cursor() as cursor:
        cursor.execute("CREATE EXTENSION IF NOT EXISTS pgstattuple")
        cursor.execute(f"SELECT sum((pgstatginindex(g.indexrelid)).pending_tuples) FROM ({GIN_INDEXES}) g")
        return cursor.fetchone()[0]


def test_a_bulk_write_merges_the_gin_pending_lists(client, layer, monkeypatch):
    """Entries left in GIN's pending lists are read by every search until VACUUM merges them."""
    from layers.search import indexing

    _bulk(layer, 1200)
    monkeypatch.setattr(indexing, "PENDING_MERGE_ROWS", 10_000)
    assert indexing.reindex_layer(layer=layer) == 1200
    assert _pending_gin_entries() > 1200  # several index keys a row, all still pending
    monkeypatch.setattr(indexing, "PENDING_MERGE_ROWS", 1000)
    assert indexing.reindex_layer(layer=layer) == 1200
    assert _pending_gin_entries() == 0
    assert found(client, "CODE-1199") == ["网点1199号"]
    with connection.cursor() as cursor:  # a role that does not own the indexes leaves the merge out
        cursor.execute("CREATE ROLE search_writer_only; GRANT SELECT, INSERT, DELETE ON ALL TABLES IN SCHEMA public "
                       "TO search_writer_only; SET LOCAL ROLE search_writer_only")
        cursor.execute(indexing._MERGE_PENDING)
        assert cursor.fetchall() == []
        cursor.execute("RESET ROLE")


def test_the_migration_drops_pieces_spanning_two_values(layer):
    """Rows indexed under the old rule (pieces across the '|') are rewritten by search 0003."""
    import importlib

    migration = importlib.import_module("layers.search.migrations.0003_bigrams_within_parts")
    feature = feature_create(layer=layer, geometry=Point(126.6, 45.7, srid=4326),
                             properties={"name": "南岗中心", "name_en": "红军街"})
    entry = SearchEntry.objects.get(feature=feature)
    current = list(entry.bigrams)
    SearchEntry.objects.filter(pk=entry.pk).update(bigrams=sorted([*current, "心|", "|红"]))
    with connection.schema_editor() as editor:
        migration.rebuild_spanning_bigrams(None, editor)
    assert SearchEntry.objects.get(pk=entry.pk).bigrams == current
