"""Photo intake: only images Pillow can decode are kept, and only as our own re-encoding —
resized, oriented, without EXIF/GPS or any other metadata — plus a thumbnail."""
from __future__ import annotations

import io
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from PIL import Image, ImageOps, UnidentifiedImageError

ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}
THUMBNAIL_SIDE = 320
MAX_PIXELS = 40_000_000


class PhotoError(ValueError):
    """The upload is not an acceptable photo; the message says why."""


@dataclass(frozen=True)
class CleanPhoto:
    image: ContentFile
    thumbnail: ContentFile
    width: int
    height: int


def submission_max_bytes() -> int:
    """The largest report a browser may send: every photo at its limit, plus 1 MiB of form fields
    (geoportal.security.limits refuses a larger request before its body is read)."""
    return settings.ANNOTATION_MAX_PHOTOS * settings.ANNOTATION_MAX_PHOTO_BYTES + 1024 * 1024


def _encode(image: Image.Image, name: str) -> ContentFile:
    buffer = io.BytesIO()
    # No exif= argument: the saved file carries no metadata at all.
    image.save(buffer, format="JPEG", quality=85, optimize=True)
    return ContentFile(buffer.getvalue(), name=name)


def photo_clean(*, upload) -> CleanPhoto:
    """Decode, strip and re-encode one uploaded file; raise PhotoError for anything else."""
    if upload.size > settings.ANNOTATION_MAX_PHOTO_BYTES:
        limit = settings.ANNOTATION_MAX_PHOTO_BYTES // (1024 * 1024)
        raise PhotoError(f"{upload.name}: the photo is larger than {limit} MB.")
    data = upload.read()
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.format not in ACCEPTED_FORMATS:
                raise PhotoError(f"{upload.name}: only JPEG, PNG, WebP or GIF photos are accepted.")
            if probe.width * probe.height > MAX_PIXELS:
                raise PhotoError(f"{upload.name}: the photo has too many pixels.")
            probe.verify()
        with Image.open(io.BytesIO(data)) as source:
            source.load()
            oriented = ImageOps.exif_transpose(source)
            picture = oriented.convert("RGB")
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError) as exc:
        raise PhotoError(f"{upload.name}: this file is not an image that can be read.") from exc
    side = settings.ANNOTATION_PHOTO_MAX_SIDE
    picture.thumbnail((side, side))
    thumb = picture.copy()
    thumb.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE))
    stem = uuid.uuid4().hex
    return CleanPhoto(
        image=_encode(picture, f"{stem}.jpg"),
        thumbnail=_encode(thumb, f"{stem}.jpg"),
        width=picture.width,
        height=picture.height,
    )
