import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "geoportal.settings")
application = get_wsgi_application()

# Cached tiles of public layers are answered before Django (layers/tiles/fastpath.py).
from layers.tiles.fastpath import with_tile_fast_path  # noqa: E402  (needs the settings loaded above)

application = with_tile_fast_path(application)
