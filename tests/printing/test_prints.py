"""Printed maps end to end: POST /api/prints/, the job run in the request (IMPORT_JOBS_SYNC), the file
read back with poppler (pdfinfo, pdftotext, pdftoppm) and Pillow."""
from __future__ import annotations

import io
import re
import subprocess
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.gis.geos import Point, Polygon
from django.core.management import call_command
from PIL import Image

from layers.api.tokens import token_issue
from layers.io.queue import import_queue
from layers.models import Layer
from layers.printing.models import PrintJob
from layers.printing.services import prints_prune
from layers.services import feature_create
from tests.conftest import make_layer

VIEW = [126.60, 45.72, 126.68, 45.78]
URL = "/api/prints/"
NAMED = [{"name": "name", "type": "string"}]


@pytest.fixture
def parks(departments) -> Layer:
    layer = make_layer("parks", departments["planning"], geometry_type=Layer.GeometryType.POLYGON, schema=NAMED,
                       attribution="示例数据 / demo data — Geoportal")
    layer.title_zh, layer.style = "公园绿地", {**layer.style, "fill": "#2e8b57", "fill_opacity": 1.0}
    layer.save()
    feature_create(layer=layer, geometry=Polygon.from_bbox((126.62, 45.735, 126.66, 45.765)),
                   properties={"name": "中央公园"})
    return layer


@pytest.fixture
def hidden(departments) -> Layer:
    layer = make_layer("secret-sites", departments["planning"], visibility=Layer.Visibility.DEPARTMENT,
                       schema=NAMED)
    feature_create(layer=layer, geometry=Point(126.64, 45.75, srid=4326), properties={"name": "x"})
    return layer


@pytest.fixture(autouse=True)
def _committed(transactional_db, settings, tmp_path):
    """Committed rows: MapServer reads PostGIS through its own connection, and the job queued on
    commit then runs in the request (IMPORT_JOBS_SYNC). Prints go to the test's own MEDIA_ROOT."""
    settings.MEDIA_ROOT = tmp_path / "media"


def _print(client, body: dict, **extra):
    return client.post(URL, body, content_type="application/json", **extra)


def _done(client, body: dict, **extra) -> tuple[dict, bytes]:
    created = _print(client, body, **extra)
    assert created.status_code == 202, created.content
    job = client.get(created["Location"], **extra).json()
    assert job["state"] == "succeeded", job
    assert job["percent"] == 100.0
    response = client.get(job["download"], **extra)
    assert response.status_code == 200
    return job, b"".join(response.streaming_content)


def _pdf_tool(tool: str, data: bytes, tmp_path: Path, *args: str) -> str:
    source = tmp_path / "print.pdf"
    source.write_bytes(data)
    out = ["-"] if tool == "pdftotext" else []
    return subprocess.run([tool, *args, str(source), *out], check=True, capture_output=True, text=True).stdout


@pytest.mark.parametrize(("paper", "orientation", "size"), [
    ("A4", "portrait", (595, 842)), ("A4", "landscape", (842, 595)), ("A3", "portrait", (842, 1191))])
def test_pdf_page_size(client, parks, tmp_path, paper, orientation, size):
    job, pdf = _done(client, {"paper": paper, "orientation": orientation, "layers": ["parks"], "bbox": VIEW})
    assert pdf.startswith(b"%PDF")
    info = _pdf_tool("pdfinfo", pdf, tmp_path)
    width, height = map(float, re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info).groups())
    assert (round(width), round(height)) == size
    assert re.search(r"Pages:\s+1\n", info)


def test_page_text_legend_scale_and_notes(client, parks, school_layer, tmp_path):
    body = {"layers": ["parks", "schools"], "bbox": VIEW, "title": "南岗区公园与学校",
            "review_number": "GS（2024）1234号"}
    job, pdf = _done(client, body)
    text = _pdf_tool("pdftotext", pdf, tmp_path)
    assert "南岗区公园与学校" in text
    assert "公园绿地" in text and "schools 图层" in text  # the legend's rows
    assert f"1:{job['printed']['scale']:,}" in text
    assert "GS（2024）1234号" in text and "审图号" in text
    assert "示例数据 / demo data — Geoportal" in text  # the shown layers' attribution
    untitled, pdf = _done(client, {"layers": ["parks"], "bbox": VIEW})
    assert settings.GEOPORTAL_CITY_NAME_ZH in _pdf_tool("pdftotext", pdf, tmp_path)
    assert "审图号" not in _pdf_tool("pdftotext", pdf, tmp_path)


def test_scale_bar_true_to_the_stated_scale(client, parks, tmp_path):
    """The bar is measured in the page rasterised by pdftoppm at 300 dpi; its ground length at the
    scale written on the page is the length its label names."""
    job, pdf = _done(client, {"layers": ["parks"], "bbox": VIEW, "orientation": "landscape"})
    text = _pdf_tool("pdftotext", pdf, tmp_path)
    scale = int(re.search(r"1:([\d,]+)", text).group(1).replace(",", ""))
    number, unit = re.search(r"\b(\d+) (km|m)\b", text).groups()
    labelled = int(number) * (1000 if unit == "km" else 1)
    (tmp_path / "print.pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "300", "-png", "-singlefile", str(tmp_path / "print.pdf"),
                    str(tmp_path / "page")], check=True)
    page = Image.open(tmp_path / "page.png").convert("L")
    bar = job["printed"]["scale_bar"]
    px = 300 / 25.4
    row = round((bar["y_mm"] + bar["height_mm"] / 2) * px)
    start, end = round((bar["x_mm"] - 3) * px), round((bar["x_mm"] + bar["length_mm"] + 3) * px)
    dark = [x for x in range(start, end) if page.getpixel((x, row)) < 128]
    measured_mm = (dark[-1] - dark[0] + 1) / px
    assert measured_mm * scale / 1000 == pytest.approx(labelled, rel=0.015)
    assert bar["metres"] == labelled and job["printed"]["scale"] == scale


@pytest.mark.parametrize(("dpi", "size"), [(150, (1240, 1754)), (300, (2480, 3508))])
def test_png_pixel_size_and_map_drawn(client, parks, dpi, size):
    job, png = _done(client, {"format": "png", "dpi": dpi, "layers": ["parks"], "bbox": VIEW})
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.size == size
    # The park (sea green, filled) is drawn by the renderer in the middle of the map frame.
    west, south, east, north = job["printed"]["extent_4326"]
    frame_w, frame_h = job["printed"]["map_pixels"]
    assert frame_w > size[0] * 0.8
    colours = image.convert("RGB").getcolors(maxcolors=1 << 20)
    greens = sum(count for count, (r, g, b) in colours if g > r + 40 and g > b + 20)
    assert greens > frame_w * frame_h * 0.05


def test_hidden_layer_refused_as_a_missing_one(client, parks, hidden):
    missing = _print(client, {"layers": ["parks", "no-such-layer"], "bbox": VIEW})
    refused = _print(client, {"layers": ["parks", "secret-sites"], "bbox": VIEW})
    assert missing.status_code == refused.status_code == 400
    assert refused.json()["error"] == missing.json()["error"].replace("no-such-layer", "secret-sites")
    assert not PrintJob.objects.exists()


@pytest.mark.parametrize(("body", "words"), [
    ({"paper": "A5"}, "paper must be one of A4, A3"),
    ({"orientation": "sideways"}, "orientation must be one of portrait, landscape"),
    ({"format": "tiff"}, "format must be one of pdf, png"),
    ({"dpi": 600}, "dpi must be one of 150, 300"),
    ({"layers": []}, "layers must be a non-empty list"),
    ({"layers": ["parks", "parks"]}, "twice"),
    ({"bbox": [126.7, 45.7, 126.6, 45.8]}, "west < east"),
    ({"bbox": [116.3, 39.9, 116.5, 40.0]}, "inside the city's extent"),
    ({"bbox": [126.6, 45.7, "x", 45.8]}, "bbox must be a list of 4 numbers"),
    ({"bbox": None, "center": [126.64, 45.75]}, "zoom must be a number"),
    ({"bbox": None}, "Give the view to print"),
    ({"title": "长" * 61}, "title is 61 characters long; at most 60"),
    ({"review_number": "G" * 41}, "review_number is 41 characters long; at most 40"),
])
def test_bad_requests_are_400_with_a_message(client, parks, body, words):
    response = _print(client, {"layers": ["parks"], "bbox": VIEW, **body})
    assert response.status_code == 400
    assert words in response.json()["error"]


def test_a_print_is_fetched_only_by_its_requester(client, parks, hidden, users, django_user_model):
    # Anonymous visitors print public layers; the job belongs to their session.
    job = client.get(_print(client, {"layers": ["parks"], "bbox": VIEW})["Location"]).json()
    assert client.get(job["download"]).status_code == 200
    stranger = type(client)()
    assert stranger.get(job["url"]).status_code == 404
    assert stranger.get(job["download"]).status_code == 404
    stranger.force_login(users["planning_editor"])
    assert stranger.get(job["url"]).status_code == 404
    # A department's staff prints its restricted layer; a token covering it does too.
    own = stranger.get(_print(stranger, {"layers": ["secret-sites"], "bbox": VIEW})["Location"]).json()
    assert own["state"] == "succeeded" and stranger.get(own["download"]).status_code == 200
    assert client.get(own["url"]).status_code == 404
    _, raw = token_issue(name="gis-desk", layers=[hidden])
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    job, pdf = _done(type(client)(), {"layers": ["secret-sites", "parks"], "center": [126.64, 45.75], "zoom": 13},
                     **bearer)
    assert job["printed"]["scale"] == 50_000  # zoom 13's screen scale at 45.75° N is 1:50,500
    assert client.get(job["url"]).status_code == 404


def test_old_prints_are_deleted(client, parks):
    job = _print(client, {"layers": ["parks"], "bbox": VIEW}).json()
    row = PrintJob.objects.get(pk=job["id"])
    path = Path(settings.MEDIA_ROOT) / row.result
    assert path.is_file()
    PrintJob.objects.filter(pk=row.pk).update(created_at=row.created_at - timedelta(
        seconds=settings.PRINT_FILE_MAX_AGE + 1))
    assert prints_prune() == 1
    assert not path.exists() and not PrintJob.objects.exists()
    assert client.get(job["url"]).status_code == 404



def test_anonymous_prints_are_rate_limited(client, parks, settings):
    settings.API_RATES = {**settings.API_RATES, "anon": "1/min"}
    answers = [_print(client, {"layers": ["parks"], "bbox": VIEW, "format": "png"}) for _ in range(2)]
    assert answers[-1].status_code == 429 and int(answers[-1]["Retry-After"]) >= 1


def test_print_api_in_the_openapi_schema(client):
    schema = client.get("/api/schema/?format=json").json()
    assert {"/api/prints/", "/api/prints/{id}/", "/api/prints/{id}/file"} <= set(schema["paths"])
    body = schema["components"]["schemas"]["PrintRequestRequest"]["properties"]
    assert {"paper", "orientation", "format", "dpi", "layers", "bbox", "review_number"} <= set(body)


def test_a_print_runs_on_the_worker_queue(client, parks, settings):
    """Without IMPORT_JOBS_SYNC the job waits on the RQ queue until `manage.py run_worker` prints it."""
    settings.IMPORT_JOBS_SYNC = False
    settings.IMPORT_QUEUE = f"geoportal-prints-test-{uuid.uuid4().hex}"
    created = _print(client, {"layers": ["parks"], "bbox": VIEW, "format": "png"})
    assert client.get(created["Location"]).json()["state"] == "queued"
    assert import_queue().count == 1
    call_command("run_worker", burst=True)
    job = client.get(created["Location"]).json()
    assert job["state"] == "succeeded" and job["phase"] == "done"
    assert Image.open(io.BytesIO(b"".join(client.get(job["download"]).streaming_content))).size == (1240, 1754)


def test_english_page(client, parks, tmp_path):
    job, pdf = _done(client, {"layers": ["parks"], "bbox": VIEW, "language": "en", "review_number": "GS(2024)1234"})
    text = _pdf_tool("pdftotext", pdf, tmp_path)
    assert settings.GEOPORTAL_CITY_NAME_EN in text and "Legend" in text
    assert f"Scale 1:{job['printed']['scale']:,}" in text and "Map review No.: GS(2024)1234" in text
    assert "parks layer" in text  # the layer's English title
