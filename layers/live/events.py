"""Publishing committed feature changes to the live map's sockets, through the channel layer.

Receives layers.signals.features_changed (sent on commit by layers/services.py and the import
writer, the one door of every feature write) and sends one message to the layer's group; the
sockets following that layer (layers/live/consumers.py) pass it on to pages allowed to see it.
"""
from __future__ import annotations

import logging

import redis
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings

from layers.models import Feature

logger = logging.getLogger(__name__)


def layer_group(layer_id: int) -> str:
    """The channel-layer group of the sockets following a layer's changes."""
    return f"live.layer.{layer_id}"


def presence_group(layer_id: int) -> str:
    """The channel-layer group of the sockets editing a layer."""
    return f"live.editing.{layer_id}"


def change_message(*, layer_id: int, changes) -> dict:
    """The message of one commit: its feature changes, or None when the whole layer changed (import)."""
    return {
        "type": "live.change",
        "layer": layer_id,
        "changes": None if changes is None else [
            {"feature": c.feature_id, "action": c.action, "version": c.version,
             "bbox": list(c.bbox) if c.bbox else None}
            for c in changes
        ],
    }


def on_features_changed(sender, *, layer_id: int, bboxes=None, changes=None, **kwargs) -> None:
    """Receiver of layers.signals.features_changed (after the commit).

    The write itself succeeded, so a Redis that cannot be reached is reported, not raised: open
    maps then miss this change until they are reloaded."""
    if sender is not Feature or not settings.LIVE_URL:
        return
    message = change_message(layer_id=layer_id, changes=changes)
    try:
        async_to_sync(get_channel_layer().group_send)(layer_group(layer_id), message)
    except redis.RedisError:
        logger.error("live map unreachable: open maps miss a change of layer %s", layer_id, exc_info=True)
