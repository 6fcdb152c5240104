"""Shared fixtures: departments, users of each role, and layers with real geometries."""
from __future__ import annotations

import pytest
from django.contrib.gis.geos import Point, Polygon

from geoportal.accounts.models import Department, User
from layers.models import Layer
from layers.services import feature_create
from layers.tiles.cache import tile_cache

# Fixtures of the public-annotation tests (districts with codes, routing, staff).
pytest_plugins = ["tests.annotation_factories", "tests.live_support"]

SCHOOL_SCHEMA = [
    {"name": "name", "type": "string", "required": True, "label_zh": "名称", "label_en": "Name", "searchable": True},
    {"name": "pupils", "type": "integer", "label_zh": "学生数", "label_en": "Pupils"},
    {"name": "area_ha", "type": "decimal", "label_zh": "面积（公顷）", "label_en": "Area (ha)"},
    {"name": "boarding", "type": "boolean", "label_zh": "寄宿", "label_en": "Boarding"},
    {"name": "founded", "type": "date", "label_zh": "建校日期", "label_en": "Founded"},
    {"name": "level", "type": "choice", "required": True, "label_zh": "学段", "label_en": "Level",
     "choices": [{"value": "primary", "label_zh": "小学", "label_en": "Primary"},
                 {"value": "middle", "label_zh": "中学", "label_en": "Middle"}]},
]


@pytest.fixture
def departments(db) -> dict[str, Department]:
    return {
        "planning": Department.objects.create(code="planning", name_zh="规划局", name_en="Planning Bureau"),
        "education": Department.objects.create(code="education", name_zh="教育局", name_en="Education Bureau"),
    }


def make_user(username: str, *, department=None, role=User.Role.PUBLIC, **extra) -> User:
    return User.objects.create_user(username=username, password="pw-" + username, department=department,
                                    role=role, **extra)


@pytest.fixture
def users(departments) -> dict[str, User]:
    return {
        "public": make_user("citizen"),
        "planning_editor": make_user("p_editor", department=departments["planning"], role=User.Role.EDITOR),
        "planning_manager": make_user("p_manager", department=departments["planning"], role=User.Role.MANAGER),
        "education_editor": make_user("e_editor", department=departments["education"], role=User.Role.EDITOR),
        "admin": make_user("root", role=User.Role.SYSADMIN),
        "security_admin": make_user("security", role=User.Role.SECADMIN),
        "audit_admin": make_user("auditor", role=User.Role.AUDITOR),
    }


def make_layer(slug: str, department: Department, *, geometry_type=Layer.GeometryType.POINT,
               visibility=Layer.Visibility.PUBLIC, schema=None, **extra) -> Layer:
    return Layer.objects.create(
        slug=slug, title_zh=f"{slug} 图层", title_en=f"{slug} layer", department=department,
        geometry_type=geometry_type, visibility=visibility,
        schema=SCHOOL_SCHEMA if schema is None else schema, name_field="name", **extra,
    )


@pytest.fixture
def school_layer(departments) -> Layer:
    layer = make_layer("schools", departments["education"], theme="education")
    for i, (lon, lat) in enumerate([(126.63, 45.75), (126.65, 45.76), (126.60, 45.78)]):
        feature_create(layer=layer, geometry=Point(lon, lat, srid=4326),
                       properties={"name": f"第{i + 1}中学", "level": "middle", "pupils": 100 * (i + 1)})
    layer.refresh_from_db()
    return layer


@pytest.fixture
def district_polygon() -> Polygon:
    return Polygon.from_bbox((126.60, 45.70, 126.70, 45.80))


@pytest.fixture
def clean_tile_cache():
    """An empty tile cache for the test (layer ids repeat between runs of the test database)."""
    cache = tile_cache()
    cache.clear()
    yield cache
    cache.clear()
