"""Receiving an upload: a size limit enforced while the bytes arrive, and a private work folder
per import that is always removed.

The limit is IMPORT_MAX_UPLOAD_BYTES. A request announcing more (Content-Length) is refused before
its body is read; a body that turns out larger is refused at the chunk that crosses the limit and
its temporary file deleted.
"""
from __future__ import annotations

import shutil
import tempfile
import uuid
from pathlib import Path

from django.conf import settings
from django.core.files.uploadhandler import TemporaryFileUploadHandler

from layers.io.errors import UploadTooLarge


def max_upload_bytes() -> int:
    return int(settings.IMPORT_MAX_UPLOAD_BYTES)


def max_request_bytes() -> int:
    """The largest import request: the file plus room for the multipart envelope and form fields
    (geoportal.security.limits refuses a larger one before its body is read)."""
    return max_upload_bytes() + 65536


def _too_large() -> UploadTooLarge:
    limit_mb = max_upload_bytes() / (1024 * 1024)
    return UploadTooLarge(f"The file is larger than the upload limit of {limit_mb:.0f} MB.")


class LimitedUploadHandler(TemporaryFileUploadHandler):
    """Streams the file to a temporary file on disk and aborts past the limit."""

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        # Multipart overhead is small; a body over limit + 64 KiB cannot hold an acceptable file.
        if content_length and content_length > max_request_bytes():
            raise _too_large()
        self.received = 0
        return super().handle_raw_input(input_data, META, content_length, boundary, encoding)

    def receive_data_chunk(self, raw_data, start):
        self.received = getattr(self, "received", 0) + len(raw_data)
        if self.received > max_upload_bytes():
            if self.file is not None:
                self.file.close()  # a NamedTemporaryFile: closing deletes it
            raise _too_large()
        return super().receive_data_chunk(raw_data, start)


def work_root() -> Path:
    root = Path(settings.IMPORT_WORK_DIR)
    root.mkdir(parents=True, exist_ok=True)
    return root


def new_work_dir() -> Path:
    """A fresh private folder for one import (mode 0700)."""
    return Path(tempfile.mkdtemp(prefix=f"imp-{uuid.uuid4().hex[:8]}-", dir=work_root()))


def remove_work_dir(path: Path | str | None) -> None:
    if path and Path(path).exists():
        shutil.rmtree(path)


def save_upload(uploaded, folder: Path, name: str) -> Path:
    """Copy an UploadedFile into folder under a safe name; re-check the size while copying."""
    target = folder / name
    written = 0
    with open(target, "wb") as out:
        for chunk in uploaded.chunks():
            written += len(chunk)
            if written > max_upload_bytes():
                raise _too_large()
            out.write(chunk)
    return target
