"""The live map's ASGI process for tests: uvicorn serving geoportal.asgi in a thread of the test
process (so it reaches the test database), on a free port, and a WebSocket client for it."""
from __future__ import annotations

import asyncio
import json
import socket
import threading
from dataclasses import dataclass

import pytest
import uvicorn
from channels.db import database_sync_to_async
from django.db import connections
from websockets.sync.client import ClientConnection, connect

from geoportal.asgi import application


@dataclass
class LiveSocketServer:
    port: int

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/live/"

    def connect(self, *, session_key: str | None = None, origin: str | None = "http://testserver") -> ClientConnection:
        headers = {"Cookie": f"sessionid={session_key}"} if session_key else {}
        return connect(self.url, origin=origin, additional_headers=headers, open_timeout=5, proxy=None)


def _serve(server: uvicorn.Server, sock: socket.socket) -> None:
    async def main():
        await server.serve(sockets=[sock])
        # The consumers' database connections live in asgiref's shared thread: close them there,
        # so that the test database can be dropped at the end of the session.
        await database_sync_to_async(connections.close_all)()

    asyncio.run(main())


@pytest.fixture
def live_socket_server(transactional_db, settings):
    """The live process on a free port; pages are told to find it on their own host, that port."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    config = uvicorn.Config(application, lifespan="off", ws="websockets-sansio", log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=_serve, args=(server, sock), daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError("the live server did not start")
        threading.Event().wait(0.02)
    port = sock.getsockname()[1]
    settings.LIVE_URL = f":{port}/live/"
    yield LiveSocketServer(port=port)
    server.should_exit = True
    thread.join(10)
    sock.close()


def receive(ws: ClientConnection, timeout: float = 5) -> dict:
    return json.loads(ws.recv(timeout=timeout))


def nothing_arrives(ws: ClientConnection, timeout: float = 0.5) -> bool:
    try:
        message = ws.recv(timeout=timeout)
    except TimeoutError:
        return True
    raise AssertionError(f"unexpected message: {message}")
