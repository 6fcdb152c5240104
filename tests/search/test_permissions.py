"""Search never leaks: the public never finds a feature of an internal layer, not even by its exact
code, and its responses are byte-identical whether or not such a feature exists."""
import pytest

from geoportal.accounts.models import User
from layers.models import Layer
from tests.conftest import make_user
from tests.search_data import add_secret_feature, add_secret_layer

pytestmark = pytest.mark.django_db

PROBES = [
    {"q": "SECRET-0001"}, {"q": "secret-0001"}, {"q": "南岗区机密地块"}, {"q": "机密"}, {"q": "南岗"},
    {"q": "ngq"}, {"q": "nangangqujimi"}, {"q": "南岗区机蜜地块"}, {"within": "230103"},
    {"near": "126.66,45.73", "radius": "2000"}, {"q": "地块", "bbox": "126.6,45.7,126.7,45.76"},
    {"area": "126.6,45.7,126.7,45.7,126.7,45.76", "limit": "50"},
]


def _bodies(client) -> list[bytes]:
    return [client.get("/api/search", params).content for params in PROBES]


def test_public_responses_are_identical_whether_or_not_the_internal_feature_exists(client, search_world,
                                                                                   departments):
    secret_layer = add_secret_layer(departments["education"])
    before = _bodies(client)
    feature = add_secret_feature(secret_layer)
    after = _bodies(client)
    assert before == after
    assert b"SECRET" not in b"".join(after) and "机密".encode() not in b"".join(after)
    # The feature is really there and found by someone who may see it: the probes do reach it.
    staff = client.__class__()
    staff.force_login(make_user("edu", department=departments["education"], role=User.Role.EDITOR))
    found = staff.get("/api/search", {"q": "SECRET-0001"}).json()["features"]
    assert [f["id"] for f in found] == [feature.pk]
    assert found[0]["properties"]["match"] == "exact"


def test_other_departments_staff_do_not_find_it_either(client, search_world, departments, users):
    add_secret_feature(add_secret_layer(departments["education"]))
    client.force_login(users["planning_editor"])
    assert client.get("/api/search", {"q": "SECRET-0001"}).json()["features"] == []
    client.force_login(users["education_editor"])
    assert len(client.get("/api/search", {"q": "SECRET-0001"}).json()["features"]) == 1
    client.force_login(users["admin"])
    assert len(client.get("/api/search", {"q": "SECRET-0001"}).json()["features"]) == 1


def test_a_hidden_layer_named_in_the_filter_answers_like_a_missing_one(client, search_world, departments):
    secret_layer = add_secret_layer(departments["education"])
    add_secret_feature(secret_layer)
    hidden = client.get("/api/search", {"q": "x", "layers": "internal-parcels"})
    Layer.objects.filter(pk=secret_layer.pk).delete()
    missing = client.get("/api/search", {"q": "x", "layers": "internal-parcels"})
    assert hidden.status_code == missing.status_code == 400
    assert hidden.content == missing.content


def test_a_hidden_gazetteer_hides_its_districts(client, search_world):
    search_world["districts"].visibility = Layer.Visibility.STAFF
    search_world["districts"].save()
    response = client.get("/api/search", {"q": "服务", "within": "230103"})
    assert response.status_code == 400
    assert "No district has the code" in response.json()["error"]
    assert client.get("/api/search", {"q": "南岗区"}).json()["features"][0]["properties"]["layer"] != "districts"
