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


def stream_collection(q: query.ItemsQuery, tail: Callable[[PageInfo], dict]) -> Iterator[str]:
    yield '{"type":"FeatureCollection","features":['
    page = PageInfo()
    backwards = q.before is not None and not q.sort
    for chunk in query.items_chunks(q):
        if chunk.look_ahead:  # another page lies in the reading direction
            if backwards:
                page.more_before = True
            else:
                page.more_after = True
            continue
        yield ("," if page.returned else "") + chunk.text
        page.returned += chunk.returned
        if page.first_id is None:
            page.first_id = chunk.first_id
        page.last_id = chunk.last_id
    if backwards:
        page.more_after = True
    elif q.after is not None:
        page.more_before = True
    yield "]," + json.dumps(tail(page), ensure_ascii=False)[1:]
