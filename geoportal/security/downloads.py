"""Serving a stored file (an upload, or a file made from one) to the one user a view has allowed.

The type sent is the type the file's first bytes show, not what its name or the uploader said,
and it must be one the view expects; the browser is told not to sniff, to treat the body as
a download or an inline image under the given name, and to run nothing in it (a sandboxing CSP
of its own). Files live under MEDIA_ROOT, which no URL maps onto: this is the only way out."""
from __future__ import annotations

import logging
from typing import BinaryIO

from django.http import FileResponse, Http404

logger = logging.getLogger(__name__)

# Magic numbers of the kinds of file the platform serves back.
SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"%PDF-", "application/pdf"),
    (b"II*\x00", "image/tiff"),
    (b"MM\x00*", "image/tiff"),
    (b"PK\x03\x04", "application/zip"),
)
FILE_POLICY = "default-src 'none'; img-src 'self'; sandbox"


def sniff_content_type(head: bytes) -> str | None:
    """The media type the bytes show, or None when they show none we serve."""
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    for magic, media_type in SIGNATURES:
        if head.startswith(magic):
            return media_type
    return None


def stored_file_response(*, handle: BinaryIO, filename: str, allowed: frozenset[str] | set[str],
                         attachment: bool) -> FileResponse:
    """A FileResponse for an opened stored file; Http404 when its bytes are not an allowed type
    (a file changed on disk is never sent under a type it does not have)."""
    head = handle.read(16)
    handle.seek(0)
    media_type = sniff_content_type(head)
    if media_type not in allowed:
        handle.close()
        logger.warning("refused to serve %s: its bytes show %s, not one of %s", filename, media_type,
                       sorted(allowed))
        raise Http404("The stored file is not of the kind expected here.")
    response = FileResponse(handle, content_type=media_type, as_attachment=attachment, filename=filename)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = FILE_POLICY
    return response
