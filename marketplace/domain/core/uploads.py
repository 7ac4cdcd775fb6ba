"""Uploaded images and PDFs: checked by their content (not their name or declared type),
size-limited, stored on disk under random names outside the database.

Photos are public once a need or a progress report shows them, so each one is decoded and encoded
again by Pillow: what is kept is the picture (turned upright by its EXIF orientation, its colour
profile), never its metadata (EXIF with the GPS position and the camera, XMP, comments, PNG text).
An image with more pixels than MAX_IMAGE_PIXELS is refused before it is decoded (decompression
bombs). A PDF must parse (pypdf) and have a page; a password-protected one is refused."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps, UnidentifiedImageError
from pypdf import PdfReader

from marketplace.domain.core.errors import ValidationError

IMAGE_TYPES = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png"), "WEBP": ("image/webp", "webp")}


@dataclass
class StoredFile:
    stored_name: str
    content_type: str
    size: int


def folder(kind: str) -> Path:
    path = Path(current_app.config["UPLOAD_FOLDER"]) / kind
    path.mkdir(parents=True, exist_ok=True)
    return path


class TooManyPixels(ValidationError):
    """A picture over the pixel limit (said as such wherever it was sent)."""


def _too_many_pixels(field: str) -> ValidationError:
    limit = current_app.config["MAX_IMAGE_PIXELS"]
    return TooManyPixels(_l("This picture is too large: at most %(mp)s million pixels (e.g. 8000 × 5000). "
                              "Please send a smaller copy.", mp=limit // 1_000_000), field=field)


def clean_image(data: bytes, field: str = "photos") -> tuple[bytes, str, str]:
    """(the picture encoded again without metadata, content type, extension) of a real JPEG/PNG/WebP
    image, or a ValidationError."""
    limit = current_app.config["MAX_IMAGE_BYTES"]
    if len(data) > limit:
        raise ValidationError(_l("A photo can be at most %(mb)s MB.", mb=limit // (1024 * 1024)), field=field)
    if not data:
        raise ValidationError(_l("The file is empty."), field=field)
    not_a_photo = ValidationError(_l("This file is not a photo (JPEG, PNG or WebP)."), field=field)
    try:
        with Image.open(BytesIO(data)) as image:
            fmt = image.format
            if fmt not in IMAGE_TYPES:
                raise not_a_photo
            width, height = image.size  # from the header: nothing is decoded yet
            if width * height > current_app.config["MAX_IMAGE_PIXELS"]:
                raise _too_many_pixels(field)
            image.seek(0)  # an animation keeps its first picture
            upright = ImageOps.exif_transpose(image)  # decodes; turns the picture as the camera meant
            return _encode(upright, fmt, image.info.get("icc_profile")), *IMAGE_TYPES[fmt]
    except Image.DecompressionBombError:
        raise _too_many_pixels(field) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        raise not_a_photo from None


def _encode(image: Image.Image, fmt: str, icc_profile: bytes | None) -> bytes:
    """The pixels alone (and the colour profile, which says nothing about anyone)."""
    out = BytesIO()
    extra = {"icc_profile": icc_profile} if icc_profile else {}
    transparency = image.info.get("transparency")
    image.info = {}  # Pillow writes back what it read (a JPEG comment, EXIF, XMP…): nothing of it
    if fmt == "JPEG":
        image = image.convert("RGB") if image.mode not in ("RGB", "L") else image
        image.save(out, "JPEG", quality=88, optimize=True, **extra)
    elif fmt == "PNG":
        if image.mode not in ("1", "L", "LA", "P", "RGB", "RGBA", "I;16"):
            image = image.convert("RGBA")
        if image.mode == "P" and transparency is not None:
            extra["transparency"] = transparency
        image.save(out, "PNG", optimize=True, **extra)
    else:
        image = image.convert("RGBA") if image.mode not in ("RGB", "RGBA") else image
        image.save(out, "WEBP", quality=85, **extra)
    return out.getvalue()


def check_pdf(data: bytes, field: str = "attachments") -> None:
    """A PDF that parses and has at least one page (its first bytes prove nothing)."""
    refused = ValidationError(_l("This PDF cannot be read (damaged, empty or password-protected)."), field=field)
    try:
        reader = PdfReader(BytesIO(data), strict=False)
        if reader.is_encrypted or len(reader.pages) < 1:
            raise refused
        reader.pages[0].mediabox  # noqa: B018  (the first page's dictionary must resolve)
    except ValidationError:
        raise
    except Exception:  # pypdf raises many kinds of errors on damaged files; any of them means "no"
        raise refused from None


def read_images(files: list[Any], field: str = "photos") -> list[tuple[bytes, str, str]]:
    """Read and check every uploaded file before anything is stored (all or nothing)."""
    files = [f for f in files if f and getattr(f, "filename", "")]
    if len(files) > current_app.config["MAX_PHOTOS"]:
        raise ValidationError(_l("At most %(n)s photos.", n=current_app.config["MAX_PHOTOS"]), field=field)
    checked = []
    for f in files:
        data = f.read(current_app.config["MAX_IMAGE_BYTES"] + 1)
        checked.append(clean_image(data, field))
    return checked


def store(kind: str, data: bytes, content_type: str, ext: str) -> StoredFile:
    name = f"{secrets.token_hex(16)}.{ext}"
    (folder(kind) / name).write_bytes(data)
    return StoredFile(name, content_type, len(data))


def path_of(kind: str, stored_name: str) -> Path:
    return folder(kind) / Path(stored_name).name
