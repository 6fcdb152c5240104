"""From a source's fields to a layer schema: types mapped, names cleaned, original names kept as labels,
and the mapping of target fields to source columns that the user may edit."""
from __future__ import annotations

import re

from pypinyin import lazy_pinyin

from layers.io.errors import InvalidRequest
from layers.schema import FIELD_NAME_RE, RESERVED_NAMES, parse_schema

OGR_TYPES = {"Integer": "integer", "Integer64": "integer", "Real": "decimal", "String": "string",
             "Date": "date", "DateTime": "string", "Time": "string"}


def clean_name(raw: str) -> str:
    """A schema-safe field name: pinyin for Chinese, lower-case, a-z0-9_ only, starting with a letter."""
    text = "_".join(lazy_pinyin(raw.strip())) if re.search(r"[^\x00-\x7f]", raw) else raw.strip()
    text = re.sub(r"[^a-z0-9_]+", "_", text.lower()).strip("_")
    text = re.sub(r"_+", "_", text)
    if not text or not text[0].isalpha():
        text = "f_" + text
    return text[:63].rstrip("_") or "field"


def infer_schema(source_fields: list[dict]) -> tuple[list[dict], dict[str, str]]:
    """A schema for a new layer and the mapping target name -> source column."""
    schema: list[dict] = []
    mapping: dict[str, str] = {}
    used: set[str] = set(RESERVED_NAMES)
    for src in source_fields:
        name = base = clean_name(src["name"])
        n = 1
        while name in used:
            n += 1
            name = f"{base[:59]}_{n}"
        used.add(name)
        ftype = "boolean" if src.get("subtype") == "Boolean" else OGR_TYPES.get(src.get("type", ""), "string")
        label_en = src["name"] if not re.search(r"[^\x00-\x7f]", src["name"]) else ""
        schema.append({"name": name, "type": ftype, "required": False, "label_zh": src["name"],
                       "label_en": label_en})
        mapping[name] = src["name"]
    return schema, mapping


def resolve_mapping(*, schema: list[dict], source_fields: list[dict], requested: dict | None) -> dict[str, str]:
    """target field -> source column, for an existing layer.

    Without a requested mapping, fields match by name (case-insensitive, or by cleaned name)."""
    targets = {f.name for f in parse_schema(schema)}
    columns = [f["name"] for f in source_fields]
    if requested:
        mapping = {}
        for target, column in requested.items():
            if column in (None, ""):
                continue
            if target not in targets:
                raise InvalidRequest(
                    f"The layer has no field {target!r}; its fields are: {', '.join(sorted(targets))}.")
            if column not in columns:
                raise InvalidRequest(f"The file has no column {column!r}; its columns are: {', '.join(columns)}.")
            mapping[target] = column
        return mapping
    by_key = {}
    for column in columns:
        by_key.setdefault(column.lower(), column)
        by_key.setdefault(clean_name(column), column)
    return {t: by_key[t] for t in targets if t in by_key}


def check_name(name: str) -> None:
    if not FIELD_NAME_RE.match(name) or name in RESERVED_NAMES:
        raise InvalidRequest(f"{name!r} cannot be a field name.")
