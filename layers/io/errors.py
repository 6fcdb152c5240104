"""What can go wrong with an import or export, as a typed hierarchy.

Every error carries an HTTP status and a message a person can act on; the API turns them into
4xx answers and the worker into a failed job's `error`.
"""
from __future__ import annotations


class IOFailure(Exception):
    """Base: an import/export could not proceed. `status` is the HTTP status to answer with."""

    status = 400

    def __init__(self, message: str, *, rows: list[dict] | None = None):
        super().__init__(message)
        self.message = message
        self.rows = rows or []


class UploadTooLarge(IOFailure):
    status = 413


class UnsupportedFormat(IOFailure):
    """The file is not one of the formats we read (or its extension lies)."""

    status = 415


class HostileFile(IOFailure):
    """The file tries something we never allow: references outside the upload, entities, zip tricks."""

    status = 422


class CorruptFile(IOFailure):
    """The file is truncated, empty or unreadable by the format's driver."""

    status = 422


class MissingPart(IOFailure):
    """A multi-file format lacks a part (a Shapefile without .shx or .dbf)."""

    status = 422


class InvalidRequest(IOFailure):
    """The request's parameters are wrong (unknown CRS, mode without key, unknown field …)."""

    status = 400


class RowsRejected(IOFailure):
    """Some rows do not fit the target layer; nothing was written. `rows` lists each one."""

    status = 422


class Cancelled(IOFailure):
    """The job was cancelled; nothing was written."""

    status = 409
