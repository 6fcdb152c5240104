"""CQL2 (text and JSON) for OGC API - Features Part 3.

`text.parse` turns CQL2 text into the CQL2-JSON tree; `sql.compile_filter` turns a tree into a
parameterised SQL fragment over a whitelist of queryables. No string from the filter ever
reaches SQL: property names map to fixed expressions, values travel as parameters.
"""


class CqlError(ValueError):
    """A malformed or unsupported filter; `position` is a character offset in CQL2 text, if known."""

    def __init__(self, message: str, position: int | None = None):
        self.message, self.position = message, position
        where = f" at position {position}" if position is not None else ""
        super().__init__(f"{message}{where}")


MAX_LENGTH = 20_000  # characters of filter text or JSON
MAX_DEPTH = 20  # nesting of logical operators and parentheses
MAX_NODES = 500  # predicates, properties and literals
MAX_COORDINATES = 5_000  # vertices of all geometry literals together
