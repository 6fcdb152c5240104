"""CQL2-JSON tree -> parameterised SQL over the queryables of one layer.

Every operand compiles to (sql, params, type); types must agree for comparisons. Operators and
functions map to SQL through fixed tables; anything not in them is a CqlError (400).
"""
from __future__ import annotations

import datetime
import json
from dataclasses import dataclass
from typing import Any

from django.contrib.gis.gdal.error import GDALException
from django.contrib.gis.geos import GEOSException, GEOSGeometry, Polygon

from layers.ogcapi.cql2 import MAX_COORDINATES, MAX_DEPTH, MAX_NODES, CqlError
from layers.ogcapi.crs import DEFAULT, CrsDef, CrsError, to_storage
from layers.ogcapi.query import Fragment, property_expr
from layers.schema import FieldDef

COMPARISON_SQL = {"=": "=", "<>": "<>", "<": "<", ">": ">", "<=": "<=", ">=": ">="}
SPATIAL_SQL = {"s_intersects": "ST_Intersects", "s_within": "ST_Within", "s_contains": "ST_Contains",
               "s_equals": "ST_Equals", "s_touches": "ST_Touches", "s_crosses": "ST_Crosses",
               "s_overlaps": "ST_Overlaps", "s_disjoint": "ST_Disjoint"}
_FIELD_TYPES = {"string": "string", "choice": "string", "integer": "number", "decimal": "number",
                "boolean": "boolean", "date": "date"}
ORDERED = {"number", "string", "date"}


@dataclass(frozen=True)
class Operand:
    sql: str
    params: tuple
    type: str  # string, number, boolean, date, geometry


class Compiler:
    def __init__(self, fields: list[FieldDef], filter_crs: CrsDef = DEFAULT):
        self.fields = {f.name: f for f in fields}
        self.crs = filter_crs
        self.nodes = 0
        self.coordinates = 0

    def compile(self, node: Any, depth: int = 0) -> Fragment:
        if depth > MAX_DEPTH:
            raise CqlError(f"The filter nests deeper than {MAX_DEPTH} levels.")
        self._count()
        if isinstance(node, bool):
            return Fragment("TRUE" if node else "FALSE")
        if not isinstance(node, dict) or "op" not in node:
            raise CqlError("Expected a predicate (an object with op and args).")
        op, args = node["op"], node.get("args")
        if not isinstance(op, str) or not isinstance(args, list):
            raise CqlError("A predicate needs an op (text) and args (a list).")
        op_key = op.lower() if op.lower() != "isnull" else "isNull"
        if op_key in ("and", "or"):
            if len(args) < 2:
                raise CqlError(f"{op.upper()} needs at least two arguments.")
            parts = [self.compile(arg, depth + 1) for arg in args]
            return Fragment(f" {op_key.upper()} ".join(f"({p.sql})" for p in parts),
                            tuple(v for p in parts for v in p.params))
        if op_key == "not":
            self._arity(op, args, 1)
            inner = self.compile(args[0], depth + 1)
            return Fragment(f"NOT ({inner.sql})", inner.params)
        if op_key in COMPARISON_SQL:
            self._arity(op, args, 2)
            left, right = self.operand(args[0]), self.operand(args[1])
            self._same_type(op, left, right, ordered=op_key not in ("=", "<>"))
            return Fragment(f"{left.sql} {COMPARISON_SQL[op_key]} {right.sql}", left.params + right.params)
        if op_key == "like":
            self._arity(op, args, 2)
            left, pattern = self.operand(args[0]), self.operand(args[1])
            if left.type != "string" or pattern.type != "string":
                raise CqlError("LIKE compares text with a text pattern.", _pos(args[0]))
            return Fragment(f"{left.sql} LIKE {pattern.sql}", left.params + pattern.params)
        if op_key == "between":
            self._arity(op, args, 3)
            value, low, high = (self.operand(a) for a in args)
            self._same_type(op, value, low, ordered=True)
            self._same_type(op, value, high, ordered=True)
            return Fragment(f"{value.sql} BETWEEN {low.sql} AND {high.sql}", value.params + low.params + high.params)
        if op_key == "in":
            self._arity(op, args, 2)
            if not isinstance(args[1], list) or not args[1]:
                raise CqlError("IN needs a non-empty list of values.")
            value = self.operand(args[0])
            items = [self.operand(item) for item in args[1]]
            for item in items:
                self._same_type(op, value, item, ordered=False)
            return Fragment(f"{value.sql} IN ({', '.join(i.sql for i in items)})",
                            value.params + tuple(p for i in items for p in i.params))
        if op_key == "isNull":
            self._arity(op, args, 1)
            value = self.operand(args[0])
            return Fragment(f"{value.sql} IS NULL", value.params)
        if op_key in SPATIAL_SQL:
            self._arity(op, args, 2)
            left, right = self.operand(args[0]), self.operand(args[1])
            if left.type != "geometry" or right.type != "geometry":
                raise CqlError(f"{op.upper()} compares two geometries.", _pos(args[0]))
            return Fragment(f"{SPATIAL_SQL[op_key]}({left.sql}, {right.sql})", left.params + right.params)
        raise CqlError(f"Unknown operator or function {op!r}.")

    def operand(self, node: Any) -> Operand:
        self._count()
        if isinstance(node, bool):
            return Operand("%s", (node,), "boolean")
        if isinstance(node, (int, float)):
            return Operand("%s::numeric", (node,), "number")
        if isinstance(node, str):
            if "\x00" in node:
                raise CqlError("Text values cannot contain NUL characters.")
            return Operand("%s::text", (node,), "string")
        if isinstance(node, dict):
            if "property" in node:
                return self.property(node)
            if "date" in node or "timestamp" in node:
                return self.date(node)
            if "bbox" in node or "type" in node:
                return self.geometry(node)
        raise CqlError(f"Cannot use {json.dumps(node, ensure_ascii=False)[:60]} as a value.")

    def property(self, node: dict) -> Operand:
        name = node["property"]
        if name == "id":
            return Operand("f.id", (), "number")
        if name in ("geometry", "geom"):
            return Operand("f.geom", (), "geometry")
        fdef = self.fields.get(name) if isinstance(name, str) else None
        if fdef is None:
            raise CqlError(f"Unknown property {name!r}; the queryables are id, geometry, "
                           f"{', '.join(self.fields)}.", node.get("_pos"))
        expr = property_expr(fdef)
        return Operand(expr.sql, expr.params, _FIELD_TYPES[fdef.type])

    def date(self, node: dict) -> Operand:
        raw = node.get("date") or node.get("timestamp")
        try:
            value = datetime.date.fromisoformat(str(raw)[:10])
        except ValueError as exc:
            raise CqlError(f"{raw!r} is not a date (YYYY-MM-DD).") from exc
        return Operand("%s::date", (value.isoformat(),), "date")

    def geometry(self, node: dict) -> Operand:
        """A literal: checked by GEOS here (bounded size), handed to PostGIS as WKB."""
        if "bbox" in node:
            box = node["bbox"]
            if not isinstance(box, list) or len(box) not in (4, 6) or not all(
                    isinstance(v, (int, float)) and not isinstance(v, bool) for v in box):
                raise CqlError("bbox needs four (or six) numbers.")
            box = [box[0], box[1], box[3], box[4]] if len(box) == 6 else box
            if self.crs.flip:
                box = [box[1], box[0], box[3], box[2]]
            geom = Polygon.from_bbox(tuple(box))
        else:
            self._count_coordinates(node.get("coordinates"), 0)
            document = node
            if self.crs.flip:
                document = {**node, "coordinates": _flip(node.get("coordinates"))}
            try:
                geom = GEOSGeometry(json.dumps(document))
            except (GEOSException, GDALException, ValueError, TypeError) as exc:
                raise CqlError(f"The geometry cannot be read: {exc}") from exc
        if not geom.valid:
            raise CqlError(f"The geometry is not valid: {geom.valid_reason}.")
        try:
            geom = to_storage(geom, self.crs)
        except CrsError as exc:
            raise CqlError(str(exc)) from exc
        return Operand("ST_GeomFromWKB(%s, 4326)", (bytes(geom.wkb),), "geometry")

    def _count_coordinates(self, coordinates: Any, depth: int) -> None:
        if depth > 4 or not isinstance(coordinates, list):
            raise CqlError("Malformed geometry coordinates.")
        if coordinates and isinstance(coordinates[0], (int, float)):
            self.coordinates += 1
            if self.coordinates > MAX_COORDINATES:
                raise CqlError(f"The geometries have more than {MAX_COORDINATES} vertices.")
            return
        for item in coordinates:
            self._count_coordinates(item, depth + 1)

    def _count(self) -> None:
        self.nodes += 1
        if self.nodes > MAX_NODES * 2:
            raise CqlError(f"The filter has more than {MAX_NODES} terms.")

    @staticmethod
    def _arity(op: str, args: list, n: int) -> None:
        if len(args) != n:
            raise CqlError(f"{op.upper()} takes {n} argument(s), not {len(args)}.")

    @staticmethod
    def _same_type(op: str, left: Operand, right: Operand, *, ordered: bool) -> None:
        if left.type != right.type:
            raise CqlError(f"{op.upper()} compares a {left.type} with a {right.type}.")
        if ordered and left.type not in ORDERED:
            raise CqlError(f"{op.upper()} cannot order {left.type} values.")
        if left.type == "geometry":
            raise CqlError(f"{op.upper()} cannot compare geometries; use a spatial function.")


def _pos(node: Any) -> int | None:
    return node.get("_pos") if isinstance(node, dict) else None


def _flip(coordinates: Any) -> Any:
    if isinstance(coordinates, list) and coordinates and isinstance(coordinates[0], (int, float)):
        return [coordinates[1], coordinates[0], *coordinates[2:]]
    return [_flip(c) for c in coordinates] if isinstance(coordinates, list) else coordinates


def compile_filter(tree: Any, fields: list[FieldDef], filter_crs: CrsDef = DEFAULT) -> Fragment:
    return Compiler(fields, filter_crs).compile(tree)
