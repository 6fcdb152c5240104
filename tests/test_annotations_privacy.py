"""Contact data, follow-ups and internal notes never appear in any public response; text typed by
the public is stored as text and escaped where it is shown."""
import json

import pytest

from annotations.models import InternalNote
from annotations.services import annotation_follow_up
from annotations.workflow import annotation_transition
from tests.annotation_factories import IN_EAST, jpeg_upload, submit

SECRETS = {
    "name": "王秘密Wang",
    "contact": "private.person@example.org",
    "follow_up": "FOLLOWUP-private-remark",
    "transition_note": "INTERNAL-transition-note",
    "staff_note": "INTERNAL-pinned-note",
}
PAYLOAD = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2"><b>bold</b>'


@pytest.fixture
def published(city, django_capture_on_commit_callbacks):
    submitted = submit(city["light"], name=SECRETS["name"], contact=SECRETS["contact"],
                       description=f"灯坏了 {PAYLOAD}", photos=[jpeg_upload()])
    annotation = submitted.annotation
    annotation_follow_up(annotation=annotation, token=submitted.follow_up_token, text=SECRETS["follow_up"])
    editor = city["urban_editor"]
    for state in ("published", "assigned", "in_progress"):
        annotation = annotation_transition(annotation=annotation, to_state=state, user=editor,
                                           public_reply=f"答复 {PAYLOAD}", internal_note=SECRETS["transition_note"])
    InternalNote.objects.create(author=editor, department=city["urban"], audience="staff", geom=IN_EAST,
                                text=SECRETS["staff_note"])
    return annotation


def public_urls(number: str) -> list[str]:
    return [
        "/", f"/track/{number}/", "/track/?number=" + number,
        "/api/layers/", "/api/layers/feedback/", "/api/layers/feedback/features/", "/api/annotations/categories/",
        "/open311/v2/services.json", "/open311/v2/services.xml",
        "/open311/v2/requests.json", "/open311/v2/requests.xml",
        f"/open311/v2/requests/{number}.json", f"/open311/v2/requests/{number}.xml",
        "/ogc/collections/feedback", "/ogc/collections/feedback/items?f=json",
    ]


def test_no_private_data_in_any_public_response(client, published):
    number = published.tracking_number
    for url in public_urls(number):
        response = client.get(url, follow=True)
        assert response.status_code == 200, url
        body = (b"".join(response.streaming_content) if response.streaming else response.content).decode()
        for label, secret in SECRETS.items():
            assert secret not in body, f"{label} leaked through {url}"
    assert number in client.get("/open311/v2/requests.json").content.decode()
    assert number in b"".join(client.get("/api/layers/feedback/features/").streaming_content).decode()
    ogc_response = client.get("/ogc/collections/feedback/items?f=json")
    ogc_items = json.loads(b"".join(ogc_response.streaming_content) if ogc_response.streaming
                           else ogc_response.content)
    assert [f["properties"]["tracking_number"] for f in ogc_items["features"]] == [number]
    # Staff-only pages are not reachable anonymously.
    for url in ("/inbox/", f"/inbox/{number}/", "/inbox/notes/", "/inbox/map.geojson", "/stats/"):
        assert client.get(url).status_code == 302, url


def test_payloads_are_escaped_in_pages(client, published, city):
    track = client.get(f"/track/{published.tracking_number}/").content.decode()
    assert "<script>window.__pwned" not in track and "&lt;script&gt;window.__pwned" in track
    assert "<b>bold</b>" not in track
    client.force_login(city["urban_editor"])
    for url in ("/inbox/", f"/inbox/{published.tracking_number}/"):
        page = client.get(url).content.decode()
        assert "<script>window.__pwned" not in page and "<img src=x" not in page, url
    staff_page = client.get(f"/inbox/{published.tracking_number}/").content.decode()
    assert SECRETS["contact"] in staff_page and SECRETS["follow_up"] in staff_page


def test_other_departments_do_not_see_the_item(client, published, city, users):
    client.force_login(city["service_editor"])
    assert client.get(f"/inbox/{published.tracking_number}/").status_code == 404
    assert published.tracking_number not in client.get("/inbox/").content.decode()
    client.force_login(users["public"])
    assert client.get("/inbox/").status_code == 403
    client.force_login(users["admin"])
    assert client.get(f"/inbox/{published.tracking_number}/").status_code == 200
