"""Request bodies bounded before anything reads them.

Django bounds form fields (DATA_UPLOAD_MAX_MEMORY_SIZE) but streams uploaded files to disk
whatever their size, and CsrfViewMiddleware parses a POST's body before the view runs. So the
declared Content-Length is checked here, in process_view, ahead of the CSRF middleware: over the
view's limit the request is answered 413 and its body never read. (Django reads no more than
Content-Length, and a body without one as empty, so the declared length bounds what is read.)

A view declares a larger or smaller limit with @body_limit (function views) or a
`max_body_bytes` attribute (class views); every other view gets REQUEST_MAX_BYTES.
"""
from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import JsonResponse

Limit = int | Callable[[], int]


def body_limit(limit: Limit):
    """Declare the largest request body a function view accepts (bytes, or a callable read per request)."""
    def decorate(view):
        view.max_body_bytes = limit
        return view
    return decorate


def _view_limit(view_func) -> int:
    declared = getattr(view_func, "max_body_bytes", None)
    if declared is None:
        declared = getattr(getattr(view_func, "cls", None), "max_body_bytes", None)  # DRF's as_view()
    if declared is None:
        return int(settings.REQUEST_MAX_BYTES)
    return int(declared() if callable(declared) else declared)


def _megabytes(count: int) -> str:
    return f"{count / (1024 * 1024):.1f} MB"


class RequestSizeLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        raw = request.META.get("CONTENT_LENGTH") or "0"
        try:
            length = int(raw)
        except ValueError:
            return JsonResponse({"error": "The Content-Length header is not a number."}, status=400)
        if length < 0:
            return JsonResponse({"error": "The Content-Length header is negative."}, status=400)
        limit = _view_limit(view_func)
        if length > limit:
            # (A WSGI application may not send Connection: close; the server deals with the unread body.)
            return JsonResponse({"error": f"The request is {_megabytes(length)}, over this address's upload limit "
                                          f"of {_megabytes(limit)}."}, status=413)
        return None
