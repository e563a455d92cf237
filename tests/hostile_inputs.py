"""Hostile and unusual inputs, generated in memory for the tests (issue: hostile inputs, privacy, stability).

Each entry is ``name -> (file name, bytes, expectation)``; expectation is "reject" (a clear user message, no
traceback) or "accept" (decoded upright to (H, W, 3) uint8 RGB).
"""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "assets" / "samples"


def _save(image: Image.Image, fmt: str, **kwargs) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **kwargs)
    return buffer.getvalue()


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def bomb_png(width: int = 30000, height: int = 30000) -> bytes:
    """A tiny PNG whose header claims ``width`` × ``height`` pixels (a decompression bomb's calling card)."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    rows = zlib.compress(b"\x00" * 64)
    return b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header) + _png_chunk(b"IDAT", rows) + _png_chunk(b"IEND", b"")


def face_image(name: str = "obama.jpg") -> Image.Image:
    return Image.open(SAMPLES / name).convert("RGB")


def rotated_exif_jpeg(name: str = "obama.jpg") -> bytes:
    """The sample stored sideways (pixels rotated 90° clockwise) with EXIF orientation 8 saying "rotate back"."""
    upright = face_image(name)
    stored = upright.transpose(Image.Transpose.ROTATE_270)
    exif = Image.Exif()
    exif[0x0112] = 8
    return _save(stored, "JPEG", quality=92, exif=exif.tobytes())


def five_faces() -> bytes:
    """Five portraits in one 1100×800 photo; the one at the top left is clearly the biggest."""
    canvas = Image.new("RGB", (1100, 800), "white")
    layout = [("obama.jpg", (0, 0), (420, 525)), ("obama2.jpg", (440, 20), (260, 325)),
              ("obama.jpg", (740, 20), (260, 325)), ("obama2.jpg", (440, 420), (260, 325)),
              ("obama.jpg", (740, 420), (260, 325))]
    for name, corner, size in layout:
        canvas.paste(face_image(name).resize(size), corner)
    return _save(canvas, "JPEG", quality=92)


def tiny_face() -> bytes:
    """A 640×480 photo where the face is about 20 px wide."""
    canvas = Image.new("RGB", (640, 480), (120, 130, 120))
    canvas.paste(face_image().resize((24, 30)), (300, 220))
    return _save(canvas, "JPEG", quality=92)


def no_face() -> bytes:
    rng = np.random.default_rng(0)
    smooth = np.cumsum(rng.normal(size=(240, 320, 3)), axis=1)
    scaled = (255 * (smooth - smooth.min()) / np.ptp(smooth)).astype(np.uint8)
    return _save(Image.fromarray(scaled), "PNG")


def hostile_files() -> dict[str, tuple[str, bytes, str]]:
    """All cases: name → (file name, bytes, "reject" | "accept")."""
    face = face_image()
    jpeg = _save(face, "JPEG", quality=92)
    gray16 = Image.fromarray((np.asarray(face.convert("L"), dtype=np.uint16) * 257).astype(np.uint16))
    gif_frames = [face.resize((320, 400)), face.resize((320, 400)).transpose(Image.Transpose.FLIP_LEFT_RIGHT)]
    gif = io.BytesIO()
    gif_frames[0].save(gif, format="GIF", save_all=True, append_images=gif_frames[1:], duration=200, loop=0)
    rgba = face.convert("RGBA")
    rgba.putalpha(200)
    return {
        "empty": ("empty.jpg", b"", "reject"),
        "text_as_jpg": ("notes.jpg", b"this is not an image, just text\n" * 20, "reject"),
        "truncated_jpeg": ("truncated.jpg", jpeg[: len(jpeg) // 3], "reject"),
        "one_pixel": ("pixel.png", _save(Image.new("RGB", (1, 1), "red"), "PNG"), "reject"),
        "bomb_png": ("bomb.png", bomb_png(), "reject"),
        "png_16bit": ("gray16.png", _save(gray16, "PNG"), "accept"),
        "cmyk_jpeg": ("cmyk.jpg", _save(face.convert("CMYK"), "JPEG", quality=92), "accept"),
        "rgba_png": ("rgba.png", _save(rgba, "PNG"), "accept"),
        "grayscale": ("gray.jpg", _save(face.convert("L"), "JPEG", quality=92), "accept"),
        "animated_gif": ("animated.gif", gif.getvalue(), "accept"),
        "exif_rotated": ("rotated.jpg", rotated_exif_jpeg(), "accept"),
    }
