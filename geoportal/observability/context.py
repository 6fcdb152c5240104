"""The request id of the work at hand: set per request by the middleware and per job by the worker."""
import contextvars
import re
import uuid

REQUEST_ID_HEADER = "HTTP_X_REQUEST_ID"
# What a caller may send: short, and nothing that could end an SQL comment or split a log line.
_VALID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")

request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)


def valid_or_new(value: str | None) -> str:
    """The caller's id when it is well formed, a fresh one otherwise."""
    if value and _VALID.match(value):
        return value
    return uuid.uuid4().hex
