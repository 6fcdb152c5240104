"""In each live process, one Redis subscription to the commits that writers publish
(layers/live/events.py), handed to this process's sockets that follow the changed layer.

One subscription per process rather than one per socket, and no per-socket state in Redis: a
commit costs one PUBLISH however many maps are open. Started by the first socket that follows
something; if Redis goes away it subscribes again with backoff (commits in between are missed).
"""
from __future__ import annotations

import asyncio
import json
import logging
from collections import defaultdict

import redis
import redis.asyncio
from django.conf import settings

from layers.live.events import changes_channel

logger = logging.getLogger(__name__)
SUBSCRIBE_WAIT_SECONDS = 5

_followers: dict[int, set] = defaultdict(set)  # layer id -> consumers of this process
_task: asyncio.Task | None = None
_subscribed = asyncio.Event()


def follow(consumer, layer_ids) -> None:
    for layer_id in layer_ids:
        _followers[layer_id].add(consumer)


def unfollow(consumer, layer_ids) -> None:
    for layer_id in layer_ids:
        _followers[layer_id].discard(consumer)
        if not _followers[layer_id]:
            del _followers[layer_id]


async def running() -> None:
    """Start the subscription of this process (event loop) if needed; return once it listens."""
    global _task, _subscribed
    loop = asyncio.get_running_loop()
    if _task is None or _task.done() or _task.get_loop() is not loop:
        _subscribed = asyncio.Event()
        _task = loop.create_task(_relay(_subscribed))
    try:
        await asyncio.wait_for(_subscribed.wait(), SUBSCRIBE_WAIT_SECONDS)
    except TimeoutError:
        logger.error("live map: no subscription to Redis yet; changes reach open maps once it is back")


async def deliver(event: dict) -> None:
    """Hand a commit to every follower at once. This is the boundary between sockets: one that
    fails (its client gone mid-send, its permission check losing the database) is reported and
    must not keep the commit, or the next ones, from the others."""
    consumers = list(_followers.get(event["layer"], ()))
    results = await asyncio.gather(*(consumer.live_change(event) for consumer in consumers), return_exceptions=True)
    for consumer, result in zip(consumers, results, strict=True):
        if isinstance(result, BaseException) and not isinstance(result, Exception):
            raise result  # cancellation: the process is stopping
        if result is not None:
            logger.error("live map: a change of layer %s did not reach socket %s", event["layer"],
                         consumer.channel_name, exc_info=result)


async def _relay(subscribed: asyncio.Event) -> None:
    delay = 1
    while True:
        client = redis.asyncio.Redis.from_url(settings.LIVE_REDIS_URL)
        try:
            async with client.pubsub() as pubsub:
                await pubsub.subscribe(changes_channel())
                subscribed.set()
                delay = 1
                async for message in pubsub.listen():
                    if message["type"] == "message":
                        await deliver(json.loads(message["data"]))
        except redis.RedisError:
            subscribed.clear()
            logger.error("live map: lost the Redis subscription; trying again in %s s", delay, exc_info=True)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 30)
        finally:
            await client.aclose()
