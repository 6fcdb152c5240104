"""The database backend: GeoDjango's PostGIS backend with two additions that spare round trips.

- A health check that costs none. Django checks a reused connection at the start of every
  request (CONN_HEALTH_CHECKS) with `SELECT 1`. An idle connection the server still holds has
  nothing to say, while one the server closed (restart, idle timeout, pg_terminate_backend)
  becomes readable: so the socket is polled first, and only when something arrived is the
  server asked.
- Fresh layer rows without asking. Every connection LISTENs on `geoportal_layers`, which a
  trigger on layers_layer notifies after any statement that changes it (layers migration 0004).
  `layer_rows()` is a per-connection dict that stays filled while no notification has arrived:
  the anonymous layer lookup every tile and page request starts with (layers/permissions.py)
  is then answered from memory. Notifications are only delivered between transactions, so
  inside one (and on a connection that cannot listen: a replica, or PgBouncer's transaction
  pooling, DATABASE_POOLED) there is no such dict.
"""
import select

from django.contrib.gis.db.backends.postgis.base import DatabaseWrapper as PostGISDatabaseWrapper

LAYERS_CHANNEL = "geoportal_layers"


class DatabaseWrapper(PostGISDatabaseWrapper):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._layer_rows: dict | None = None

    def init_connection_state(self):
        super().init_connection_state()
        self._layer_rows = None
        if self.settings_dict.get("POOLED"):
            return  # behind transaction pooling, a notification reaches whichever client holds the server
        try:
            self.connection.execute(f"LISTEN {LAYERS_CHANNEL}")
        except self.Database.Error:
            self.connection.rollback()  # a read-only replica, say: no listening, no memory
            return
        self.connection.add_notify_handler(self._layers_changed)
        self._layer_rows = {}

    def _layers_changed(self, notify=None) -> None:
        if self._layer_rows is not None:
            self._layer_rows.clear()

    def _poll(self) -> bool:
        """Whether the server sent something since the last read (a notification, or goodbye)."""
        conn = self.connection
        try:
            readable, _, _ = select.select([conn.fileno()], [], [], 0)
        except (OSError, ValueError):
            return True
        return bool(readable)

    def is_usable(self) -> bool:
        conn = self.connection
        if conn is None or conn.closed or conn.broken:
            return False
        return not self._poll() or super().is_usable()

    def layer_rows(self) -> dict | None:
        """Layer objects remembered on this connection, valid as of now; None when none can be."""
        if self.in_atomic_block:
            return None
        self.ensure_connection()
        if self._layer_rows is None:
            return None
        if self._poll():
            pgconn = self.connection.pgconn
            self._layers_changed()  # whatever arrived, start afresh
            try:
                pgconn.consume_input()
                while pgconn.notifies() is not None:
                    pass
            except self.Database.Error:
                return None  # the connection is gone: the next query's health check finds out
        return self._layer_rows
