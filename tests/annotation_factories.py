"""Factories and fixtures for the annotation tests: a districts layer with two coded polygons,
a street-light category routed to a department, and submissions with real geometries."""
from __future__ import annotations

import io

import pytest
from django.contrib.gis.geos import MultiPolygon, Point, Polygon
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from annotations.categories import seed_categories
from annotations.models import Category, RoutingRule
from annotations.services import annotation_submit
from geoportal.accounts.models import Department
from layers.models import Layer
from layers.services import feature_create
from tests.conftest import make_layer, make_user

# Two districts side by side: west 230102 (Daoli), east 230103 (Nangang).
WEST = Polygon.from_bbox((126.55, 45.70, 126.62, 45.80))
EAST = Polygon.from_bbox((126.62, 45.70, 126.70, 45.80))
IN_WEST = Point(126.58, 45.75, srid=4326)
IN_EAST = Point(126.66, 45.75, srid=4326)


@pytest.fixture
def districts_layer(departments) -> Layer:
    layer = make_layer("districts", departments["planning"], geometry_type=Layer.GeometryType.POLYGON,
                       schema=[{"name": "code", "type": "string"}, {"name": "name", "type": "string"}],
                       theme="boundaries")
    feature_create(layer=layer, geometry=MultiPolygon(WEST, srid=4326), properties={"code": "230102", "name": "道里区"})
    feature_create(layer=layer, geometry=MultiPolygon(EAST, srid=4326), properties={"code": "230103", "name": "南岗区"})
    return layer


@pytest.fixture
def city(departments, districts_layer, settings, tmp_path) -> dict:
    """Departments, routing and staff: street lights in Nangang go to the urban department.

    Photos go to a temporary media folder; the rate limit is lifted (its own test lowers it)."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.ANNOTATION_RATE_LIMIT = 10_000
    seed_categories(Category)  # transactional (browser) tests flush the migration's rows
    urban = Department.objects.create(code="urban", name_zh="城管局", name_en="Urban Management")
    service = Department.objects.create(code="service", name_zh="政务服务中心", name_en="Service Centre")
    light = Category.objects.get(code="street_light")
    RoutingRule.objects.create(category=light, district_code="230103", department=urban)
    return {
        "urban": urban,
        "service": service,
        "light": light,
        "urban_editor": make_user("u_editor", department=urban, role="editor"),
        "service_editor": make_user("s_editor", department=service, role="editor"),
    }


def jpeg_upload(name: str = "photo.jpg", *, size=(800, 600), gps: bool = True) -> SimpleUploadedFile:
    """A real JPEG carrying EXIF with a camera model and GPS coordinates."""
    image = Image.new("RGB", size, (200, 120, 40))
    exif = Image.Exif()
    exif[0x0110] = "TestCam 3000"  # Model
    if gps:
        exif[0x8825] = {1: "N", 2: (45.0, 45.0, 0.0), 3: "E", 4: (126.0, 39.0, 0.0)}
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def post_report(client, category_code="street_light", geometry=None, photos=(), **extra):
    """POST the map form's fields to the submission API."""
    point = geometry or IN_EAST
    data = {"category": category_code, "geometry": point.geojson, "description": "路灯不亮 street light out",
            "consent": "1", "contact": "citizen@example.org", "name": "张三", "website": "", **extra}
    if photos:
        data["photos"] = list(photos)
    return client.post("/api/annotations/", data, **{"REMOTE_ADDR": extra.pop("ip", "10.0.0.1")})


def submit(category: Category, geometry=None, **extra):
    values = {"description": "路灯不亮 street light out", "consent": True, "contact": "citizen@example.org",
              "name": "张三"}
    values.update(extra)
    return annotation_submit(category=category, geometry=geometry or IN_EAST.clone(), **values)
