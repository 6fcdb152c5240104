"""Publishing committed feature changes to the live map's processes, through Redis pub/sub.

Receives layers.signals.features_changed (sent on commit by layers/services.py and the import
writer, the one door of every feature write, and by a raster layer's replacement) and publishes
one message on the changes channel; each live process (layers/live/relay.py) hands it to its
sockets that follow the layer. A plain synchronous PUBLISH: writers (gunicorn workers, the job
worker) need no event loop for it.
"""
from __future__ import annotations

import functools
import json
import logging

import redis
from django.conf import settings

from layers.models import Feature, Layer
from layers.rasters.models import RasterSource

logger = logging.getLogger(__name__)


def changes_channel() -> str:
    """The pub/sub channel of this deployment's commits (one per database, so deployments may share a Redis)."""
    return f"{settings.LIVE_KEY_PREFIX}.changes"


def presence_group(layer_id: int) -> str:
    """The channel-layer group of the sockets editing a layer."""
    return f"live.editing.{layer_id}"


def change_message(*, layer_id: int, changes, stamp: str | None = None) -> dict:
    """The message of one commit: its feature changes, or None when the whole layer changed (an
    import, a raster replaced); `stamp`, the layer's new updated_at, is in the raster tiles' URLs
    (frontend js/rasters.js), so that maps fetch the new image rather than reuse the old one."""
    message = {
        "layer": layer_id,
        "changes": None if changes is None else [
            {"feature": c.feature_id, "action": c.action, "version": c.version,
             "bbox": list(c.bbox) if c.bbox else None}
            for c in changes
        ],
    }
    if stamp is not None:
        message["stamp"] = stamp
    return message


@functools.cache
def _publisher(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)


def on_features_changed(sender, *, layer_id: int, bboxes=None, changes=None, **kwargs) -> None:
    """Receiver of layers.signals.features_changed (after the commit).

    The write itself succeeded, so a Redis that cannot be reached is reported, not raised: open
    maps then miss this change until they are reloaded."""
    if sender not in (Feature, RasterSource) or not settings.LIVE_URL:
        return
    stamp = None
    if sender is RasterSource:
        updated = Layer.objects.filter(pk=layer_id).values_list("updated_at", flat=True).first()
        stamp = updated.isoformat() if updated else None
    message = json.dumps(change_message(layer_id=layer_id, changes=changes, stamp=stamp))
    try:
        _publisher(settings.LIVE_REDIS_URL).publish(changes_channel(), message)
    except redis.RedisError:
        logger.error("live map unreachable: open maps miss a change of layer %s", layer_id, exc_info=True)
