"""CSP violation reports (the policy's report-uri): each one logged and counted, so that a page
the policy breaks, or an injection the policy stopped, shows up in the logs and on /metrics.

Browsers post these without credentials or CSRF token, so the endpoint is open: its body is
bounded before it is read and each address may send CSP_REPORT_RATE reports a minute."""
from __future__ import annotations

import json
import logging
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from prometheus_client import Counter

logger = logging.getLogger("geoportal.csp")

VIOLATIONS = Counter("geoportal_csp_violations_total", "CSP violation reports by directive", ["directive"])
MAX_REPORT_BYTES = 16 * 1024
# Fields kept from a report (its sample of the blocked code is cut short).
# Metric labels: the directives a browser names; anything else is counted as "other".
DIRECTIVES = {"default-src", "script-src", "script-src-elem", "script-src-attr", "style-src", "style-src-elem",
              "style-src-attr", "img-src", "font-src", "connect-src", "worker-src", "object-src", "base-uri",
              "form-action", "frame-ancestors", "frame-src", "media-src", "manifest-src"}
FIELDS = ("document-uri", "violated-directive", "effective-directive", "blocked-uri", "source-file",
          "line-number", "disposition")


def _over_rate(address: str) -> bool:
    key = f"csp-report:{address}:{int(time.time() // 60)}"
    cache.add(key, 0, timeout=61)
    return cache.incr(key) > settings.CSP_REPORT_RATE


@csrf_exempt
@require_POST
def csp_report(request):
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return JsonResponse({"error": "Content-Length is not a number."}, status=400)
    if length > MAX_REPORT_BYTES:
        return JsonResponse({"error": f"A report may hold at most {MAX_REPORT_BYTES} bytes."}, status=413)
    if _over_rate(request.META.get("REMOTE_ADDR", "") or "unknown"):
        return JsonResponse({"error": "Too many reports from this address; try again in a minute."},
                            status=429, headers={"Retry-After": "60"})
    try:
        body = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError):
        return JsonResponse({"error": "The report is not JSON."}, status=400)
    report = body.get("csp-report") if isinstance(body, dict) else None
    if not isinstance(report, dict):
        return JsonResponse({"error": 'A report is a JSON object with a "csp-report" object.'}, status=400)
    kept = {name: str(report.get(name, ""))[:500] for name in FIELDS}
    kept["script-sample"] = str(report.get("script-sample", ""))[:80]
    named = kept["effective-directive"] or kept["violated-directive"].split(" ")[0]
    directive = named if named in DIRECTIVES else "other"
    VIOLATIONS.labels(directive=directive).inc()
    logger.warning("csp violation: %s blocked %s on %s", directive, kept["blocked-uri"], kept["document-uri"],
                   extra={"csp": kept})
    return HttpResponse(status=204)
