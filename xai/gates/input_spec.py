"""Image input specification (seed 002): file size, camera resolution, JPEG quality from the quantisation tables.

The seed gives these as recommendations, so each check is "pass" or "warn"; none changes the decision.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
from PIL import Image, UnidentifiedImageError

from xai.gates.checks import GateCheck
from xai.gates.thresholds import NOT_APPLICABLE, PASS, WARN, GateThresholds

# ITU-T T.81 Annex K tables (natural row-major order), the tables libjpeg scales by the IJG quality formula.
STD_LUMINANCE = np.array([
    16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56,
    14, 17, 22, 29, 51, 87, 80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92,
    49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99], dtype=np.float64)
STD_CHROMINANCE = np.array([
    17, 18, 24, 47, 99, 99, 99, 99, 18, 21, 26, 66, 99, 99, 99, 99, 24, 26, 56, 99, 99, 99, 99, 99,
    47, 66, 99, 99, 99, 99, 99, 99] + [99] * 32, dtype=np.float64)


@dataclass(frozen=True, slots=True)
class JpegQualityEstimate:
    """IJG quality that best reproduces the file's quantisation tables.

    Attributes:
        quality: integer in 1..100.
        mean_abs_error: mean |table − scaled standard table| over all coefficients, in quantiser steps;
            0 means the file was written by libjpeg (or a copy of its tables) at exactly this quality,
            larger values mean custom tables (camera or editor), for which the quality is an equivalent.
        tables: number of quantisation tables in the file.
    """

    quality: int
    mean_abs_error: float
    tables: int


def ijg_table(base: np.ndarray, quality: int) -> np.ndarray:
    """libjpeg's ``jpeg_quality_scaling``: (64,) table for ``quality`` in 1..100, entries clamped to 1..255."""
    q = min(max(int(quality), 1), 100)
    scale = 5000 // q if q < 50 else 200 - 2 * q  # integer division, as in libjpeg
    return np.clip(np.floor((base * scale + 50) / 100), 1, 255)


def estimate_jpeg_quality(tables: dict[int, list[int]]) -> JpegQualityEstimate:
    """Estimate the IJG quality from PIL's ``Image.quantization`` (table id → 64 values in natural order).

    Table 0 is compared with the luminance table and every other table with the chrominance table; the quality
    with the least mean absolute difference wins (ties: the higher quality).
    """
    if not tables:
        raise ValueError("the image has no JPEG quantisation tables")
    observed = [(np.asarray(t, dtype=np.float64), STD_LUMINANCE if i == 0 else STD_CHROMINANCE)
                for i, t in sorted(tables.items())]
    best_q, best_err = 100, np.inf
    for q in range(100, 0, -1):
        err = float(np.mean([np.abs(obs - ijg_table(base, q)).mean() for obs, base in observed]))
        if err < best_err - 1e-12:
            best_q, best_err = q, err
    return JpegQualityEstimate(best_q, best_err, len(tables))


@dataclass(frozen=True, slots=True)
class InputSpecReport:
    """The seed's image input specification for one input.

    Attributes:
        file_bytes: size of the file in bytes, or None for an in-memory array.
        width, height: pixels of the decoded image.
        megapixels: width × height / 1e6.
        image_format: "JPEG", "PNG", … or None for an array.
        jpeg: quality estimate for JPEG files, else None.
        checks: the three :class:`GateCheck` rows (file size, camera resolution, JPEG quality).
    """

    file_bytes: int | None
    width: int
    height: int
    megapixels: float
    image_format: str | None
    jpeg: JpegQualityEstimate | None
    checks: tuple[GateCheck, ...]


def check_input_spec(data: bytes | None, shape: tuple[int, ...], thresholds: GateThresholds) -> InputSpecReport:
    """File size, megapixels and JPEG quality of an input.

    Args:
        data: the file's bytes, or None when the caller passed a decoded array (then file size and JPEG quality
            are "n/a").
        shape: (H, W, ...) of the decoded image.
        thresholds: the recommended limits.
    """
    height, width = int(shape[0]), int(shape[1])
    megapixels = width * height / 1e6
    image_format, jpeg = None, None
    if data is not None:
        try:
            with Image.open(io.BytesIO(data)) as im:
                image_format = im.format
                if im.format == "JPEG" and getattr(im, "quantization", None):
                    jpeg = estimate_jpeg_quality(im.quantization)
        except (UnidentifiedImageError, OSError):
            image_format = None
    t = thresholds
    size_rule = f"{t.min_file_kb:g} KB ≤ size ≤ {t.max_file_mb:g} MB"
    if data is None:
        size = GateCheck("input", "file_size", "File size", None, "n/a (decoded array)", size_rule, NOT_APPLICABLE)
    else:
        ok = t.min_file_kb * 1e3 <= len(data) <= t.max_file_mb * 1e6
        size = GateCheck("input", "file_size", "File size", len(data), f"{len(data) / 1e3:.0f} KB", size_rule,
                         PASS if ok else WARN)
    camera = GateCheck("input", "megapixels", "Camera resolution", round(megapixels, 3),
                       f"{megapixels:.2f} MP ({width}×{height})", f"> {t.min_megapixels:g} MP",
                       PASS if megapixels > t.min_megapixels else WARN)
    quality_rule = f"JPEG quality ≥ {t.min_jpeg_quality}"
    if jpeg is not None:
        shown = f"≈ {jpeg.quality} (table fit error {jpeg.mean_abs_error:.2f})"
        quality = GateCheck("input", "jpeg_quality", "JPEG quality", jpeg.quality, shown, quality_rule,
                            PASS if jpeg.quality >= t.min_jpeg_quality else WARN)
    else:
        why = "n/a (decoded array)" if data is None else f"n/a ({image_format or 'unknown'}: not JPEG, no loss)"
        quality = GateCheck("input", "jpeg_quality", "JPEG quality", None, why, quality_rule, NOT_APPLICABLE)
    return InputSpecReport(None if data is None else len(data), width, height, megapixels, image_format, jpeg,
                           (size, camera, quality))
