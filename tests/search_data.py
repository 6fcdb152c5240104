"""Test data for search: three districts (the gazetteer), public service centres with credit
codes, and an internal layer whose features the public must never find."""
from __future__ import annotations

from django.contrib.gis.geos import MultiPolygon, Point, Polygon

from fixtures.harbin import DISTRICT_SCHEMA
from layers.models import Layer
from layers.services import feature_create
from tests.conftest import make_layer

CENTRE_SCHEMA = [
    {"name": "name", "type": "string", "required": True, "label_zh": "名称", "label_en": "Name", "searchable": True},
    {"name": "name_en", "type": "string", "label_zh": "英文名称", "label_en": "Name (English)", "searchable": True},
    {"name": "credit_code", "type": "string", "label_zh": "统一社会信用代码", "label_en": "Credit code",
     "searchable": True},
    {"name": "hours", "type": "string", "label_zh": "办公时间", "label_en": "Hours"},
]
SECRET_SCHEMA = [
    {"name": "name", "type": "string", "required": True, "searchable": True},
    {"name": "parcel_no", "type": "string", "searchable": True},
]
DISTRICTS = [
    ("230103", "南岗区", "Nangang District", (126.60, 45.70, 126.70, 45.76)),
    ("230102", "道里区", "Daoli District", (126.50, 45.70, 126.60, 45.80)),
    ("230110", "香坊区", "Xiangfang District", (126.70, 45.65, 126.80, 45.76)),
]
CENTRES = [
    ("南岗区政务服务中心", "Nangang Administrative Service Centre", "11230103MB1234567A", (126.65, 45.74)),
    ("道里区政务服务中心", "Daoli Administrative Service Centre", "11230102MB7654321B", (126.55, 45.75)),
    ("哈尔滨市政务服务中心", "Harbin Administrative Service Centre", "11230100MB0000001C", (126.68, 45.72)),
]


def add_districts(department) -> Layer:
    layer = make_layer("districts", department, geometry_type=Layer.GeometryType.POLYGON, schema=DISTRICT_SCHEMA,
                       theme="boundaries", search_boost=2.0)
    layer.name_field = "name_zh"
    layer.save()
    for code, name_zh, name_en, box in DISTRICTS:
        feature_create(layer=layer, geometry=MultiPolygon(Polygon.from_bbox(box), srid=4326),
                       properties={"code": code, "name_zh": name_zh, "name_en": name_en})
    return layer


def add_centres(department) -> Layer:
    layer = make_layer("service-centres", department, schema=CENTRE_SCHEMA, theme="public_services")
    for name, name_en, code, (lon, lat) in CENTRES:
        feature_create(layer=layer, geometry=Point(lon, lat, srid=4326),
                       properties={"name": name, "name_en": name_en, "credit_code": code, "hours": "9:00-17:00"})
    return layer


def add_secret_layer(department) -> Layer:
    return make_layer("internal-parcels", department, schema=SECRET_SCHEMA, visibility=Layer.Visibility.DEPARTMENT)


def add_secret_feature(layer: Layer):
    return feature_create(layer=layer, geometry=Point(126.66, 45.73, srid=4326),
                          properties={"name": "南岗区机密地块", "parcel_no": "SECRET-0001"})
