"""Parsing and checking of the items query parameters; errors become 400 answers."""
from __future__ import annotations

import base64
import json
import math
import re
from collections.abc import Mapping
from datetime import date
from decimal import Decimal

from django.contrib.gis.geos import Polygon

from layers.ogcapi import crs as crs_mod
from layers.ogcapi.protocol import ApiError
from layers.ogcapi.query import Fragment, SortCursor, SortKey, attribute_equals, bbox_intersects
from layers.schema import FieldDef, PropertyValidationError, validate_properties

DEFAULT_LIMIT = 100
MAX_LIMIT = 10_000
MAX_INT = 2**63 - 1
_FEATURE_ID = re.compile(r"[0-9]{1,18}")
# Parameters every items request may carry, besides the layer's own field names.
ITEMS_PARAMS = {"asof", "f", "limit", "bbox", "bbox-crs", "crs", "properties", "sortby", "after", "before", "offset",
                "cursor", "filter", "filter-lang", "filter-crs"}


def bad(message: str) -> ApiError:
    return ApiError(400, message)


def parse_int(params: Mapping[str, str], name: str, *, minimum: int = 0) -> int | None:
    raw = params.get(name)
    if raw is None or raw == "":
        return None
    try:
        value = int(raw)
    except ValueError as exc:
        raise bad(f"{name} must be a whole number, not {raw!r}.") from exc
    if value < minimum or value > MAX_INT:
        raise bad(f"{name} must be between {minimum} and {MAX_INT}.")
    return value


def feature_id_or_none(raw: str) -> int | None:
    """A feature id from a path: digits that fit a bigint, else None (answered as 404)."""
    return int(raw) if _FEATURE_ID.fullmatch(raw) else None


def parse_limit(params: Mapping[str, str]) -> int:
    """Above the maximum the page is capped at the maximum (Part 1 permits either)."""
    limit = parse_int(params, "limit", minimum=1)
    return DEFAULT_LIMIT if limit is None else min(limit, MAX_LIMIT)


def parse_crs(value: str | None, name: str = "crs") -> crs_mod.CrsDef:
    try:
        return crs_mod.crs_by_uri(value)
    except crs_mod.CrsError as exc:
        raise bad(f"{name}: {exc}") from exc


def parse_bbox(params: Mapping[str, str]) -> Fragment | None:
    raw = params.get("bbox")
    if not raw:
        if params.get("bbox-crs"):
            raise bad("bbox-crs is given without bbox.")
        return None
    try:
        numbers = [float(p) for p in raw.split(",")]
    except ValueError as exc:
        raise bad("bbox must be four (or six) comma-separated numbers.") from exc
    if len(numbers) == 6:
        numbers = [numbers[0], numbers[1], numbers[3], numbers[4]]
    if len(numbers) != 4 or not all(math.isfinite(n) for n in numbers):
        raise bad("bbox must be four (or six) comma-separated numbers.")
    bbox_crs = parse_crs(params.get("bbox-crs"), "bbox-crs")
    if bbox_crs.flip:
        numbers = [numbers[1], numbers[0], numbers[3], numbers[2]]
    west, south, east, north = numbers
    if west > east or south > north:
        raise bad("bbox: the lower corner must come before the upper corner.")
    try:
        box = crs_mod.to_storage(Polygon.from_bbox((west, south, east, north)), bbox_crs)
    except crs_mod.CrsError as exc:
        raise bad(f"bbox: {exc}") from exc
    return bbox_intersects(box.extent)


def parse_properties(params: Mapping[str, str], fields: list[FieldDef]) -> list[str]:
    raw = params.get("properties")
    names = [f.name for f in fields]
    if raw is None:
        return names
    wanted = [p.strip() for p in raw.split(",") if p.strip()]
    unknown = [p for p in wanted if p not in names]
    if unknown:
        raise bad(f"properties: unknown field(s) {', '.join(unknown)}; the fields are {', '.join(names)}.")
    return wanted


def parse_sortby(params: Mapping[str, str], fields: list[FieldDef]) -> list[SortKey]:
    raw = params.get("sortby")
    if not raw:
        return []
    by_name = {f.name: f for f in fields}
    keys = []
    for part in raw.split(","):
        part = part.strip()
        descending = part.startswith("-")
        name = part.lstrip("+-").strip()
        if name == "id":
            keys.append(SortKey(None, descending))
        elif name in by_name:
            keys.append(SortKey(by_name[name], descending))
        else:
            raise bad(f"sortby: unknown field {name!r}; sort by id or one of {', '.join(by_name)}.")
    if keys == [SortKey(None, False)]:
        return []  # the natural order, paged by keyset
    if len(keys) > MAX_SORT_KEYS:
        raise bad(f"sortby: at most {MAX_SORT_KEYS} fields.")
    return keys


MAX_SORT_KEYS = 5
_CURSOR_MAX = 4096


def encode_cursor(cursor: SortCursor) -> str:
    """The opaque `cursor` parameter of a next/prev link of a sorted result."""
    doc = ["a" if cursor.direction == "after" else "b", [*cursor.values, cursor.feature_id]]
    raw = json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _cursor_value_ok(value, key: SortKey) -> bool:
    if value is None:
        return True
    if not isinstance(value, str):
        return False
    kind = "integer" if key.field is None else key.field.type
    try:
        if kind in ("integer", "decimal"):
            return Decimal(value).is_finite()
        if kind == "boolean":
            return value in ("true", "false")
        if kind == "date":
            return bool(date.fromisoformat(value))
    except (ArithmeticError, ValueError):
        return False
    return True


def parse_cursor(params: Mapping[str, str], sort: list[SortKey]) -> SortCursor | None:
    """The `cursor` of a sorted page, checked against the sortby it must belong to."""
    raw = params.get("cursor")
    if not raw:
        return None
    stale = bad("cursor: not a cursor of this sorted result; follow the next/prev links of a page "
                "requested with the same sortby, or start again without cursor.")
    if len(raw) > _CURSOR_MAX:
        raise stale
    try:
        doc = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
    except (ValueError, UnicodeDecodeError):
        raise stale from None
    if not (isinstance(doc, list) and len(doc) == 2 and doc[0] in ("a", "b") and isinstance(doc[1], list)
            and len(doc[1]) == len(sort) + 1):
        raise stale
    *values, feature_id = doc[1]
    if not (isinstance(feature_id, int) and 0 <= feature_id <= MAX_INT
            and all(_cursor_value_ok(v, k) for v, k in zip(values, sort, strict=True))):
        raise stale
    return SortCursor("after" if doc[0] == "a" else "before", tuple(values), feature_id)


def parse_attribute_filters(params: Mapping[str, str], fields: list[FieldDef], *,
                            allowed: set[str] = ITEMS_PARAMS) -> list[Fragment]:
    """`?field=value` equality filters on schema fields; any other unknown parameter is a 400."""
    by_name = {f.name: f for f in fields}
    unknown = [k for k in params if k not in allowed and k not in by_name]
    if unknown:
        raise bad(f"Unknown query parameter(s): {', '.join(sorted(unknown))}.")
    fragments = []
    schema = [{"name": f.name, "type": f.type, "choices": list(f.choices)} for f in fields]
    for name, raw in params.items():
        if name not in by_name or name in allowed:
            continue
        if "\x00" in raw:
            raise bad(f"{name}: values cannot contain NUL characters.")
        try:
            cleaned = validate_properties(schema, {name: raw}, partial=True)[name]
        except PropertyValidationError as exc:
            raise bad(f"{name}: {exc.errors.get(name, exc)}") from exc
        fragments.append(attribute_equals(by_name[name], cleaned))
    return fragments
