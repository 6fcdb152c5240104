"""A FeatureCollection streamed from query.items_rows: PostGIS's feature texts joined in chunks,
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
    chunk: list[str] = []
    for feature_id, rn, doc in query.items_rows(q):
        if rn > q.limit:  # the look-ahead row: another page lies in the reading direction
            page.more_before, page.more_after = (True, page.more_after) if backwards else (page.more_before, True)
            continue
        if page.first_id is None:
            page.first_id = feature_id
        page.last_id = feature_id
        chunk.append(doc)
        page.returned += 1
        if len(chunk) >= query.FETCH_SIZE:
            yield ("," if page.returned > len(chunk) else "") + ",".join(chunk)
            chunk = []
    if chunk:
        yield ("," if page.returned > len(chunk) else "") + ",".join(chunk)
    if backwards:
        page.more_after = True
    elif q.after is not None:
        page.more_before = True
    yield "]," + json.dumps(tail(page), ensure_ascii=False)[1:]
