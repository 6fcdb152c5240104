"""Project-level endpoints: health check."""
from django.db import connection
from django.db.utils import DatabaseError
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


@never_cache
@require_GET
def healthz(request):
    """200 with the PostGIS version when the database answers, 503 with the reason when not."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT postgis_lib_version()")
            version = cursor.fetchone()[0]
    except DatabaseError as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else exc.__class__.__name__
        return JsonResponse({"status": "unavailable", "reason": f"database: {reason}"}, status=503)
    return JsonResponse({"status": "ok", "postgis": version})
