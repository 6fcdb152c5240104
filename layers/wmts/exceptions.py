"""OWS 1.1 ExceptionReports, the only way WMTS answers a request it cannot serve."""
from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

OWS_NS = "http://www.opengis.net/ows/1.1"
# OGC 07-057r7, table 28: the HTTP status of each exception code.
STATUS = {
    "MissingParameterValue": 400,
    "InvalidParameterValue": 400,
    "TileOutOfRange": 400,
    "OperationNotSupported": 501,
    "VersionNegotiationFailed": 400,
    "InvalidUpdateSequence": 400,
    "NoApplicableCode": 500,
}


class OwsError(Exception):
    def __init__(self, message: str, *, code: str = "InvalidParameterValue", locator: str = "",
                 status: int | None = None, headers: dict[str, str] | None = None):
        self.message, self.code, self.locator = message, code, locator
        self.status = status or STATUS.get(code, 400)
        self.headers = headers or {}
        super().__init__(message)

    def document(self) -> bytes:
        locator = f" locator={quoteattr(self.locator)}" if self.locator else ""
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<ExceptionReport xmlns="{OWS_NS}" version="1.1.0" xml:lang="en">\n'
            f'  <Exception exceptionCode="{self.code}"{locator}>\n'
            f"    <ExceptionText>{escape(self.message)}</ExceptionText>\n"
            "  </Exception>\n</ExceptionReport>\n"
        ).encode()
