"""A FeatureCollection streamed chunk by chunk as PostGIS serialised it (query.items_chunks),
then the members that are known only at the end (counts, links)."""
from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from layers.ogcapi import query


@dataclass
class PageInfo:
    first_id: int | None = None
    last_id: int | None = None
    returned: int = 0
    more_before: bool = False  # a page lies before this one
    more_after: bool = False  # a page lies after this one
    first_keys: tuple | None = None  # sorted pages: the sort values of the first and last features
    last_keys: tuple | None = None


def stream_collection(q: query.ItemsQuery, tail: Callable[[PageInfo], dict]) -> Iterator[bytes]:
    """The collection as UTF-8 bytes."""
    yield b'{"type":"FeatureCollection","features":['
    page = PageInfo()
    backwards = q.backwards
    for chunk in query.items_chunks(q):
        if chunk.look_ahead:  # another page lies in the reading direction
            if backwards:
                page.more_before = True
            else:
                page.more_after = True
            continue
        yield (b"," + chunk.text) if page.returned else chunk.text
        page.returned += chunk.returned
        if page.first_id is None:
            page.first_id, page.first_keys = chunk.first_id, chunk.first_keys
        page.last_id, page.last_keys = chunk.last_id, chunk.last_keys
    if backwards:
        page.more_after = True
    elif q.after is not None or q.cursor is not None or q.offset:
        page.more_before = True
    yield ("]," + json.dumps(tail(page), ensure_ascii=False)[1:]).encode()
