"""Uploads: request bodies bounded before they are read (413 at once, over a real socket too),
stored files served only through their permission-checked views with their real type, a name,
nosniff and a sandbox; upload folders kept apart from the static files (system checks)."""
from __future__ import annotations

import socket
from pathlib import Path
from urllib.parse import urlparse

import pytest
from django.core.checks import run_checks
from django.core.files.uploadedfile import SimpleUploadedFile

from annotations.models import Photo
from annotations.photos import submission_max_bytes
from geoportal.security import checks as security_checks
from geoportal.security.downloads import FILE_POLICY, sniff_content_type
from tests.annotation_factories import jpeg_upload, post_report, submit


def _declared(client, url: str, length: int, **extra):
    """A POST that declares `length` bytes but carries 100: reading its body would fail the test
    (Django's test payload refuses to read past what it holds)."""
    return client.generic("POST", url, b"x" * 100, content_type="multipart/form-data; boundary=zzz",
                          CONTENT_LENGTH=str(length), **extra)


def test_a_report_over_its_photo_allowance_is_refused_unread(client, city):
    response = _declared(client, "/api/annotations/", submission_max_bytes() + 1)
    assert response.status_code == 413
    assert "upload limit" in response.json()["error"]


def test_a_report_within_the_allowance_is_accepted(client, city):
    response = post_report(client, photos=[jpeg_upload()])
    assert response.status_code == 201


def test_the_allowance_follows_the_photo_settings(client, city, settings):
    settings.ANNOTATION_MAX_PHOTOS = 1
    settings.ANNOTATION_MAX_PHOTO_BYTES = 100_000
    assert _declared(client, "/api/annotations/", 100_000 + 1024 * 1024 + 1).status_code == 413


def test_other_views_get_the_default_limit(client, db, settings):
    settings.REQUEST_MAX_BYTES = 50_000
    assert _declared(client, "/accounts/login/", 50_001).status_code == 413
    assert _declared(client, "/api/edit/layers/", 50_001).status_code == 413


def test_the_import_view_declares_the_import_limit(client, users, settings):
    settings.IMPORT_MAX_UPLOAD_BYTES = 200_000
    client.force_login(users["planning_manager"])
    refused = _declared(client, "/api/imports/", 200_000 + 65536 + 1)
    assert refused.status_code == 413
    # Over the default limit but within the import limit: read, and refused for what it is, not its size.
    settings.REQUEST_MAX_BYTES = 1000
    junk = SimpleUploadedFile("notes.txt", b"not a spatial file " * 300, content_type="text/plain")
    accepted = client.post("/api/imports/", {"file": junk, "layer_slug": "junk"})
    assert accepted.status_code == 400, accepted.content


@pytest.mark.parametrize("value", ["lots", "-5"])
def test_a_malformed_content_length_is_a_400(client, db, value):
    response = client.generic("POST", "/api/annotations/", b"", CONTENT_LENGTH=value)
    assert response.status_code == 400
    assert "Content-Length" in response.json()["error"]


def test_the_server_answers_413_before_the_body_arrives(live_server, city):
    """Over a real socket: only the headers are sent; the answer must come without the body."""
    server = urlparse(live_server.url)
    with socket.create_connection((server.hostname, server.port), timeout=10) as connection:
        connection.sendall(
            b"POST /api/annotations/ HTTP/1.1\r\nHost: " + server.netloc.encode() + b"\r\n"
            b"Content-Type: multipart/form-data; boundary=zzz\r\n"
            b"Content-Length: " + str(submission_max_bytes() * 4).encode() + b"\r\n\r\n--zzz\r\n")
        answer = connection.recv(4096).decode("latin-1")
    assert answer.startswith("HTTP/1.1 413"), answer[:200]


@pytest.fixture
def photo_report(city):
    return submit(city["light"], photos=[jpeg_upload()]).annotation


def test_a_photo_is_served_with_its_sniffed_type_a_name_and_a_sandbox(client, city, photo_report):
    client.force_login(city["urban_editor"])  # a new report's photos are for its handlers only
    photo = Photo.objects.get(annotation=photo_report)
    response = client.get(f"/track/{photo_report.tracking_number}/photos/{photo.pk}/full/")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["Content-Disposition"] == f'inline; filename="{photo_report.tracking_number}-{photo.pk}-full.jpg"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == FILE_POLICY
    assert b"".join(response.streaming_content).startswith(b"\xff\xd8\xff")


def test_a_stored_photo_changed_into_html_is_not_served(client, city, photo_report):
    client.force_login(city["urban_editor"])
    photo = Photo.objects.get(annotation=photo_report)
    Path(photo.image.path).write_bytes(b"<html><script>alert(document.cookie)</script></html>")
    response = client.get(f"/track/{photo_report.tracking_number}/photos/{photo.pk}/full/")
    assert response.status_code == 404
    assert b"<script>" not in response.content


def test_uploads_live_outside_the_static_root(photo_report, settings):
    photo = Photo.objects.get(annotation=photo_report)
    static_root = Path(settings.STATIC_ROOT).resolve()
    assert static_root not in Path(photo.image.path).resolve().parents


@pytest.mark.parametrize("head, media_type", [
    (b"\xff\xd8\xff\xe0\x00\x10JFIF", "image/jpeg"), (b"\x89PNG\r\n\x1a\n\x00\x00", "image/png"),
    (b"GIF89a\x01\x00", "image/gif"), (b"RIFF\x10\x00\x00\x00WEBPVP8 ", "image/webp"),
    (b"%PDF-1.7\n", "application/pdf"), (b"II*\x00\x08\x00", "image/tiff"), (b"PK\x03\x04\x14\x00", "application/zip"),
    (b"<svg xmlns=", None), (b"<!DOCTYPE html>", None), (b"", None),
])
def test_sniffing_reads_the_bytes_not_the_name(head, media_type):
    assert sniff_content_type(head) == media_type


def _security_errors(check) -> list[str]:
    return [message.id for message in check()]


def test_upload_folders_inside_the_static_root_fail_the_checks(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path / "static"
    settings.MEDIA_ROOT = tmp_path / "static" / "media"
    assert _security_errors(security_checks.check_upload_folders) == ["geoportal.security.E001"]
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.RASTER_ROOT = tmp_path / "media" / "rasters"
    settings.IMPORT_WORK_DIR = tmp_path / "imports"
    settings.BACKUP_DIR = tmp_path / "backups"
    assert _security_errors(security_checks.check_upload_folders) == []
    settings.STATIC_ROOT = tmp_path  # the static root holding everything
    assert len(_security_errors(security_checks.check_upload_folders)) == 4


def test_an_unsafe_policy_fails_the_checks(settings):
    policy = {"DIRECTIVES": {**settings.CONTENT_SECURITY_POLICY["DIRECTIVES"],
                             "script-src": ["'self'", "'unsafe-inline'"]}}
    settings.CONTENT_SECURITY_POLICY = policy
    assert _security_errors(security_checks.check_content_security_policy) == ["geoportal.security.E002"]


@pytest.mark.parametrize("value", [0, -1, "10", True])
def test_a_bad_request_limit_fails_the_checks(settings, value):
    settings.REQUEST_MAX_BYTES = value
    assert _security_errors(security_checks.check_request_limit) == ["geoportal.security.E003"]


def test_the_deployed_settings_pass_the_security_checks(db):
    assert [m.id for m in run_checks(tags=["security"]) if m.id.startswith("geoportal.security")] == []
