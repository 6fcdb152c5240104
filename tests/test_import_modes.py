"""Loading into existing layers (append, replace, upsert), atomicity, geometry repair and the report."""
from __future__ import annotations

import pytest
from django.contrib.gis.geos import Point
from django.db import connection

from layers.io.models import ImportJob
from layers.models import Feature, Layer
from layers.services import feature_create
from layers.signals import features_changed
from tests.conftest import make_layer
from tests.io_samples import POINTS, feature_collection, write_geojson

pytestmark = pytest.mark.django_db


@pytest.fixture
def post(client, users, django_capture_on_commit_callbacks):
    client.force_login(users["planning_manager"])

    def run(path, **fields):
        with open(path, "rb") as handle, django_capture_on_commit_callbacks(execute=True):
            response = client.post("/api/imports/", {"file": handle, **fields})
        job = client.get(response.json()["url"]).json() if response.status_code == 202 else None
        return response, job

    return run


@pytest.fixture
def schools(departments):
    layer = make_layer("p-schools", departments["planning"])
    feature_create(layer=layer, geometry=Point(126.62, 45.74, srid=4326),
                   properties={"name": "哈尔滨市第一中学", "level": "primary", "pupils": 5})
    feature_create(layer=layer, geometry=Point(126.63, 45.75, srid=4326),
                   properties={"name": "老学校", "level": "middle"})
    return layer


def names(layer) -> set[str]:
    return set(Feature.objects.filter(layer=layer).values_list("name", flat=True))


def test_append_maps_fields_by_name_and_notifies(post, schools, tmp_path):
    seen = []
    features_changed.connect(lambda **kw: seen.append(kw["layer_id"]), weak=False, dispatch_uid="t-append")
    try:
        response, job = post(write_geojson(tmp_path), layer=schools.slug, mode="append")
    finally:
        features_changed.disconnect(dispatch_uid="t-append")
    assert job["state"] == "succeeded", job
    assert job["report"]["created"] == 3
    schools.refresh_from_db()
    assert schools.feature_count == 5
    assert names(schools) == {"老学校", *(p[2] for p in POINTS)}
    assert schools.pk in seen
    assert job["report"]["mapping"] == {"name": "name", "pupils": "pupils", "level": "level"}


def test_replace(post, schools, tmp_path):
    _, job = post(write_geojson(tmp_path), layer=schools.slug, mode="replace")
    assert job["report"]["deleted"] == 2 and job["report"]["created"] == 3
    assert names(schools) == {p[2] for p in POINTS}


def test_upsert_by_key(post, schools, tmp_path):
    _, job = post(write_geojson(tmp_path), layer=schools.slug, mode="upsert", key="name")
    assert job["state"] == "succeeded", job
    assert (job["report"]["updated"], job["report"]["created"]) == (1, 2)
    first = Feature.objects.get(layer=schools, name="哈尔滨市第一中学")
    assert first.version == 2 and first.properties["pupils"] == 1200 and first.properties["level"] == "middle"
    assert Feature.objects.filter(layer=schools).count() == 4


def test_upsert_refuses_repeated_keys(post, schools, tmp_path):
    data = feature_collection(POINTS + [POINTS[0]])
    _, job = post(write_geojson(tmp_path, data), layer=schools.slug, mode="upsert", key="name")
    assert job["state"] == "failed"
    assert job["report"]["rejected"][0]["row"] == 4
    assert Feature.objects.filter(layer=schools).count() == 2


def test_a_bad_row_writes_nothing_and_is_reported(post, schools, tmp_path):
    data = feature_collection()
    data["features"][1]["properties"]["pupils"] = "many"
    data["features"][2]["properties"]["level"] = "university"
    _, job = post(write_geojson(tmp_path, data), layer=schools.slug, mode="replace")
    assert job["state"] == "failed"
    assert "nothing was written" in job["error"]
    assert [r["row"] for r in job["report"]["rejected"]] == [2, 3]
    assert "pupils: Enter a whole number." in job["report"]["rejected"][0]["reason"]
    assert "level" in job["report"]["rejected"][1]["reason"]
    assert names(schools) == {"哈尔滨市第一中学", "老学校"}
    assert job["layer"] is None


def test_a_missing_required_value_is_refused(post, schools, tmp_path):
    data = feature_collection()
    del data["features"][0]["properties"]["level"]
    _, job = post(write_geojson(tmp_path, data), layer=schools.slug, mode="append")
    assert job["state"] == "failed" and job["report"]["rejected"][0]["row"] == 1
    assert Feature.objects.filter(layer=schools).count() == 2


def test_failure_in_a_new_layer_leaves_no_layer(post, tmp_path):
    data = feature_collection()
    data["features"][2]["geometry"]["coordinates"] = [10.0, 10.0]  # far outside the city
    _, job = post(write_geojson(tmp_path, data), title="失败的图层")
    assert job["state"] == "failed"
    assert job["report"]["rejected"] == [{"row": 3, "reason": "outside the served area"}]
    assert not Layer.objects.filter(title_zh="失败的图层").exists()


def polygons_with_problems() -> dict:
    bowtie = [[126.60, 45.70], [126.61, 45.71], [126.61, 45.70], [126.60, 45.71], [126.60, 45.70]]
    square = [[126.62, 45.72], [126.63, 45.72], [126.63, 45.73], [126.62, 45.73], [126.62, 45.72]]
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [square]}, "properties": {"name": "ok"}},
        {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [bowtie]}, "properties": {"name": "bowtie"}},
        {"type": "Feature", "geometry": None, "properties": {"name": "nothing"}},
        {"type": "Feature", "geometry": {"type": "MultiPolygon", "coordinates": [[square]]},
         "properties": {"name": "multi"}},
    ]}


@pytest.mark.parametrize("invalid", ["repair", "skip", "fail"])
def test_invalid_and_null_geometries(post, tmp_path, invalid):
    _, job = post(write_geojson(tmp_path, polygons_with_problems()), title="地块", invalid=invalid)
    if invalid == "fail":
        assert job["state"] == "failed" and job["report"]["rejected"][0]["row"] == 2
        return
    assert job["state"] == "succeeded", job
    report = job["report"]
    assert {"row": 3, "reason": "no geometry"} in report["skipped"]
    if invalid == "repair":
        assert [c["row"] for c in report["changed"]] == [2]
        assert report["created"] == 3
        bowtie = Feature.objects.get(name="bowtie")
        assert bowtie.geom.valid and bowtie.geom.geom_type == "MultiPolygon"
    else:
        assert any(s["row"] == 2 and "invalid" in s["reason"] for s in report["skipped"])
        assert report["created"] == 2
    assert Layer.objects.get(slug=job["layer"]["slug"]).geometry_type == "polygon"


def test_wrong_geometry_family_is_refused(post, tmp_path, departments):
    layer = make_layer("parcels", departments["planning"], geometry_type="polygon", schema=[])
    _, job = post(write_geojson(tmp_path), layer=layer.slug, mode="append")
    assert job["state"] == "failed" and len(job["report"]["rejected"]) == 3


def test_dry_run_writes_nothing_but_reports_and_previews(post, schools, tmp_path):
    response, job = post(write_geojson(tmp_path), layer=schools.slug, mode="replace", dry_run="1")
    assert job["state"] == "succeeded" and job["report"]["dry_run"] is True
    assert job["report"]["created"] == 3 and job["report"]["deleted"] == 2
    assert names(schools) == {"哈尔滨市第一中学", "老学校"}
    preview = job["report"]["preview"]
    assert len(preview["features"]) == 3
    assert preview["features"][0]["properties"]["name"] == POINTS[0][2]
    assert job["layer"] is None


def test_field_mapping_for_a_new_layer(post, tmp_path):
    _, job = post(write_geojson(tmp_path), title="映射", mapping='{"title": "name", "size": "pupils"}')
    assert job["state"] == "succeeded", job
    feature = Feature.objects.filter(layer__slug=job["layer"]["slug"]).order_by("id").first()
    assert feature.properties == {"title": POINTS[0][2], "size": POINTS[0][3]}


def test_staging_table_is_dropped(post, tmp_path):
    _, job = post(write_geojson(tmp_path), title="临时表")
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_tables WHERE tablename = %s",
                       ["layers_io_stage_" + job["id"].replace("-", "")])
        assert cursor.fetchone()[0] == 0


def test_permissions(client, users, schools, departments, tmp_path):
    path = write_geojson(tmp_path)
    other = make_layer("edu-layer", departments["education"])
    client.force_login(users["planning_editor"])
    with open(path, "rb") as handle:
        response = client.post("/api/imports/", {"file": handle, "layer": other.slug, "mode": "append"})
    assert response.status_code == 400 and "may edit" in response.json()["error"]
    with open(path, "rb") as handle:
        response = client.post("/api/imports/", {"file": handle, "title": "x"})
    assert response.status_code == 400 and "Only department managers create new layers" in response.json()["error"]
    client.force_login(users["public"])
    with open(path, "rb") as handle:
        response = client.post("/api/imports/", {"file": handle, "title": "x"})
    assert response.status_code == 400 and "Only department managers create new layers" in response.json()["error"]
    client.logout()
    with open(path, "rb") as handle:
        response = client.post("/api/imports/", {"file": handle, "title": "x"})
    assert response.status_code == 401  # not signed in (the API also takes tokens)
    assert not ImportJob.objects.exists()


def test_jobs_are_private_and_cancellable(client, users, departments):
    job = ImportJob.objects.create(mode="new", source_name="a.geojson", source_format="geojson",
                                   created_by=users["planning_editor"])
    client.force_login(users["education_editor"])
    assert client.get(f"/api/imports/{job.pk}/").status_code == 404
    assert client.delete(f"/api/imports/{job.pk}/").status_code == 404
    client.force_login(users["planning_editor"])
    response = client.delete(f"/api/imports/{job.pk}/")
    assert response.status_code == 200 and response.json()["state"] == "cancelled"


def test_history_of_imported_features(post, schools, tmp_path, users):
    """Updates, deletions, baselines and creations are recorded with channel "import"; a created
    feature's version 1 is recorded at its creation time, by the importer, so "as of" is unchanged."""
    import datetime
    import json

    from django.utils import timezone
    from django.utils.dateparse import parse_datetime

    from layers.history.models import AuditLog, FeatureVersion
    from layers.history.restore import feature_restore_version
    from layers.history.selectors import feature_collection_asof_geojson, feature_versions
    from layers.services import feature_undelete, feature_update

    def asof(moment):
        return [(f["id"], f["properties"]["_version"]) for f in
                json.loads(feature_collection_asof_geojson(layer=schools, asof=moment))["features"]]

    manager = users["planning_manager"]
    first = Feature.objects.get(layer=schools, name="哈尔滨市第一中学")
    old = Feature.objects.get(layer=schools, name="老学校")
    before = timezone.now()
    _, job = post(write_geojson(tmp_path), layer=schools.slug, mode="upsert", key="name")
    after = timezone.now()
    versions = FeatureVersion.objects.filter(layer=schools, channel="import")
    updated = versions.get(action="update")
    assert updated.version == 2 and updated.properties["pupils"] == 1200 and updated.user == manager
    created = list(Feature.objects.filter(layer=schools).exclude(pk__in=[first.pk, old.pk]))
    assert len(created) == 2 and {(f.created_by, f.version) for f in created} == {(manager, 1)}
    assert before <= created[0].created_at <= after
    assert {(v.feature_id, v.version, v.user, v.recorded_at) for v in versions.filter(action="create")} == {
        (f.pk, 1, manager, f.created_at) for f in created}

    # "As of": before the import the two old features, after it all four.
    assert asof(before) == [(first.pk, 1), (old.pk, 1)]
    assert asof(after) == sorted([(first.pk, 2), (old.pk, 1), *((f.pk, 1) for f in created)])
    assert asof(before - datetime.timedelta(days=1)) == []

    # An imported feature's history: its stored state, written by the importer at the import.
    imported = created[0]
    listed = feature_versions(layer=schools, feature_id=imported.pk)
    assert [(v["version"], v["action"], v["user"], v["properties"]) for v in listed] == [
        (1, "create", manager.username, imported.properties)]
    assert parse_datetime(listed[0]["recorded_at"]) == imported.created_at

    # Edited, then restored: its first change keeps the imported state as version 1.
    edited = feature_update(feature=imported, base_version=1, properties={"pupils": 1}, partial=True,
                            user=users["admin"], channel="browser")
    restored = feature_restore_version(feature=edited, version=1, base_version=2, user=users["admin"])
    assert restored.version == 3 and restored.properties == imported.properties
    assert [(v["version"], v["action"]) for v in feature_versions(layer=schools, feature_id=imported.pk)] == [
        (3, "restore"), (2, "update"), (1, "create")]
    assert asof(after) == sorted([(first.pk, 2), (old.pk, 1), *((f.pk, 1) for f in created)])

    # The audit log names who imported what.
    entry = AuditLog.objects.get(layer=schools, action="layer.import")
    assert entry.actor == manager and entry.changes["job"] == [None, job["id"]]
    assert (entry.changes["mode"], entry.changes["created"], entry.changes["updated"]) == (
        [None, "upsert"], [None, 2], [None, 1])

    # Replace: every feature's last state is kept as a deletion (imported ones too), and the new
    # features are created after those deletions, so no moment shows both.
    _, job = post(write_geojson(tmp_path), layer=schools.slug, mode="replace")
    deleted = FeatureVersion.objects.get(feature_id=old.pk, action="delete")
    assert deleted.channel == "import" and deleted.deleted and deleted.properties["name"] == "老学校"
    assert FeatureVersion.objects.filter(layer=schools, action="delete").count() == 4
    assert FeatureVersion.objects.get(feature_id=created[1].pk, action="create").user == manager
    new = list(Feature.objects.filter(layer=schools))
    assert len(new) == 3 and min(f.created_at for f in new) > max(
        v.recorded_at for v in FeatureVersion.objects.filter(layer=schools, action="delete"))
    assert asof(timezone.now()) == [(f.pk, 1) for f in new]
    back = feature_undelete(layer=schools, feature_id=created[1].pk, channel="browser")  # undo works for them too
    assert back.properties == created[1].properties and back.version == 3


def test_api_tokens_import_into_their_layers_and_see_only_their_jobs(client, schools, tmp_path, users,
                                                                     django_capture_on_commit_callbacks):
    from layers.api.models import ApiToken
    from layers.api.tokens import token_issue

    _, raw = token_issue(name="registry", scope=ApiToken.Scope.WRITE, layers=[schools])
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    with open(write_geojson(tmp_path), "rb") as handle, django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/imports/", {"file": handle, "layer": schools.slug, "mode": "append"}, **auth)
    assert response.status_code == 202, response.content
    job = client.get(response.json()["url"], **auth).json()
    assert job["state"] == "succeeded" and job["report"]["created"] == 3
    assert [j["id"] for j in client.get("/api/imports/", **auth).json()["imports"]] == [job["id"]]
    client.force_login(users["planning_editor"])  # a person does not see the token's job
    assert client.get(job["url"]).status_code == 404
    with open(write_geojson(tmp_path), "rb") as handle:
        refused = client.post("/api/imports/", {"file": handle, "title": "新"}, **auth)
    assert refused.status_code == 400
