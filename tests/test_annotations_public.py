"""Public submission API, photos, abuse protections, the track page and the follow-up link."""
import io
import uuid

from django.test import Client
from PIL import Image

from annotations.models import Annotation, FollowUp, Photo, State
from annotations.workflow import annotation_transition
from tests.annotation_factories import IN_EAST, IN_WEST, jpeg_upload, post_report


def test_submit_returns_tracking_number_and_routes(client, city):
    response = post_report(client)
    assert response.status_code == 201, response.content
    body = response.json()
    annotation = Annotation.objects.get(tracking_number=body["tracking_number"])
    assert body["track_url"].endswith(f"/track/{annotation.tracking_number}/")
    assert annotation.state == State.SUBMITTED and annotation.department == city["urban"]
    assert annotation.contact == "citizen@example.org" and annotation.follow_up_token_hash
    assert body["follow_up_url"].split("/follow-up/")[1].strip("/") not in annotation.follow_up_token_hash


def test_photo_is_reencoded_without_exif_and_resized(client, city, settings):
    settings.ANNOTATION_PHOTO_MAX_SIDE = 400
    upload = jpeg_upload(size=(1200, 900))
    with Image.open(io.BytesIO(upload.read())) as original:
        assert original.getexif().get_ifd(0x8825), "the test photo must carry GPS EXIF"
    upload.seek(0)
    response = post_report(client, photos=[upload])
    assert response.status_code == 201, response.content
    photo = Photo.objects.get()
    for field in (photo.image, photo.thumbnail):
        with Image.open(field.path) as stored:
            assert stored.format == "JPEG"
            assert not stored.getexif() and "exif" not in stored.info
            assert max(stored.size) <= 400
    assert (photo.width, photo.height) == (400, 300)
    with open(photo.image.path, "rb") as stored:
        raw = stored.read()
    assert b"TestCam" not in raw and b"GPS" not in raw


def test_non_image_renamed_jpg_is_refused(client, city):
    fake = jpeg_upload("evil.jpg")
    fake.file = io.BytesIO(b"#!/bin/sh\necho not an image\n" * 20)
    fake.size = len(fake.file.getvalue())
    response = post_report(client, photos=[fake])
    assert response.status_code == 400
    assert "photos" in response.json()["errors"]
    assert not Annotation.objects.exists()


def test_photo_count_and_text_limits(client, city, settings):
    response = post_report(client, photos=[jpeg_upload(f"p{i}.jpg", size=(50, 50)) for i in range(4)])
    assert response.status_code == 400 and "photos" in response.json()["errors"]
    response = post_report(client, description="x" * (settings.ANNOTATION_MAX_TEXT + 1))
    assert response.status_code == 400 and "description" in response.json()["errors"]
    response = post_report(client, consent="")
    assert response.status_code == 400 and "consent" in response.json()["errors"]
    response = post_report(client, geometry=IN_EAST.buffer(0.001).buffer(-0.002))
    assert response.status_code == 400


def test_honeypot_rejects_silently(client, city):
    response = post_report(client, website="http://spam.example")
    assert response.status_code == 400
    assert not Annotation.objects.exists()


def test_duplicate_offers_the_existing_report(client, city):
    first = post_report(client).json()["tracking_number"]
    nearby = IN_EAST.clone()
    nearby.x += 0.0002  # about 15 m east
    response = post_report(client, geometry=nearby)
    assert response.status_code == 409
    assert [d["tracking_number"] for d in response.json()["duplicates"]] == [first]
    assert post_report(client, geometry=IN_WEST).status_code == 201  # far away: not a duplicate
    assert post_report(client, geometry=nearby, category_code="road_damage").status_code == 201
    assert post_report(client, geometry=nearby, confirm_new="1").status_code == 201


def test_rate_limit_per_ip_and_per_session(city, settings):
    settings.ANNOTATION_RATE_LIMIT = 2
    ip = f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"
    same_browser = Client()
    codes = [post_report(same_browser, geometry=IN_WEST, confirm_new="1", ip=ip).status_code for _ in range(3)]
    assert codes == [201, 201, 429]
    limited = post_report(same_browser, geometry=IN_WEST, confirm_new="1", ip=ip)
    assert limited.status_code == 429 and int(limited["Retry-After"]) > 0
    assert "wait" in limited.json()["error"]
    # The same session from another address is still limited (per session) ...
    assert post_report(same_browser, geometry=IN_WEST, confirm_new="1", ip=ip + "1").status_code == 429
    # ... and a new session from a fresh address is not.
    assert post_report(Client(), geometry=IN_WEST, confirm_new="1", ip=ip + "2").status_code == 201


def test_track_page_and_follow_up(client, city):
    body = post_report(client, description="灯杆倾斜 leaning pole").json()
    number = body["tracking_number"]
    page = client.get(f"/track/{number}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert number in text and "leaning pole" not in text  # not yet moderated
    annotation = Annotation.objects.get(tracking_number=number)
    for state, reply in [(State.PUBLISHED, ""), (State.ASSIGNED, ""), (State.IN_PROGRESS, "明天维修 repair tomorrow")]:
        annotation = annotation_transition(annotation=annotation, to_state=state, user=city["urban_editor"],
                                           public_reply=reply)
    text = client.get(f"/track/{number}/").content.decode()
    assert "leaning pole" in text and "repair tomorrow" in text
    follow_up = body["follow_up_url"].split("testserver")[1]
    assert client.post(follow_up, {"text": "灯还是不亮 still dark"}).status_code == 302
    assert FollowUp.objects.get().text == "灯还是不亮 still dark"
    assert "still dark" in client.get(follow_up).content.decode()
    assert "still dark" not in client.get(f"/track/{number}/").content.decode()
    assert client.get(f"/track/{number}/follow-up/wrong-token/").status_code == 404
    assert client.get("/track/HRB-1999-999999/").status_code == 404
    assert client.get("/track/", {"number": number.lower()}).status_code == 302
