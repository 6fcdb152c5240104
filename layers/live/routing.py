"""The live process's ASGI routes: the WebSocket at /live/, and a health check for its supervisor.

Nothing else is served here; pages, APIs and tiles stay with gunicorn (geoportal/wsgi.py)."""
from channels.routing import URLRouter
from channels.sessions import SessionMiddlewareStack
from django.urls import path

from layers.live.consumers import LiveConsumer

LIVE_PATH = "live/"

websocket = SessionMiddlewareStack(URLRouter([path(LIVE_PATH, LiveConsumer.as_asgi())]))


async def http(scope, receive, send):
    """/live/healthz answers 200; any other HTTP request 404 (this process serves only the socket)."""
    found = scope["path"] == f"/{LIVE_PATH}healthz"
    body = b"ok\n" if found else b"This process serves only the live map's WebSocket at /live/.\n"
    await send({"type": "http.response.start", "status": 200 if found else 404,
                "headers": [(b"content-type", b"text/plain; charset=utf-8")]})
    await send({"type": "http.response.body", "body": body})
