"""The live map's ASGI process for tests: uvicorn serving geoportal.asgi in a thread of the test
process (so it reaches the test database), on a free port, and a WebSocket client for it."""
from __future__ import annotations

import asyncio
import json
import socket
import threading
import time

import pytest
import uvicorn
from channels.db import database_sync_to_async
from channels.layers import channel_layers
from django.db import connections
from websockets.sync.client import ClientConnection, connect

from geoportal.asgi import application
from geoportal.security.csp import content_security_policy


class LiveSocketServer:
    """uvicorn on one port, which can be stopped and started again (to test reconnecting)."""

    def __init__(self):
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        self.port = probe.getsockname()[1]
        probe.close()
        self._server = self._thread = None

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/live/"

    def connect(self, *, session_key: str | None = None, origin: str | None = "http://testserver") -> ClientConnection:
        headers = {"Cookie": f"sessionid={session_key}"} if session_key else {}
        return connect(self.url, origin=origin, additional_headers=headers, open_timeout=5, proxy=None)

    def start(self) -> None:
        # The channel layer keeps locks and connections of the event loop it first ran in; each
        # server here runs a new loop (production runs one per process for its whole life).
        channel_layers.backends.clear()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", self.port))
        config = uvicorn.Config(application, lifespan="off", ws="websockets-sansio", log_level="warning")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=_serve, args=(self._server, sock), daemon=True)
        self._thread.start()
        while not self._server.started:
            if not self._thread.is_alive():
                raise RuntimeError("the live server did not start")
            time.sleep(0.02)

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(10)


def _serve(server: uvicorn.Server, sock: socket.socket) -> None:
    async def main():
        await server.serve(sockets=[sock])
        # The consumers' database connections live in asgiref's shared thread: close them there,
        # so that the test database can be dropped at the end of the session.
        await database_sync_to_async(connections.close_all)()

    try:
        asyncio.run(main())
    finally:
        sock.close()


@pytest.fixture
def live_socket_server(transactional_db, settings):
    """The live process on a free port; pages are told to find it on their own host, that port."""
    server = LiveSocketServer()
    server.start()
    settings.LIVE_URL = f":{server.port}/live/"
    # The page's policy must let its socket connect there, as settings.py builds it for LIVE_URL.
    settings.CONTENT_SECURITY_POLICY = content_security_policy(
        basemap_url=settings.BASEMAP_URL, tianditu_key=settings.TIANDITU_KEY, live_url=settings.LIVE_URL)
    yield server
    server.stop()


def receive(ws: ClientConnection, timeout: float = 5) -> dict:
    return json.loads(ws.recv(timeout=timeout))


def nothing_arrives(ws: ClientConnection, timeout: float = 0.5) -> bool:
    try:
        message = ws.recv(timeout=timeout)
    except TimeoutError:
        return True
    raise AssertionError(f"unexpected message: {message}")
