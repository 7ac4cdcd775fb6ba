"""Uploaded images: checked by their content (not their name or declared type), size-limited,
stored on disk under random names outside the database."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from PIL import Image, UnidentifiedImageError

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


def check_image(data: bytes, field: str = "photos") -> tuple[str, str]:
    """(content type, extension) of a real JPEG/PNG/WebP image, or a ValidationError."""
    limit = current_app.config["MAX_IMAGE_BYTES"]
    if len(data) > limit:
        raise ValidationError(_l("A photo can be at most %(mb)s MB.", mb=limit // (1024 * 1024)), field=field)
    if not data:
        raise ValidationError(_l("The file is empty."), field=field)
    try:
        with Image.open(BytesIO(data)) as image:
            fmt = image.format
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ValidationError(_l("This file is not a photo (JPEG, PNG or WebP)."), field=field) from None
    if fmt not in IMAGE_TYPES:
        raise ValidationError(_l("This file is not a photo (JPEG, PNG or WebP)."), field=field)
    return IMAGE_TYPES[fmt]


def read_images(files: list[Any], field: str = "photos") -> list[tuple[bytes, str, str]]:
    """Read and check every uploaded file before anything is stored (all or nothing)."""
    files = [f for f in files if f and getattr(f, "filename", "")]
    if len(files) > current_app.config["MAX_PHOTOS"]:
        raise ValidationError(_l("At most %(n)s photos.", n=current_app.config["MAX_PHOTOS"]), field=field)
    checked = []
    for f in files:
        data = f.read(current_app.config["MAX_IMAGE_BYTES"] + 1)
        content_type, ext = check_image(data, field)
        checked.append((data, content_type, ext))
    return checked


def store(kind: str, data: bytes, content_type: str, ext: str) -> StoredFile:
    name = f"{secrets.token_hex(16)}.{ext}"
    (folder(kind) / name).write_bytes(data)
    return StoredFile(name, content_type, len(data))


def path_of(kind: str, stored_name: str) -> Path:
    return folder(kind) / Path(stored_name).name
