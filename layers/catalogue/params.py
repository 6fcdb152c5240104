"""Turning request parameters into a RecordQuery, for the page and both APIs alike; a bad value
raises QueryError with a message that says what to write instead."""
from __future__ import annotations

import datetime
import math
from collections.abc import Mapping

from django.utils.dateparse import parse_date, parse_datetime

from layers.catalogue.codes import TopicCategory
from layers.catalogue.selectors import UPDATED_WITHIN, RecordQuery
from layers.models import Layer

MAX_TEXT = 200


class QueryError(ValueError):
    def __init__(self, parameter: str, message: str):
        self.parameter = parameter
        super().__init__(message)


def parse_bbox(raw: str) -> tuple[float, float, float, float]:
    try:
        numbers = [float(p) for p in raw.split(",")]
    except ValueError as exc:
        raise QueryError("bbox", "bbox must be four comma-separated numbers: west,south,east,north.") from exc
    if len(numbers) == 6:
        numbers = [numbers[0], numbers[1], numbers[3], numbers[4]]
    if len(numbers) != 4 or not all(math.isfinite(n) for n in numbers):
        raise QueryError("bbox", "bbox must be four comma-separated numbers: west,south,east,north.")
    west, south, east, north = numbers
    if west > east or south > north:
        raise QueryError("bbox", "bbox: the lower corner (west,south) must come before the upper (east,north).")
    return west, south, east, north


def _instant(text: str, *, end: bool) -> datetime.datetime | None:
    if text in ("", ".."):
        return None
    moment = parse_datetime(text)
    if moment is None:
        day = parse_date(text)
        if day is None:
            raise QueryError("datetime", f"datetime: cannot read {text!r}; write an RFC 3339 instant "
                                         "(2024-05-01T00:00:00Z), a date, or an interval a/b with '..' for open.")
        moment = datetime.datetime.combine(day, datetime.time.max if end else datetime.time.min)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.UTC)
    return moment


def parse_interval(raw: str) -> tuple[datetime.datetime | None, datetime.datetime | None]:
    """An OGC API datetime: an instant, or an interval start/end with '..' for an open end."""
    if "/" in raw:
        start_text, _, end_text = raw.partition("/")
        start, end = _instant(start_text, end=False), _instant(end_text, end=True)
        if start and end and start > end:
            raise QueryError("datetime", "datetime: the interval's start is after its end.")
        return start, end
    start = _instant(raw, end=False)
    if start is None:
        raise QueryError("datetime", "datetime: give an instant or an interval.")
    return start, _instant(raw, end=True) if parse_datetime(raw) is None else start


def parse_query(params: Mapping[str, str]) -> RecordQuery:
    text = (params.get("q") or "").strip()
    if len(text) > MAX_TEXT:
        raise QueryError("q", f"q: at most {MAX_TEXT} characters.")
    topic = params.get("topic") or ""
    if topic and topic not in TopicCategory.values:
        raise QueryError("topic", f"topic must be an ISO 19115 topic category: {', '.join(TopicCategory.values)}.")
    kind = params.get("type") or ""
    if kind and kind not in Layer.Kind.values:
        raise QueryError("type", f"type must be one of {', '.join(Layer.Kind.values)}.")
    updated = params.get("updated") or ""
    if updated and updated not in UPDATED_WITHIN:
        raise QueryError("updated", f"updated must be one of {', '.join(UPDATED_WITHIN)} (days).")
    return RecordQuery(
        text=text, department=params.get("department") or "", topic=topic,
        keyword=(params.get("keyword") or "").strip(), kind=kind, updated=updated,
        bbox=parse_bbox(params["bbox"]) if params.get("bbox") else None,
        interval=parse_interval(params["datetime"]) if params.get("datetime") else None,
    )
