"""The `filter`, `filter-lang` and `filter-crs` parameters (OGC API - Features Part 3)."""
from __future__ import annotations

import json
from collections.abc import Mapping

from layers.ogcapi.cql2 import MAX_LENGTH, CqlError, text
from layers.ogcapi.cql2.sql import compile_filter
from layers.ogcapi.params import bad, parse_crs
from layers.ogcapi.query import Fragment
from layers.schema import FieldDef

LANGUAGES = ("cql2-text", "cql2-json")


def parse_filter(params: Mapping[str, str], fields: list[FieldDef]) -> Fragment | None:
    raw = params.get("filter")
    language = params.get("filter-lang") or "cql2-text"
    if language not in LANGUAGES:
        raise bad(f"filter-lang must be one of {', '.join(LANGUAGES)}.")
    if not raw:
        if params.get("filter-crs"):
            raise bad("filter-crs is given without filter.")
        return None
    filter_crs = parse_crs(params.get("filter-crs"), "filter-crs")
    try:
        tree = text.parse(raw) if language == "cql2-text" else _json_tree(raw)
        return compile_filter(tree, fields, filter_crs)
    except CqlError as exc:
        raise bad(f"filter: {exc}") from exc


def _json_tree(raw: str):
    if len(raw) > MAX_LENGTH:
        raise CqlError(f"The filter is longer than {MAX_LENGTH} characters.")
    try:
        return json.loads(raw)
    except RecursionError as exc:
        raise CqlError("The filter nests too deeply.") from exc
    except ValueError as exc:
        raise CqlError(f"The filter is not valid JSON: {exc.msg}", getattr(exc, "pos", None)) from exc
