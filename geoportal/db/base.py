"""The database backend: GeoDjango's PostGIS backend whose health check costs no round trip.

Django checks a reused connection at the start of every request (CONN_HEALTH_CHECKS) with
`SELECT 1`, one more round trip to PostgreSQL on each tile and page request. An idle connection
the server still holds has nothing to say, while one the server closed (restart, idle timeout,
pg_terminate_backend) becomes readable: so the socket is polled first, and only when something
arrived is the server asked.
"""
import select

from django.contrib.gis.db.backends.postgis.base import DatabaseWrapper as PostGISDatabaseWrapper


class DatabaseWrapper(PostGISDatabaseWrapper):
    def is_usable(self) -> bool:
        conn = self.connection
        if conn is None or conn.closed or conn.broken:
            return False
        try:
            readable, _, _ = select.select([conn.fileno()], [], [], 0)
        except (OSError, ValueError):
            return False
        return not readable or super().is_usable()
