"""HTML representations: small Django templates over the same documents the JSON carries."""
from __future__ import annotations

from django.template.loader import render_to_string

from layers.ogcapi.protocol import ApiRequest


def render(page: str, document: dict, req: ApiRequest) -> str:
    json_url = req.url(params={**req.params, "f": "json"})
    context = {"doc": document, "page": page, "root": req.base_url, "json_url": json_url}
    return render_to_string(f"ogcapi/{page}.html", context)
