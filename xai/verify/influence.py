"""Influencing factors (seed 001 §III.A): image changes applied to the probe crop, and their effect on the score.

Each factor maps a (S, S, 3) uint8 RGB crop and a strength s ∈ [0, 1] (0 = unchanged) to a changed crop:

| factor | s = 1 means |
|---|---|
| jpeg | JPEG quality 5 (quality = 95 − 90 s) |
| downscale | resolution × 0.15, then back up (factor 1 − 0.85 s) |
| blur | Gaussian σ = 4 s px |
| brightness | intensities × (1 − 0.8 s) (darker) |
| contrast | deviations from the mean × (1 − 0.8 s) |
| beautification | edge-preserving skin smoothing (bilateral filter) blended in with weight s |
| sunglasses | opaque dark band over the eyes (opacity s) |
| mask | light medical-mask band over mouth and nose tip (opacity s) |

Occluders are placed by the crop's geometry: for 5-point aligned crops the eyes sit at 46 % of the height and the
mouth at 82 % (ArcFace template), which also holds roughly for dlib's face chips.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np
import torch

from models.base import FaceEmbedder
from models.registry import load_model
from xai.verify.calibration import accepts
from xai.verify.pipeline import VerificationResult
from xai.verify.score import score_function


def _jpeg_roundtrip(crop: np.ndarray, s: float) -> np.ndarray:
    """The JPEG nuisance: encode the crop at quality 95 − 90 s and decode those bytes again (our own bytes, so
    not through :func:`xai.core.images.decode_image`, which is the path for uploads and files)."""
    quality = int(round(95 - 90 * s))
    _, data = cv2.imencode(".jpg", cv2.cvtColor(crop, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, quality])
    return cv2.cvtColor(cv2.imdecode(data, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)


def _downscale(crop: np.ndarray, s: float) -> np.ndarray:
    h, w = crop.shape[:2]
    factor = 1 - 0.85 * s
    small = cv2.resize(crop, (max(2, round(w * factor)), max(2, round(h * factor))), interpolation=cv2.INTER_AREA)
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)


def _blur(crop: np.ndarray, s: float) -> np.ndarray:
    return crop.copy() if s <= 0 else cv2.GaussianBlur(crop, (0, 0), 4 * s)


def _brightness(crop: np.ndarray, s: float) -> np.ndarray:
    return np.clip(crop.astype(np.float32) * (1 - 0.8 * s), 0, 255).astype(np.uint8)


def _contrast(crop: np.ndarray, s: float) -> np.ndarray:
    x = crop.astype(np.float32)
    return np.clip((x - x.mean()) * (1 - 0.8 * s) + x.mean(), 0, 255).astype(np.uint8)


def _beautify(crop: np.ndarray, s: float) -> np.ndarray:
    smooth = cv2.bilateralFilter(crop, 9, 75, 9)
    return cv2.addWeighted(crop, 1 - s, smooth, s, 0)


def _band(crop: np.ndarray, s: float, top: float, bottom: float, left: float, right: float,
          colour: tuple[int, int, int]) -> np.ndarray:
    h, w = crop.shape[:2]
    out = crop.astype(np.float32)
    y0, y1, x0, x1 = int(top * h), int(bottom * h), int(left * w), int(right * w)
    out[y0:y1, x0:x1] = (1 - s) * out[y0:y1, x0:x1] + s * np.float32(colour)
    return out.astype(np.uint8)


FACTORS: dict[str, Callable[[np.ndarray, float], np.ndarray]] = {
    "jpeg": _jpeg_roundtrip,
    "downscale": _downscale,
    "blur": _blur,
    "brightness": _brightness,
    "contrast": _contrast,
    "beautification": _beautify,
    "sunglasses": lambda c, s: _band(c, s, 0.36, 0.56, 0.16, 0.84, (20, 20, 25)),
    "mask": lambda c, s: _band(c, s, 0.62, 0.98, 0.18, 0.82, (170, 205, 225)),
}


def apply_factor(crop: np.ndarray, factor: str, strength: float) -> np.ndarray:
    """(S, S, 3) uint8 RGB crop changed by ``factor`` at ``strength`` ∈ [0, 1]."""
    if factor not in FACTORS:
        raise ValueError(f"unknown factor {factor!r}; choose one of: {', '.join(FACTORS)}")
    if not 0 <= strength <= 1:
        raise ValueError("strength must be in [0, 1]")
    return FACTORS[factor](crop, float(strength))


@dataclass(frozen=True, slots=True)
class FactorSweep:
    """Scores of the changed probe against the gallery, per strength.

    Attributes:
        factor: the factor's name.
        strengths: (K,) float in [0, 1].
        cosine: (K,) cosine similarity to the gallery embedding.
        native: (K,) score in the model's native metric.
        same_person: (K,) bool decisions at the pair's decision threshold (``result.threshold``).
    """

    factor: str
    strengths: np.ndarray
    cosine: np.ndarray
    native: np.ndarray
    same_person: np.ndarray


def factor_sweep(result: VerificationResult, factor: str, strengths: np.ndarray | None = None,
                 loader: Callable[[str], FaceEmbedder] = load_model) -> FactorSweep:
    """Apply ``factor`` to the probe crop at each strength and re-verify against the gallery (one batch)."""
    levels = np.linspace(0.0, 1.0, 6) if strengths is None else np.asarray(strengths, dtype=np.float64)
    embedder = loader(result.model)
    changed = np.stack([apply_factor(result.probe_crop, factor, float(s)) for s in levels])
    with torch.no_grad():
        cosine = score_function(embedder, result.gallery_crop)(embedder.to_batch(changed)).numpy()
        descriptors = embedder.descriptors(embedder.to_batch(np.concatenate([changed, result.gallery_crop[None]])))
        native = embedder.native_score(descriptors[:-1], descriptors[-1:].expand(len(levels), -1)).numpy()
    decisions = np.array([accepts(result.metric, float(v), result.threshold) for v in native])  # the pair's threshold
    return FactorSweep(factor, levels, cosine.astype(np.float32), native.astype(np.float32), decisions)
