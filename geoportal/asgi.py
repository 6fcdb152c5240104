"""The live map's process (uvicorn geoportal.asgi:application): WebSockets only, beside gunicorn.

Long-lived connections are held here, by one event loop, and never tie up gunicorn's sync workers."""
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "geoportal.settings")
get_asgi_application()  # sets Django up before the consumers' imports

from channels.routing import ProtocolTypeRouter  # noqa: E402  (needs the settings loaded above)

from layers.live import routing  # noqa: E402

application = ProtocolTypeRouter({"http": routing.http, "websocket": routing.websocket})
