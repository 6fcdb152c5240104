"""`manage.py mirror`: 1,000 random edits from 4 threads, mirrored while they run and after, and
the GeoPackage or PostGIS copy (read with GDAL/OGR) holds exactly the source's geometries and properties."""
from __future__ import annotations

import json
import random
import threading

import pytest
from django.contrib.gis.geos import GEOSGeometry, Point
from django.core.management import call_command
from django.db import connections, transaction
from osgeo import ogr

from layers.changes.mirror import STATE_TABLE
from layers.models import Feature
from layers.services import feature_create, feature_delete, feature_update
from tests.conftest import make_layer
from tests.test_changes_feed import read_all

pytestmark = pytest.mark.django_db(transaction=True)


def _edits(layer, seed: int, count: int, errors: list) -> None:
    rng = random.Random(seed)
    mine: list[int] = []
    try:
        for _ in range(count):
            with transaction.atomic():
                choice = rng.random()
                if mine and choice < 0.45:
                    feature = Feature.objects.get(pk=rng.choice(mine))
                    feature_update(feature=feature, base_version=feature.version,
                                   geometry=Point(126.5 + rng.random() / 4, 45.6 + rng.random() / 4, srid=4326)
                                   if rng.random() < 0.5 else None,
                                   properties={"name": f"n{rng.random()}", "level": "primary",
                                               "pupils": rng.randint(0, 5000), "area_ha": rng.random() * 10,
                                               "boarding": rng.random() < 0.5, "founded": "2001-09-01"})
                elif mine and choice < 0.6:
                    feature = Feature.objects.get(pk=mine.pop(rng.randrange(len(mine))))
                    feature_delete(feature=feature)
                else:
                    mine.append(feature_create(
                        layer=layer, geometry=Point(126.5 + rng.random() / 4, 45.6 + rng.random() / 4, srid=4326),
                        properties={"name": f"s{seed}", "level": "middle"}).pk)
    except BaseException as exc:  # noqa: BLE001 - re-raised by the test
        errors.append(exc)
    finally:
        connections.close_all()


def _postgis_target(settings, name: str) -> tuple[str, str]:
    """The test database itself, by postgis:// URL, and the same as an OGR connection string."""
    database = settings.DATABASES["default"]
    dbname = connections["default"].settings_dict["NAME"]
    with connections["default"].cursor() as cursor:  # tables outside Django's models outlive a test
        cursor.execute(f"DROP TABLE IF EXISTS {name}, {STATE_TABLE}")
    return (f"postgis://{database['USER']}:{database['PASSWORD']}@{database['HOST']}:{database['PORT']}/{dbname}",
            f"PG:dbname={dbname} host={database['HOST']} port={database['PORT']} user={database['USER']} "
            f"password={database['PASSWORD']}")


def _mirror_rows(path: str, name: str, schema: list[dict]) -> dict[int, tuple[bytes, dict]]:
    dataset = ogr.Open(path)
    rows = {}
    for row in dataset.GetLayerByName(name):
        props = {}
        for field in schema:
            if not row.IsFieldNull(field["name"]):
                value = row.GetField(field["name"])
                props[field["name"]] = bool(value) if field["type"] == "boolean" else value
        rows[row.GetFID()] = (GEOSGeometry(memoryview(bytes(row.GetGeometryRef().ExportToIsoWkb()))).wkb, props)
    assert dataset.GetLayerByName(STATE_TABLE).GetFeatureCount() == 1
    return rows


@pytest.mark.parametrize("kind", ["gpkg", "postgis"])
def test_a_mirror_kept_from_the_feed_is_identical_after_1000_concurrent_edits(departments, tmp_path, settings, kind):
    layer = make_layer("mirrored", departments["planning"])
    for i in range(20):
        feature_create(layer=layer, geometry=Point(126.6 + i / 100, 45.7, srid=4326),
                       properties={"name": f"before {i}", "level": "middle"})
    target, opened = ((str(tmp_path / "mirror.gpkg"),) * 2 if kind == "gpkg"
                      else _postgis_target(settings, "mirrored"))
    call_command("mirror", "mirrored", "--to", target)  # the first run copies a snapshot
    errors: list = []
    threads = [threading.Thread(target=_edits, args=(layer, seed, 250, errors)) for seed in range(4)]
    for thread in threads:
        thread.start()
    while any(t.is_alive() for t in threads):
        call_command("mirror", "mirrored", "--to", target)  # incremental runs while edits commit
    for thread in threads:
        thread.join()
    assert not errors, errors
    read_all(layer)
    call_command("mirror", "mirrored", "--to", target)
    source = {f.pk: (f.geom.wkb, json.loads(json.dumps(f.properties)))
              for f in Feature.objects.filter(layer=layer)}
    mirrored = _mirror_rows(opened, "mirrored", layer.schema)
    assert len(source) > 100
    assert mirrored.keys() == source.keys()
    for feature_id, (wkb, props) in source.items():
        assert bytes(mirrored[feature_id][0]) == bytes(wkb), feature_id
        assert mirrored[feature_id][1] == props, feature_id


def test_a_mirror_into_postgis_by_url(departments, settings):
    """The target named by a postgis:// URL: here the test database itself, in a table of its own."""
    layer = make_layer("to-postgis", departments["planning"])
    first = feature_create(layer=layer, geometry=Point(126.6, 45.7, srid=4326),
                           properties={"name": "a", "level": "middle", "pupils": 3})
    url, _ = _postgis_target(settings, "mirror_to_postgis")
    call_command("mirror", "to-postgis", "--to", url, "--name", "mirror_to_postgis")
    feature_update(feature=first, base_version=1, properties={"name": "b", "level": "middle", "pupils": 4})
    read_all(layer)
    call_command("mirror", "to-postgis", "--to", url, "--name", "mirror_to_postgis")
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT fid, version, name, pupils FROM mirror_to_postgis")
        assert cursor.fetchall() == [(first.pk, 2, "b", 4)]
