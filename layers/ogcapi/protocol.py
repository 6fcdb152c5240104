"""The request and response objects the core handlers speak; no web framework in here."""
from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

GEOJSON = "application/geo+json"
JSON = "application/json"
HTML = "text/html"
OPENAPI = "application/vnd.oai.openapi+json;version=3.0"
SCHEMA_JSON = "application/schema+json"


@dataclass
class ApiRequest:
    method: str
    base_url: str  # absolute URL of the API root, as the client sees it (e.g. https://host/ogc)
    path: str  # below the root, e.g. "/collections/schools/items"
    params: Mapping[str, str]
    headers: Mapping[str, str]  # lower-case names
    principal: Any  # a user or a token principal, for layers.permissions
    body: bytes = b""
    language: str = "zh"

    def url(self, path: str | None = None, params: Mapping[str, Any] | None = None) -> str:
        query = urlencode({k: v for k, v in (params or {}).items() if v is not None})
        return f"{self.base_url}{self.path if path is None else path}" + (f"?{query}" if query else "")

    def wants_html(self) -> bool:
        fmt = self.params.get("f")
        if fmt:
            return fmt == "html"
        accept = self.headers.get("accept", "")
        return "text/html" in accept and "json" not in accept.split("text/html")[0]


@dataclass
class ApiResponse:
    status: int
    body: str | bytes | Iterable[str] = ""
    content_type: str = JSON
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def streaming(self) -> bool:
        return not isinstance(self.body, (str, bytes))


class ApiError(Exception):
    """An error answered as an OGC exception document."""

    def __init__(self, status: int, description: str, code: str = "InvalidParameterValue",
                 headers: dict[str, str] | None = None, errors: dict[str, str] | None = None):
        self.status, self.description, self.code = status, description, code
        self.headers = headers or {}
        self.errors = errors
        super().__init__(description)

    def response(self) -> ApiResponse:
        document = {"code": self.code, "description": self.description}
        if self.errors:
            document["errors"] = self.errors
        body = json.dumps(document, ensure_ascii=False)
        return ApiResponse(self.status, body, JSON, dict(self.headers))


def json_response(document: Any, *, status: int = 200, content_type: str = JSON,
                  headers: dict[str, str] | None = None) -> ApiResponse:
    return ApiResponse(status, json.dumps(document, ensure_ascii=False), content_type, headers or {})
