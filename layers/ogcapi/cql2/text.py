"""A recursive-descent parser for CQL2 text, producing the CQL2-JSON tree.

Grammar (keywords case-insensitive):
  expr      := term (OR term)*
  term      := factor (AND factor)*
  factor    := NOT factor | "(" expr ")" | TRUE | FALSE | predicate
  predicate := SPATIAL "(" geom "," geom ")"
             | scalar (cmp scalar | [NOT] LIKE scalar | [NOT] BETWEEN scalar AND scalar
                       | [NOT] IN "(" scalar ("," scalar)* ")" | IS [NOT] NULL)
  scalar    := property | 'string' | number | TRUE | FALSE | DATE('…') | TIMESTAMP('…')
  geom      := property | WKT | BBOX(n, n, n, n)
Each node that names a property carries `_pos`, the offset of its name, for error messages.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from layers.ogcapi.cql2 import MAX_COORDINATES, MAX_DEPTH, MAX_LENGTH, MAX_NODES, CqlError

_TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<number>[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
  | (?P<string>'(?:[^']|'')*')
  | (?P<quoted>"(?:[^"]|"")+")
  | (?P<ident>[A-Za-z_][A-Za-z0-9_.:]*)
  | (?P<op><>|<=|>=|=|<|>|\(|\)|,)
""", re.VERBOSE)

COMPARISONS = {"=", "<>", "<", ">", "<=", ">="}
SPATIAL = {"s_intersects", "s_within", "s_contains", "s_disjoint", "s_equals", "s_touches", "s_crosses",
           "s_overlaps"}
WKT_TYPES = {"point": "Point", "linestring": "LineString", "polygon": "Polygon", "multipoint": "MultiPoint",
             "multilinestring": "MultiLineString", "multipolygon": "MultiPolygon"}
_WKT_DEPTH = {"Point": 0, "LineString": 1, "MultiPoint": 1, "Polygon": 2, "MultiLineString": 2, "MultiPolygon": 3}
KEYWORDS = {"and", "or", "not", "like", "between", "in", "is", "null", "true", "false"}


@dataclass(frozen=True)
class Token:
    kind: str  # number, string, quoted, ident, op, end
    value: str
    pos: int


def tokenize(text: str) -> list[Token]:
    if len(text) > MAX_LENGTH:
        raise CqlError(f"The filter is longer than {MAX_LENGTH} characters.", MAX_LENGTH)
    tokens, pos = [], 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:
            raise CqlError(f"Unexpected character {text[pos]!r}", pos)
        kind = match.lastgroup
        if kind != "ws":
            tokens.append(Token(kind, match.group(), pos))
        pos = match.end()
    tokens.append(Token("end", "", len(text)))
    return tokens


class Parser:
    def __init__(self, text: str):
        self.tokens = tokenize(text)
        self.i = 0
        self.depth = 0
        self.nodes = 0
        self.coordinates = 0

    # -- token helpers
    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def keyword(self, *words: str) -> bool:
        return self.tok.kind == "ident" and self.tok.value.lower() in words

    def take(self) -> Token:
        token = self.tok
        self.i += 1
        return token

    def expect_op(self, op: str) -> Token:
        if self.tok.kind != "op" or self.tok.value != op:
            raise CqlError(f"Expected {op!r} but found {self.tok.value or 'the end'!r}", self.tok.pos)
        return self.take()

    def expect_keyword(self, word: str) -> None:
        if not self.keyword(word):
            raise CqlError(f"Expected {word.upper()} but found {self.tok.value or 'the end'!r}", self.tok.pos)
        self.take()

    def count(self) -> None:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise CqlError(f"The filter has more than {MAX_NODES} terms.", self.tok.pos)

    def nest(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise CqlError(f"The filter nests deeper than {MAX_DEPTH} levels.", self.tok.pos)

    # -- grammar
    def parse(self) -> dict:
        tree = self.expr()
        if self.tok.kind != "end":
            raise CqlError(f"Unexpected {self.tok.value!r}", self.tok.pos)
        return tree

    def expr(self) -> Any:
        args = [self.term()]
        while self.keyword("or"):
            self.take()
            args.append(self.term())
        return args[0] if len(args) == 1 else {"op": "or", "args": args}

    def term(self) -> Any:
        args = [self.factor()]
        while self.keyword("and"):
            self.take()
            args.append(self.factor())
        return args[0] if len(args) == 1 else {"op": "and", "args": args}

    def factor(self) -> Any:
        self.nest()
        try:
            if self.keyword("not"):
                self.take()
                return {"op": "not", "args": [self.factor()]}
            if self.tok.kind == "op" and self.tok.value == "(":
                self.take()
                inner = self.expr()
                self.expect_op(")")
                return inner
            if self.keyword("true", "false") and self._next_ends_predicate():
                return self.take().value.lower() == "true"
            return self.predicate()
        finally:
            self.depth -= 1

    def _next_ends_predicate(self) -> bool:
        after = self.tokens[self.i + 1]
        return after.kind == "end" or (after.kind == "op" and after.value == ")") or (
            after.kind == "ident" and after.value.lower() in ("and", "or"))

    def predicate(self) -> dict:
        if self.tok.kind == "ident" and self.tok.value.lower() in SPATIAL:
            op = self.take().value.lower()
            self.expect_op("(")
            left = self.geometry_operand()
            self.expect_op(",")
            right = self.geometry_operand()
            self.expect_op(")")
            return {"op": op, "args": [left, right]}
        start = self.tok.pos
        left = self.scalar()
        negate = False
        if self.keyword("not"):
            self.take()
            negate = True
            if not self.keyword("like", "between", "in"):
                raise CqlError("Expected LIKE, BETWEEN or IN after NOT", self.tok.pos)
        if self.tok.kind == "op" and self.tok.value in COMPARISONS and not negate:
            op = self.take().value
            node = {"op": op, "args": [left, self.scalar()]}
        elif self.keyword("like"):
            self.take()
            node = {"op": "like", "args": [left, self.scalar()]}
        elif self.keyword("between"):
            self.take()
            low = self.scalar()
            self.expect_keyword("and")
            node = {"op": "between", "args": [left, low, self.scalar()]}
        elif self.keyword("in"):
            self.take()
            self.expect_op("(")
            values = [self.scalar()]
            while self.tok.kind == "op" and self.tok.value == ",":
                self.take()
                values.append(self.scalar())
            self.expect_op(")")
            node = {"op": "in", "args": [left, values]}
        elif self.keyword("is") and not negate:
            self.take()
            is_not = self.keyword("not")
            if is_not:
                self.take()
            self.expect_keyword("null")
            node = {"op": "isNull", "args": [left]}
            return {"op": "not", "args": [node]} if is_not else node
        else:
            raise CqlError(f"Expected a comparison after the term at {start}, found {self.tok.value or 'the end'!r}",
                           self.tok.pos)
        return {"op": "not", "args": [node]} if negate else node

    def scalar(self) -> Any:
        self.count()
        token = self.tok
        if token.kind == "number":
            self.take()
            return float(token.value) if any(c in token.value for c in ".eE") else int(token.value)
        if token.kind == "string":
            self.take()
            return token.value[1:-1].replace("''", "'")
        if token.kind == "quoted":
            self.take()
            return {"property": token.value[1:-1].replace('""', '"'), "_pos": token.pos}
        if token.kind == "ident":
            word = token.value.lower()
            if word in ("true", "false"):
                self.take()
                return word == "true"
            if word in ("date", "timestamp"):
                self.take()
                self.expect_op("(")
                value = self.tok
                if value.kind != "string":
                    raise CqlError(f"{word.upper()} needs a quoted value", value.pos)
                self.take()
                self.expect_op(")")
                return {word: value.value[1:-1]}
            if word in KEYWORDS:
                raise CqlError(f"Expected a property or a value, found the keyword {token.value.upper()}", token.pos)
            self.take()
            if self.tok.kind == "op" and self.tok.value == "(":
                raise CqlError(f"Unknown function {token.value!r}", token.pos)
            return {"property": token.value, "_pos": token.pos}
        raise CqlError(f"Expected a property or a value, found {token.value or 'the end'!r}", token.pos)

    def geometry_operand(self) -> Any:
        self.count()
        token = self.tok
        if token.kind == "ident" and token.value.lower() == "bbox":
            self.take()
            self.expect_op("(")
            numbers = [self.number()]
            while self.tok.kind == "op" and self.tok.value == ",":
                self.take()
                numbers.append(self.number())
            self.expect_op(")")
            if len(numbers) not in (4, 6):
                raise CqlError("BBOX needs four (or six) numbers", token.pos)
            return {"bbox": numbers}
        if token.kind == "ident" and token.value.lower() in WKT_TYPES:
            self.take()
            kind = WKT_TYPES[token.value.lower()]
            return {"type": kind, "coordinates": self.coordinates_list(_WKT_DEPTH[kind], kind == "MultiPoint")}
        if token.kind in ("ident", "quoted") and token.value.lower() not in KEYWORDS:
            return self.scalar()
        raise CqlError(f"Expected a geometry (WKT, BBOX or a property), found {token.value or 'the end'!r}", token.pos)

    def number(self) -> float:
        token = self.tok
        if token.kind != "number":
            raise CqlError(f"Expected a number, found {token.value or 'the end'!r}", token.pos)
        self.take()
        return float(token.value)

    def position(self) -> list[float]:
        values = [self.number(), self.number()]
        if self.tok.kind == "number":
            values.append(self.number())
        self.coordinates += 1
        if self.coordinates > MAX_COORDINATES:
            raise CqlError(f"The geometries have more than {MAX_COORDINATES} vertices", self.tok.pos)
        return values

    def coordinates_list(self, depth: int, loose_points: bool = False) -> Any:
        """depth 0: "(x y)" for a Point; n: a parenthesised list of depth n-1 items."""
        self.expect_op("(")
        if depth == 0:
            value = self.position()
        else:
            items = []
            while True:
                if depth == 1 and not (loose_points and self.tok.kind == "op" and self.tok.value == "("):
                    items.append(self.position())
                else:
                    items.append(self.coordinates_list(depth - 1))
                if self.tok.kind == "op" and self.tok.value == ",":
                    self.take()
                    continue
                break
            value = items
        self.expect_op(")")
        return value


def parse(text: str) -> dict:
    return Parser(text).parse()
