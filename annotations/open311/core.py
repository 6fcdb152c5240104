"""Open311 GeoReport v2, without HTTP: each function takes plain values and returns
(status, payload); payloads render to JSON or XML by `render`. Field names follow the
specification (wiki.open311.org/GeoReport_v2); requests are the public annotations, numbered by
their tracking number. Private fields (name, contact) are accepted on POST, never returned."""
from __future__ import annotations

import datetime
import json
from dataclasses import dataclass
from xml.etree import ElementTree as ET

from django.contrib.gis.geos import Point
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from annotations.models import PUBLIC_STATES, Annotation, Category, PartnerKey, State
from annotations.services import SubmissionError, annotation_submit, hash_token

SERVICE_FIELDS = ("service_code", "service_name", "description", "metadata", "type", "keywords", "group")
REQUEST_FIELDS = (
    "service_request_id", "status", "status_notes", "service_name", "service_code", "description",
    "agency_responsible", "service_notice", "requested_datetime", "updated_datetime", "expected_datetime",
    "address", "address_id", "zipcode", "lat", "long", "media_url",
)
POST_RESPONSE_FIELDS = ("service_request_id", "token", "service_notice", "account_id")
TOKEN_FIELDS = ("service_request_id", "token")
CLOSED_STATES = (State.RESOLVED, State.CLOSED)
DEFAULT_DAYS = 90
MAX_REQUESTS = 1000
LIST_ROOTS = {"service": "services", "request": "service_requests"}


class Open311Error(Exception):
    def __init__(self, code: int, description: str):
        self.code = code
        self.description = description
        super().__init__(description)


@dataclass(frozen=True)
class Payload:
    items: list[dict]
    item_tag: str  # "service" or "request"; errors use their own shape


def error_payload(code: int, description: str) -> list[dict]:
    return [{"code": code, "description": description}]


def _iso(value: datetime.datetime | None) -> str | None:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


def services() -> Payload:
    items = [
        {"service_code": c.code, "service_name": f"{c.name_zh} / {c.name_en}", "description": c.name_en,
         "metadata": False, "type": "realtime", "keywords": c.code.replace("_", ","), "group": "city"}
        for c in Category.objects.filter(active=True)
    ]
    return Payload(items, "service")


def _request_item(annotation: Annotation, media_base: str) -> dict:
    point = annotation.geom.point_on_surface
    last_reply = next((t.public_reply for t in reversed(list(annotation.transitions.all())) if t.public_reply), "")
    photo = next(iter(annotation.photos.all()), None)
    due = annotation.created_at + datetime.timedelta(days=annotation.category.deadline_days)
    return {
        "service_request_id": annotation.tracking_number,
        "status": "closed" if annotation.state in CLOSED_STATES else "open",
        "status_notes": last_reply,
        "service_name": f"{annotation.category.name_zh} / {annotation.category.name_en}",
        "service_code": annotation.category.code,
        "description": annotation.description,
        "agency_responsible": annotation.department.name if annotation.department else "",
        "service_notice": "",
        "requested_datetime": _iso(annotation.created_at),
        "updated_datetime": _iso(annotation.updated_at),
        "expected_datetime": None if annotation.state in CLOSED_STATES else _iso(due),
        "address": annotation.district_code,
        "address_id": None,
        "zipcode": None,
        "lat": round(point.y, 6),
        "long": round(point.x, 6),
        "media_url": f"{media_base}/track/{annotation.tracking_number}/photos/{photo.pk}/full/" if photo else None,
    }


def _public() -> QuerySet[Annotation]:
    return (Annotation.objects.filter(state__in=PUBLIC_STATES).select_related("category", "department")
            .prefetch_related("transitions", "photos"))


def _date(value: str, name: str) -> datetime.datetime:
    parsed = parse_datetime(value.replace(" ", "+"))
    if parsed is None:
        raise Open311Error(400, f"{name} must be a W3C date-time such as 2026-11-05T08:15:30+08:00.")
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed)


def requests_list(query, *, media_base: str) -> Payload:
    qs = _public()
    ids = [i.strip() for i in query.get("service_request_id", "").split(",") if i.strip()]
    if ids:
        return Payload([_request_item(a, media_base) for a in qs.filter(tracking_number__in=ids)], "request")
    if query.get("service_code"):
        qs = qs.filter(category__code__in=query["service_code"].split(","))
    statuses = {s.strip() for s in query.get("status", "").split(",") if s.strip()}
    if statuses - {"open", "closed"}:
        raise Open311Error(400, "status must be open, closed or both (comma separated).")
    if statuses == {"open"}:
        qs = qs.exclude(state__in=CLOSED_STATES)
    elif statuses == {"closed"}:
        qs = qs.filter(state__in=CLOSED_STATES)
    end = _date(query["end_date"], "end_date") if query.get("end_date") else timezone.now()
    start = _date(query["start_date"], "start_date") if query.get("start_date") else end - datetime.timedelta(
        days=DEFAULT_DAYS)
    if start > end:
        raise Open311Error(400, "start_date must not be after end_date.")
    qs = qs.filter(created_at__gte=start, created_at__lte=end).order_by("-created_at")[:MAX_REQUESTS]
    return Payload([_request_item(a, media_base) for a in qs], "request")


def request_detail(number: str, *, media_base: str) -> Payload:
    annotation = _public().filter(tracking_number=number).first()
    if annotation is None:
        raise Open311Error(404, f"No public service request {number}.")
    return Payload([_request_item(annotation, media_base)], "request")


def token_detail(token: str) -> Payload:
    annotation = Annotation.objects.filter(open311_token=token).first()
    if annotation is None:
        raise Open311Error(404, "No service request with this token.")
    return Payload([{"service_request_id": annotation.tracking_number, "token": token}], "request")


def partner_for(api_key: str) -> PartnerKey:
    partner = PartnerKey.objects.filter(key_hash=hash_token(api_key or ""), active=True).first() if api_key else None
    if partner is None:
        raise Open311Error(403, "A valid api_key is required to create service requests.")
    return partner


def request_create(data) -> Payload:
    partner = partner_for(data.get("api_key", ""))
    category = Category.objects.filter(code=data.get("service_code", ""), active=True).first()
    if category is None:
        raise Open311Error(404, "service_code not found.")
    try:
        lat, lon = float(data.get("lat", "")), float(data.get("long", ""))
    except ValueError as exc:
        raise Open311Error(400, "lat and long (WGS84) are required; address-only requests are not supported.") from exc
    name = " ".join(p for p in (data.get("first_name", ""), data.get("last_name", "")) if p).strip()
    try:
        submitted = annotation_submit(
            category=category, geometry=Point(lon, lat, srid=4326), description=data.get("description", ""),
            name=name[:80], contact=data.get("email") or data.get("phone") or "", consent=True,
            source=partner.name,
        )
    except SubmissionError as exc:
        raise Open311Error(400, "; ".join(f"{k}: {v}" for k, v in exc.errors.items())) from exc
    annotation = submitted.annotation
    return Payload([{
        "service_request_id": annotation.tracking_number, "token": annotation.open311_token,
        "service_notice": "将在审核后公开 / Public after review", "account_id": None,
    }], "request")


def _xml_value(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def render(items: list[dict], *, fmt: str, item_tag: str | None) -> tuple[str, str]:
    """Body and content type. Errors (item_tag None) are <errors><error>…</error></errors>."""
    if fmt == "json":
        return json.dumps(items, ensure_ascii=False), "application/json; charset=utf-8"
    root = ET.Element("errors" if item_tag is None else LIST_ROOTS[item_tag])
    for item in items:
        node = ET.SubElement(root, "error" if item_tag is None else item_tag)
        for key, value in item.items():
            ET.SubElement(node, key).text = _xml_value(value)
    body = '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode")
    return body, "text/xml; charset=utf-8"
