"""Where an annotation goes: the district its location falls in (a PostGIS lookup against the
`districts` layer) and the department a routing rule names for that category and district."""
from __future__ import annotations

from django.conf import settings
from django.contrib.gis.geos import GEOSGeometry
from django.db import connection
from django.db.models import Q

from annotations.models import Category, RoutingRule
from geoportal.accounts.models import Department

DISTRICTS_LAYER = "districts"
DISTRICT_CODE_PROPERTY = "code"


def district_code_at(*, geometry: GEOSGeometry) -> str:
    """The code of the district containing a point on the geometry's surface, or '' outside all."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT f.properties->>%s
            FROM layers_feature f JOIN layers_layer l ON l.id = f.layer_id
            WHERE l.slug = %s
              AND ST_Intersects(f.geom, ST_PointOnSurface(ST_GeomFromEWKB(%s)))
            ORDER BY f.id LIMIT 1
            """,
            [DISTRICT_CODE_PROPERTY, DISTRICTS_LAYER, bytes(geometry.ewkb)],
        )
        row = cursor.fetchone()
    return (row[0] or "") if row else ""


def service_department() -> Department:
    """The department that owns the feedback layer and receives what no rule routes."""
    department, _ = Department.objects.get_or_create(
        code=settings.ANNOTATION_SERVICE_DEPARTMENT,
        defaults={"name_zh": "政务服务中心", "name_en": "Administrative Service Centre"},
    )
    return department


def department_for(*, category: Category, district_code: str) -> Department:
    """The most specific rule wins: category+district, then district, then category; then the
    category's default department; then the service department."""
    rules = RoutingRule.objects.filter(
        (Q(category=category) | Q(category__isnull=True)) & (Q(district_code=district_code) | Q(district_code=""))
    ).select_related("department")
    best = None
    best_rank = -1
    for rule in rules:
        rank = (2 if rule.district_code else 0) + (1 if rule.category_id else 0)
        if rank > best_rank:
            best, best_rank = rule, rank
    if best is not None and (best.district_code or best.category_id):
        return best.department
    if category.default_department_id:
        return category.default_department
    if best is not None:
        return best.department
    return service_department()
