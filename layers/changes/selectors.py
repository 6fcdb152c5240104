"""Reading a layer's change feed on behalf of someone (a user, a token, a webhook's owner)."""
from __future__ import annotations

from collections.abc import Callable

from layers.changes.feed import START, ChangePage, Cursor, changes_read, cursor_decode
from layers.models import Layer
from layers.scope import FeatureScope, feature_scope


def reader_scope(*, principal, layer: Layer) -> FeatureScope:
    """What of `layer` the principal, who may view it, sees in the feed (layers/scope.py)."""
    return feature_scope(principal=principal, layer=layer)


def layer_changes(*, principal, layer: Layer, since: Cursor = START, limit: int) -> ChangePage:
    """The changes of a layer the principal may view (the caller checked that), as they may see them."""
    return changes_read(layer=layer, since=since, limit=limit, scope=reader_scope(principal=principal, layer=layer))


def parse_since(text: str | None) -> Cursor:
    """`since` of a request: empty for the start of the feed; CursorError otherwise."""
    return cursor_decode(text) if text else START


def parse_limit(text: str | None, *, default: int, maximum: int) -> int:
    if text in (None, ""):
        return default
    try:
        value = int(text)
    except ValueError as exc:
        raise ValueError(f"limit must be a whole number from 1 to {maximum}.") from exc
    if not 1 <= value <= maximum:
        raise ValueError(f"limit must be a whole number from 1 to {maximum}.")
    return value


def page_document(page: ChangePage, *, url_for: Callable[[str], str], since: Cursor) -> dict:
    """The JSON body of one page of the feed (REST, OGC API and webhook payloads alike)."""
    following = page.next.encode()
    return {
        "changes": [change.document() for change in page.changes],
        "since": since.encode() if since != START else None,
        "next": following,
        "more": page.more,
        "links": [{"rel": "next", "type": "application/json", "href": url_for(following)}],
    }
