"""The one error the renderer raises for a request it cannot draw (size, CRS, format)."""
from __future__ import annotations


class MapRequestError(ValueError):
    """A map request that cannot be drawn; `message` says what to change.

    `code` is the OGC exception code the WMS answers with (InvalidCRS, InvalidFormat …)."""

    def __init__(self, message: str, code: str = "InvalidParameterValue"):
        super().__init__(message)
        self.message = message
        self.code = code
