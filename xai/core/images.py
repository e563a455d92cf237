"""Decoding user images safely, in memory: EXIF orientation applied, RGB uint8, size limits checked first."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_BYTES = 20 * 1024 * 1024  # keep equal to server.maxUploadSize (MB) in .streamlit/config.toml
MAX_PIXELS = 40_000_000
#: File types the pages' uploaders accept (decoding still checks the content, not the name).
UPLOAD_TYPES = ["jpg", "jpeg", "png", "webp", "bmp", "gif", "tif", "tiff"]


class ImageInputError(ValueError):
    """The upload is not an image we can use; the message is meant for the user."""


def decode_image(data: bytes, max_bytes: int = MAX_BYTES, max_pixels: int = MAX_PIXELS) -> np.ndarray:
    """Bytes of an image file → (H, W, 3) uint8 RGB, upright (EXIF orientation applied).

    The byte size and the pixel count in the header are checked before any pixel is decoded.
    Raises :class:`ImageInputError` with a plain message otherwise.
    """
    if not data:
        raise ImageInputError("The file is empty.")
    if len(data) > max_bytes:
        raise ImageInputError(f"The file is {len(data) / 1e6:.1f} MB; the limit is {max_bytes / 1e6:.0f} MB.")
    try:
        with Image.open(io.BytesIO(data)) as im:
            if im.width * im.height > max_pixels:
                raise ImageInputError(f"The image is {im.width}×{im.height} pixels; the limit is "
                                      f"{max_pixels / 1e6:.0f} megapixels.")
            im.seek(0)
            upright = ImageOps.exif_transpose(im)
            rgb = upright.convert("RGB") if upright.mode != "I;16" else upright.point(lambda v: v / 256).convert("RGB")
            array = np.asarray(rgb, dtype=np.uint8)
    except ImageInputError:
        raise
    except Image.DecompressionBombError as exc:
        raise ImageInputError(f"The image header claims far more pixels than the limit of {max_pixels / 1e6:.0f} "
                              "megapixels (a possible decompression bomb); it was not decoded.") from exc
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:
        raise ImageInputError(f"This file is not a readable image ({type(exc).__name__}).") from exc
    if min(array.shape[:2]) < 16:
        raise ImageInputError(f"The image is only {array.shape[1]}×{array.shape[0]} pixels.")
    return array


def read_image_file(path: str) -> np.ndarray:
    """Like :func:`decode_image`, from a path; a missing file is an :class:`ImageInputError` too."""
    try:
        with open(path, "rb") as fh:
            data = fh.read(MAX_BYTES + 1)
    except OSError as exc:
        raise ImageInputError(f"{path}: {exc.strerror or exc}") from exc
    return decode_image(data)
