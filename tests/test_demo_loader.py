"""The Harbin demo loader: counts, labelling, placement, determinism and idempotency.

The demo is loaded once for the module (inside a transaction rolled back at the end), because
each load reads the 10 MB boundary file and builds ~2,700 features."""
from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from fixtures.demo_features import TOTALS
from fixtures.demo_geometry import RIVER_BUFFER_M, SONGHUA_LINE
from fixtures.demo_layers import DEMO_LAYERS, URBAN_CORE
from fixtures.harbin import DEPARTMENTS, load_demo
from fixtures.models import DemoLayerState
from fixtures.uscc import is_valid_uscc
from geoportal.accounts.models import Department, User
from layers.models import Feature, Layer
from layers.schema import validate_properties

DEMO_SLUGS = {layer.slug for layer in DEMO_LAYERS}


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        first = load_demo()
        yield first
        transaction.set_rollback(True)


def _snapshot() -> dict:
    return {
        "features": list(Feature.objects.order_by("id").values_list("id", "version", "updated_at")),
        "layers": list(Layer.objects.order_by("id").values_list("id", "updated_at", "feature_count")),
        "users": list(User.objects.order_by("id").values_list("id", "password", "last_login")),
    }


@pytest.mark.django_db
def test_counts_departments_and_accounts(demo):
    assert demo["districts"] == 18
    assert demo["service-centres"] == 19  # the municipal centre and one per district or county
    assert DEMO_SLUGS <= set(demo)
    assert sum(demo[slug] for slug in DEMO_SLUGS) >= 2000
    assert {slug: demo[slug] for slug in TOTALS} == TOTALS
    assert demo["land-use-zones"] >= 300
    owners = set(Layer.objects.filter(slug__in=DEMO_SLUGS).values_list("department__code", flat=True))
    assert owners == {code for code, *_ in DEPARTMENTS}
    for code, _, _, editor in DEPARTMENTS:
        user = User.objects.get(username=editor)
        assert user.department.code == code and user.role == User.Role.EDITOR
    assert User.objects.get(username="admin").is_platform_admin
    assert Department.objects.count() == len(DEPARTMENTS)


@pytest.mark.django_db
def test_loading_twice_changes_nothing(demo):
    before = _snapshot()
    call_command("load_harbin_demo", stdout=open("/dev/null", "w"))
    assert _snapshot() == before


@pytest.mark.django_db
def test_layers_are_labelled_bilingual_demo_data_with_distinct_styles(demo):
    layers = list(Layer.objects.filter(slug__in=DEMO_SLUGS))
    styles = set()
    for layer in layers:
        assert layer.is_demo
        assert "示例数据" in layer.description_zh and "demo data" in layer.description_en.lower()
        assert layer.title_zh and layer.title_en and layer.attribution and layer.licence
        for field in layer.schema:
            assert field["label_zh"] and field["label_en"], (layer.slug, field["name"])
        styles.add((layer.style["stroke"], layer.style["fill"], layer.style["symbol"], layer.style["radius"]))
    assert len(styles) == len(layers)
    districts = Layer.objects.get(slug="districts")
    assert not districts.is_demo and "天地图" in districts.attribution


@pytest.mark.django_db
def test_layer_stats_match_the_features(demo):
    with connection.cursor() as cursor:
        cursor.execute("""
            SELECT l.slug FROM layers_layer l
            JOIN (SELECT layer_id, count(*) AS n, ST_Extent(geom) AS e FROM layers_feature GROUP BY layer_id) s
              ON s.layer_id = l.id
            WHERE l.feature_count <> s.n OR NOT ST_Equals(l.extent, ST_SetSRID(s.e::geometry, 4326))
        """)
        assert cursor.fetchall() == []


@pytest.mark.django_db
def test_every_demo_feature_is_valid_in_its_district_and_off_the_river(demo):
    with connection.cursor() as cursor:
        cursor.execute("""
            WITH d AS (SELECT f.properties->>'code' AS code, f.geom FROM layers_feature f
                       JOIN layers_layer l ON l.id = f.layer_id WHERE l.slug = 'districts')
            SELECT l.slug, f.id, ST_IsValid(f.geom),
                   ST_CoveredBy(f.geom, ST_Buffer(d.geom, 0.00001)),              -- within ~1 m
                   ST_Distance(f.geom::geography, ST_GeomFromEWKT(%s)::geography)
            FROM layers_feature f JOIN layers_layer l ON l.id = f.layer_id
            LEFT JOIN d ON d.code = f.properties->>'district_code'
            WHERE l.slug = ANY(%s)
        """, [SONGHUA_LINE.ewkt, list(DEMO_SLUGS)])
        rows = cursor.fetchall()
    assert len(rows) >= 2000
    assert [r for r in rows if not r[2]] == []
    assert [r[:2] for r in rows if not r[3]] == []
    assert min(r[4] for r in rows) > RIVER_BUFFER_M * 0.98  # the buffer is a polygon: a few metres short


@pytest.mark.django_db
def test_features_are_weighted_toward_the_urban_districts(demo):
    schools = Feature.objects.filter(layer__slug="schools")
    urban = schools.filter(properties__district_code__in=URBAN_CORE).count()
    assert urban > schools.count() / 2  # six of eighteen units hold most schools
    zones = Feature.objects.filter(layer__slug="land-use-zones")
    assert set(zones.values_list("properties__district_code", flat=True).distinct()) == set(URBAN_CORE)


@pytest.mark.django_db
def test_stored_properties_fit_each_layer_schema(demo):
    for layer in Layer.objects.filter(slug__in=DEMO_SLUGS):
        for properties in Feature.objects.filter(layer=layer).values_list("properties", flat=True):
            assert validate_properties(layer.schema, properties) == properties


@pytest.mark.django_db
def test_enterprise_credit_codes_are_valid_unique_and_local(demo):
    rows = list(Feature.objects.filter(layer__slug="enterprises").values_list("properties", flat=True))
    codes = [p["uscc"] for p in rows]
    assert all(is_valid_uscc(code) for code in codes)
    assert len(set(codes)) == len(codes)
    assert all(p["uscc"][2:8] == p["district_code"] for p in rows)
    assert len({p["name"] for p in rows}) == len(rows)


@pytest.mark.django_db
def test_generation_is_deterministic(demo):
    """A changed layer is rebuilt exactly as before: same places, same attributes."""
    layer = Layer.objects.get(slug="hospitals")
    before = list(Feature.objects.filter(layer=layer).order_by("id").values_list("geom", "properties"))
    Feature.objects.filter(layer=layer, id=Feature.objects.filter(layer=layer).first().id).delete()
    load_demo()
    after = list(Feature.objects.filter(layer=layer).order_by("id").values_list("geom", "properties"))
    assert [(g.wkt, p) for g, p in after] == [(g.wkt, p) for g, p in before]


@pytest.mark.django_db
def test_changed_inputs_that_build_the_same_features_keep_them(demo):
    """A new fingerprint (e.g. an edited comment in the generator) regenerates and compares, but
    rewrites nothing when the result is the same."""
    DemoLayerState.objects.update(fingerprint="stale")
    before = _snapshot()
    load_demo()
    assert _snapshot() == before
    assert DemoLayerState.objects.count() == len(DEMO_LAYERS) + 1  # and the demo elevation raster
    assert not DemoLayerState.objects.filter(fingerprint="stale").exists()
