"""A layer's typed attribute schema, and validation of feature properties against it.

A schema is a list of field definitions stored as JSON on the layer:

    {"name": "beds", "type": "integer", "required": false,
     "label_zh": "床位数", "label_en": "Beds",
     "choices": [{"value": "a", "label_zh": "甲", "label_en": "A"}],   # type "choice" only
     "searchable": false}                                              # indexed by search

Validation returns cleaned values (numbers as numbers, dates as ISO strings) or raises
PropertyValidationError carrying one message per field, so forms and APIs can show each
message next to its field.
"""
from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

FIELD_TYPES = ("string", "integer", "decimal", "boolean", "date", "choice")
FIELD_NAME_RE = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
MAX_STRING_LENGTH = 2000
RESERVED_NAMES = {"id", "geometry", "geom", "layer", "version", "name_display"}


class SchemaError(ValueError):
    """The schema itself is malformed."""


class PropertyValidationError(ValueError):
    """Feature properties do not fit the layer's schema; `errors` maps field name to message."""

    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        super().__init__("; ".join(f"{name}: {message}" for name, message in errors.items()))


@dataclass(frozen=True)
class FieldDef:
    name: str
    type: str
    required: bool = False
    label_zh: str = ""
    label_en: str = ""
    choices: tuple[str, ...] = ()
    choice_labels: dict[str, tuple[str, str]] = field(default_factory=dict)
    searchable: bool = False

    def label(self, language: str = "zh") -> str:
        if language.startswith("en"):
            return self.label_en or self.label_zh or self.name
        return self.label_zh or self.label_en or self.name


def parse_schema(raw: Any) -> list[FieldDef]:
    """Check a schema as stored on a layer and return its field definitions."""
    if not isinstance(raw, list):
        raise SchemaError("The schema must be a list of field definitions.")
    fields: list[FieldDef] = []
    seen: set[str] = set()
    for position, item in enumerate(raw, start=1):
        if not isinstance(item, dict):
            raise SchemaError(f"Field {position} must be an object.")
        name = item.get("name")
        if not isinstance(name, str) or not FIELD_NAME_RE.match(name):
            raise SchemaError(
                f"Field {position}: the name {name!r} must start with a lower-case letter and use only "
                "a-z, 0-9 and _ (at most 63 characters)."
            )
        if name in RESERVED_NAMES:
            raise SchemaError(f"Field {position}: the name {name!r} is reserved.")
        if name in seen:
            raise SchemaError(f"Field {position}: the name {name!r} is used twice.")
        seen.add(name)
        ftype = item.get("type")
        if ftype not in FIELD_TYPES:
            raise SchemaError(f"Field {name!r}: the type must be one of {', '.join(FIELD_TYPES)}.")
        choices: list[str] = []
        labels: dict[str, tuple[str, str]] = {}
        if ftype == "choice":
            raw_choices = item.get("choices")
            if not isinstance(raw_choices, list) or not raw_choices:
                raise SchemaError(f"Field {name!r}: a choice field needs a non-empty list of choices.")
            for choice in raw_choices:
                if isinstance(choice, dict):
                    value = str(choice.get("value", ""))
                    labels[value] = (str(choice.get("label_zh") or value), str(choice.get("label_en") or value))
                else:
                    value = str(choice)
                if not value:
                    raise SchemaError(f"Field {name!r}: a choice value must not be empty.")
                choices.append(value)
        fields.append(
            FieldDef(
                name=name,
                type=ftype,
                required=bool(item.get("required", False)),
                label_zh=str(item.get("label_zh", "")),
                label_en=str(item.get("label_en", "")),
                choices=tuple(choices),
                choice_labels=labels,
                searchable=bool(item.get("searchable", False)),
            )
        )
    return fields


def _clean_value(fdef: FieldDef, value: Any) -> Any:
    """Return the cleaned value or raise ValueError with a message for a person."""
    if fdef.type == "string":
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str):
            raise ValueError("Enter text.")
        if len(value) > MAX_STRING_LENGTH:
            raise ValueError(f"Enter at most {MAX_STRING_LENGTH} characters.")
        return value
    if fdef.type == "integer":
        if isinstance(value, bool):
            raise ValueError("Enter a whole number.")
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str) and re.fullmatch(r"\s*-?\d{1,18}\s*", value):
            return int(value)
        raise ValueError("Enter a whole number.")
    if fdef.type == "decimal":
        if isinstance(value, bool):
            raise ValueError("Enter a number.")
        if isinstance(value, (int, float)):
            number = Decimal(str(value))
        elif isinstance(value, str):
            try:
                number = Decimal(value.strip())
            except InvalidOperation as exc:
                raise ValueError("Enter a number.") from exc
        else:
            raise ValueError("Enter a number.")
        if not number.is_finite():
            raise ValueError("Enter a finite number.")
        return float(number)
    if fdef.type == "boolean":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in {"true", "1", "yes", "是"}:
            return True
        if isinstance(value, str) and value.strip().lower() in {"false", "0", "no", "否"}:
            return False
        raise ValueError("Choose yes or no.")
    if fdef.type == "date":
        if isinstance(value, datetime.date):
            return value.isoformat()[:10]
        if isinstance(value, str):
            try:
                return datetime.date.fromisoformat(value.strip()).isoformat()
            except ValueError as exc:
                raise ValueError("Enter a date as YYYY-MM-DD.") from exc
        raise ValueError("Enter a date as YYYY-MM-DD.")
    if fdef.type == "choice":
        text = str(value)
        if text not in fdef.choices:
            raise ValueError(f"Choose one of: {', '.join(fdef.choices)}.")
        return text
    raise ValueError(f"Unknown field type {fdef.type!r}.")


def validate_properties(schema: Any, properties: Any, *, partial: bool = False) -> dict[str, Any]:
    """Validate properties against a schema; `partial` skips the required check for absent fields."""
    if not isinstance(properties, dict):
        raise PropertyValidationError({"__all__": "Properties must be an object of field names and values."})
    fields = {f.name: f for f in parse_schema(schema)}
    errors: dict[str, str] = {}
    cleaned: dict[str, Any] = {}
    for key in properties:
        if key not in fields:
            errors[str(key)] = "This layer has no such field."
    for name, fdef in fields.items():
        present = name in properties
        value = properties.get(name)
        if value is None or (isinstance(value, str) and value.strip() == "" and fdef.type != "string"):
            value = None
        if value is None or (fdef.type == "string" and value == ""):
            if fdef.required and (present or not partial):
                errors[name] = "This field is required."
            elif present:
                cleaned[name] = None
            continue
        try:
            cleaned[name] = _clean_value(fdef, value)
        except ValueError as exc:
            errors[name] = str(exc)
    if errors:
        raise PropertyValidationError(errors)
    return cleaned
