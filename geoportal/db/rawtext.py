"""Reading text columns as the UTF-8 bytes PostgreSQL sent.

Pages and tiles serialised by PostGIS pass through Python to the client unchanged; decoding them
into str and encoding them back costs ~0.5 ms per 400 KB of text with Chinese names (Python's
decoder builds a wide string for every non-ASCII page), a tenth of a 1,000-feature page."""
from __future__ import annotations

from psycopg.adapt import Loader


class Utf8BytesLoader(Loader):
    def load(self, data) -> bytes:
        return bytes(data)


def read_text_as_bytes(cursor) -> None:
    """Make this (Django) cursor return text, and text arrays' elements, as UTF-8 bytes."""
    raw = cursor.cursor
    if raw.connection.info.encoding != "utf-8":
        raise RuntimeError(f"The database connection must use UTF-8, not {raw.connection.info.encoding}.")
    raw.adapters.register_loader("text", Utf8BytesLoader)
