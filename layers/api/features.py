"""The REST features list: the map's contract (a FeatureCollection whose properties carry `_name`
and `_version`), with bbox, distance and attribute filters and keyset pages (`next`)."""
from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping

from layers.history.selectors import features_asof, parse_asof
from layers.models import Layer
from layers.ogcapi import params, query
from layers.ogcapi.streaming import PageInfo, stream_collection
from layers.schema import parse_schema
from layers.scope import EVERYTHING, FeatureScope

MAX_FEATURES = 10_000
LIST_PARAMS = {"bbox", "near", "distance", "limit", "after", "format", "asof"}


def _near(raw: Mapping[str, str]) -> query.Fragment | None:
    near, distance = raw.get("near"), raw.get("distance")
    if not near and not distance:
        return None
    try:
        lon, lat = (float(v) for v in (near or "").split(","))
        metres = float(distance or "")
    except ValueError as exc:
        raise params.bad("near needs lon,lat in degrees and distance a number of metres.") from exc
    if not (-180 <= lon <= 180 and -90 <= lat <= 90 and math.isfinite(metres) and 0 <= metres <= 100_000):
        raise params.bad("near must be lon,lat in degrees and distance between 0 and 100000 metres.")
    return query.within_distance(lon, lat, metres)


def list_query(layer: Layer, raw: Mapping[str, str], scope: FeatureScope = EVERYTHING) -> query.ItemsQuery:
    """The list's query; a scoped viewer's (layers/scope.py) on its fields, within its area."""
    fields = scope.schema(parse_schema(layer.schema))
    where = params.parse_attribute_filters(raw, fields, allowed=LIST_PARAMS)
    area = query.scope_area(scope)
    if area is not None:
        where.insert(0, area)
    for fragment in (params.parse_bbox({"bbox": raw.get("bbox", "")}), _near(raw)):
        if fragment is not None:
            where.append(fragment)
    limit = params.parse_int(raw, "limit", minimum=1) or MAX_FEATURES
    if limit > MAX_FEATURES:
        raise params.bad(f"limit must be between 1 and {MAX_FEATURES}.")
    return query.ItemsQuery(layer_id=layer.pk, fields=[f.name for f in fields], limit=limit, where=where,
                            after=params.parse_int(raw, "after"), extra_properties=True,
                            name_shown=not layer.name_field or scope.shows_field(layer.name_field),
                            source=_source(layer, raw.get("asof")))


def _source(layer: Layer, raw_asof: str | None) -> query.Fragment:
    """The live features, or with `asof` the layer as it was then (layers.history): same filters, same pages."""
    if not raw_asof:
        return query.LIVE_FEATURES
    try:
        moment = parse_asof(raw_asof)
    except ValueError as exc:
        raise params.bad(str(exc)) from exc
    return features_asof(layer_id=layer.pk, asof=moment, name_field=layer.name_field)


def stream_list(q: query.ItemsQuery, *, next_url: Callable[[int], str]) -> Iterator[bytes]:
    def tail(page: PageInfo) -> dict:
        return {"numberReturned": page.returned,
                "next": next_url(page.last_id) if page.more_after and page.last_id is not None else None}

    return stream_collection(q, tail)


def next_url(request, after: int) -> str:
    query_params = request.query_params.copy()
    query_params["after"] = str(after)
    return request.build_absolute_uri(request.path) + "?" + query_params.urlencode()
