"""The `filter` parameter (OGC API - Features Part 3)."""
from __future__ import annotations

from collections.abc import Mapping

from layers.ogcapi.protocol import ApiError
from layers.ogcapi.query import Fragment
from layers.schema import FieldDef


def parse_filter(params: Mapping[str, str], fields: list[FieldDef]) -> Fragment | None:
    if params.get("filter"):
        raise ApiError(400, "filter is not supported yet.")
    return None
