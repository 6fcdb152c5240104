"""The live map's WebSocket: follow layers' changes, and announce and see who edits a layer.

Messages from the page (JSON):
  {"type": "follow", "layers": [slug, ...]}  changes of these layers, as far as the user may see them
                                              (within the area of a scoped share)
  {"type": "edit", "layer": slug | null}      the user edits this layer now (null: no longer)
Messages to the page:
  {"type": "hello", "user": name | null}
  {"type": "following", "layers": [slug, ...]}                     what the socket follows
  {"type": "change", "layer": slug, "changes": [{feature, action, version, bbox}] | null, "stamp"?: updated_at}
  {"type": "presence", "layer": slug, "editors": [name, ...]}      the other users editing it
  {"type": "error", "error": text}

Presence works without shared state: a socket that starts editing announces itself to the layer's
editing group, and every other member answers it directly; leaving (or closing) is announced too.
"""
from __future__ import annotations

import asyncio
import json
import time

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings

from layers.live import relay
from layers.live.access import (
    changes_seen,
    display_name,
    layer_editable,
    layers_followable,
    origin_allowed,
    socket_user,
)
from layers.live.events import presence_group
from layers.scope import FeatureScope

MAX_FOLLOWED = 500


def _is_slug(value) -> bool:
    return isinstance(value, str) and 0 < len(value) <= 100


def _header(scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return value.decode("latin-1")
    return None


async def _changes_seen(event: dict, scope: FeatureScope) -> list[dict]:
    """A commit's changes as `scope` shows them, asked once per scope for all of this process's
    sockets that the commit reaches (relay.deliver hands them the same event)."""
    asked = event.setdefault("_seen", {})
    if scope.key not in asked:
        asked[scope.key] = asyncio.ensure_future(database_sync_to_async(changes_seen)(
            layer_id=event["layer"], scope=scope, changes=event["changes"]))
    return await asked[scope.key]


class LiveConsumer(AsyncWebsocketConsumer):
    async def connect(self):
        if not origin_allowed(_header(self.scope, b"origin")):
            await self.close(code=4403)  # before accept: the handshake is answered 403
            return
        self.following: dict[int, tuple[str, FeatureScope]] = {}  # layer id -> (slug, scope)
        self.editing: int | None = None
        self.editing_slug = ""
        self.editors: dict[str, tuple[int, str]] = {}  # channel name -> (user id, display name)
        self.user = await self._resolve_user()
        self.checked_at = time.monotonic()
        await self.accept()
        await self._send("hello", user=display_name(self.user) if self.user.is_authenticated else None)

    async def disconnect(self, code):
        if not hasattr(self, "following"):
            return  # refused before accept
        await self._stop_editing()
        relay.unfollow(self, self.following.keys())

    async def receive(self, text_data=None, bytes_data=None):
        try:
            message = json.loads(text_data or "")
        except ValueError:
            message = None
        kind = message.get("type") if isinstance(message, dict) else None
        if kind == "follow":
            await self._follow(message.get("layers"))
        elif kind == "edit":
            await self._edit(message.get("layer"))
        else:
            await self._send("error", error='Send JSON: {"type": "follow", "layers": [layer slugs]} or '
                                            '{"type": "edit", "layer": a layer slug or null}.')

    # Following changes

    async def _follow(self, slugs):
        if not isinstance(slugs, list) or len(slugs) > MAX_FOLLOWED or not all(_is_slug(s) for s in slugs):
            await self._send("error", error=f"layers must be a list of at most {MAX_FOLLOWED} layer slugs.")
            return
        allowed = await database_sync_to_async(layers_followable)(user=self.user, slugs=slugs)
        self._set_following(allowed)
        await relay.running()
        await self._send("following", layers=sorted(slug for slug, _scope in self.following.values()))

    def _set_following(self, allowed: dict[int, tuple[str, FeatureScope]]) -> None:
        relay.unfollow(self, self.following.keys() - allowed.keys())
        relay.follow(self, allowed.keys())
        self.following = allowed

    async def live_change(self, event):
        """A commit on a followed layer (layers/live/events.py, handed over by layers/live/relay.py)."""
        await self._recheck()
        followed = self.following.get(event["layer"])
        if followed is None:
            return
        slug, scope = followed
        changes = event["changes"]
        if changes is not None and scope.area is not None:
            changes = await _changes_seen(event, scope)
            if not changes:
                return
        extra = {"stamp": event["stamp"]} if "stamp" in event else {}
        await self._send("change", layer=slug, changes=changes, **extra)

    async def _recheck(self) -> None:
        """Ask again, at most every LIVE_RECHECK_SECONDS, whether the session stands and what it may see."""
        if time.monotonic() - self.checked_at < settings.LIVE_RECHECK_SECONDS:
            return
        self.checked_at = time.monotonic()
        self.user = await self._resolve_user()
        slugs = [slug for slug, _scope in self.following.values()]
        allowed = await database_sync_to_async(layers_followable)(user=self.user, slugs=slugs)
        self._set_following(allowed)
        if self.editing is not None and await database_sync_to_async(layer_editable)(
                user=self.user, slug=self.editing_slug) != self.editing:
            await self._stop_editing()

    async def _resolve_user(self):
        return await database_sync_to_async(socket_user)(session_key=self.scope["session"].session_key)

    # Presence of editors

    async def _edit(self, slug):
        await self._stop_editing()
        if slug is None:
            return
        layer_id = await database_sync_to_async(layer_editable)(user=self.user, slug=slug) if _is_slug(slug) else None
        if layer_id is None:
            await self._send("error", error="You may not edit this layer.")
            return
        self.editing, self.editing_slug = layer_id, slug
        await self.channel_layer.group_add(presence_group(layer_id), self.channel_name)
        await self.channel_layer.group_send(presence_group(layer_id), self._presence_event("presence.join"))
        await self._send_presence()

    async def _stop_editing(self) -> None:
        if self.editing is None:
            return
        layer_id, self.editing = self.editing, None
        self.editors = {}
        await self.channel_layer.group_discard(presence_group(layer_id), self.channel_name)
        await self.channel_layer.group_send(presence_group(layer_id), {
            "type": "presence.leave", "layer": layer_id, "channel": self.channel_name})

    def _presence_event(self, kind: str) -> dict:
        return {"type": kind, "layer": self.editing, "channel": self.channel_name,
                "user": self.user.pk, "name": display_name(self.user)}

    async def presence_join(self, event):
        await self._recheck()  # names go only to those who still may edit the layer
        if event["channel"] == self.channel_name or event["layer"] != self.editing:
            return
        self.editors[event["channel"]] = (event["user"], event["name"])
        await self.channel_layer.send(event["channel"], self._presence_event("presence.here"))
        await self._send_presence()

    async def presence_here(self, event):
        await self._recheck()
        if event["layer"] == self.editing:
            self.editors[event["channel"]] = (event["user"], event["name"])
            await self._send_presence()

    async def presence_leave(self, event):
        if event["layer"] == self.editing and self.editors.pop(event["channel"], None):
            await self._send_presence()

    async def _send_presence(self) -> None:
        names = sorted({name for user_id, name in self.editors.values() if user_id != self.user.pk})
        await self._send("presence", layer=self.editing_slug, editors=names)

    async def _send(self, kind: str, **fields) -> None:
        await self.send(text_data=json.dumps({"type": kind, **fields}, ensure_ascii=False))
