"""Image quality of the face area (seed 002): sharpness, contrast and brightness in [0, 1] and the seed's table.

All three are measured inside the convex hull of the Face Mesh face oval, on luma Y' = 0.299 R + 0.587 G + 0.114 B
(OpenCV's RGB→GRAY) scaled to [0, 1]:

* sharpness = clip((0.9 − B) / 0.5, 0, 1), with B the no-reference blur metric of Crété-Roffet et al. (2007),
  ``skimage.measure.blur_effect`` (0 sharp … 1 blurred), on the face's bounding box resized to a width of
  256 px, so the measure is relative to the face, not to the file's resolution;
* contrast = 1 − p2 / p98, with p2 and p98 the 2nd and 98th luma percentiles of the face: how far the face's
  shadows fall below its highlights; independent of exposure (a darker copy keeps its contrast);
* brightness = clip(mean luma / 0.8, 0, 1): the face's mean luma relative to that of a well-lit face.

The constants were calibrated on the sample portraits and their degraded copies (see
``models/cards/quality-gates.md``): Gaussian blur of σ = 8 px at a 256-px face width reads as reject and
σ = 4 px as doubt or reject; flattening contrast to 30 % rejects; darkening to 30 % rejects.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from skimage.measure import blur_effect

from xai.core.faces import FaceError
from xai.core.landmarks import FACE_OVAL
from xai.gates.checks import GateCheck
from xai.gates.thresholds import DOUBT, REJECT, GateThresholds, quality_verdict

NORMALISED_FACE_WIDTH = 256
BLUR_SHARP, BLUR_SPAN = 0.9, 0.5  # sharpness = (BLUR_SHARP − B) / BLUR_SPAN
WELL_LIT_LUMA = 0.8
MEASURES = ("sharpness", "contrast", "brightness")


@dataclass(frozen=True, slots=True)
class QualityReport:
    """Face-area quality.

    Attributes:
        sharpness, contrast, brightness: floats in [0, 1], higher is better.
        verdicts: measure → "accept", "doubt" or "reject" (the seed's table).
        passed: measure → True when not rejected (the seed's JSON booleans: "fulfils the requirement").
        doubt: True when any measure is in its doubt band (the seed's ``image_quality.doubt``).
        raw: the raw numbers behind each measure: blur_effect, p2, p98, mean_luma (all in [0, 1]).
        checks: the checklist rows.
    """

    sharpness: float
    contrast: float
    brightness: float
    verdicts: dict[str, str]
    passed: dict[str, bool]
    doubt: bool
    raw: dict[str, float]
    checks: tuple[GateCheck, ...]

    @property
    def rejected(self) -> bool:
        return any(v == REJECT for v in self.verdicts.values())


def face_mask(shape: tuple[int, ...], landmarks: np.ndarray) -> np.ndarray:
    """(H, W) bool mask of the convex hull of the face oval landmarks."""
    mask = np.zeros(shape[:2], np.uint8)
    cv2.fillConvexPoly(mask, cv2.convexHull(np.round(landmarks[list(FACE_OVAL)]).astype(np.int32)), 1)
    return mask.astype(bool)


def sharpness_of(luma: np.ndarray, mask: np.ndarray) -> tuple[float, float]:
    """(sharpness in [0, 1], blur_effect B in [0, 1]) of the face's bounding box.

    Args:
        luma: (H, W) float32 in [0, 1].
        mask: (H, W) bool face mask.
    """
    ys, xs = np.nonzero(mask)
    box = luma[ys.min():ys.max() + 1, xs.min():xs.max() + 1]
    scale = NORMALISED_FACE_WIDTH / box.shape[1]
    size = (NORMALISED_FACE_WIDTH, max(round(box.shape[0] * scale), 16))
    box = cv2.resize(box, size, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
    blur = float(blur_effect(box, h_size=11))
    return float(np.clip((BLUR_SHARP - blur) / BLUR_SPAN, 0.0, 1.0)), blur


def face_quality(image: np.ndarray, landmarks: np.ndarray, thresholds: GateThresholds) -> QualityReport:
    """Sharpness, contrast and brightness of the face area and their verdicts.

    Args:
        image: (H, W, 3) uint8 RGB.
        landmarks: (478, 2) float32 Face Mesh landmarks in ``image``.
        thresholds: the seed's bands (or the caller's).

    Raises:
        FaceError: the face area holds fewer than 64 pixels.
    """
    mask = face_mask(image.shape, landmarks)
    if mask.sum() < 64:
        raise FaceError("The face is too small to measure its image quality.")
    luma = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY).astype(np.float32) / 255.0
    values = luma[mask]
    p2, p98 = (float(v) for v in np.percentile(values, [2, 98]))
    mean = float(values.mean())
    sharpness, blur = sharpness_of(luma, mask)
    contrast = float(np.clip(1.0 - p2 / p98, 0.0, 1.0)) if p98 > 0 else 0.0
    brightness = float(np.clip(mean / WELL_LIT_LUMA, 0.0, 1.0))
    measured = {"sharpness": sharpness, "contrast": contrast, "brightness": brightness}
    verdicts = {name: quality_verdict(value, getattr(thresholds, name)) for name, value in measured.items()}
    labels = {"sharpness": "Sharpness", "contrast": "Contrast", "brightness": "Brightness"}
    checks = []
    for name, value in measured.items():
        low, high = getattr(thresholds, name)
        checks.append(GateCheck("quality", name, labels[name], round(value, 4), f"{value:.3f}",
                                f"reject < {low:g} ≤ doubt < {high:g} ≤ accept", verdicts[name]))
    return QualityReport(sharpness, contrast, brightness, verdicts, {k: v != REJECT for k, v in verdicts.items()},
                         any(v == DOUBT for v in verdicts.values()),
                         {"blur_effect": blur, "p2": p2, "p98": p98, "mean_luma": mean}, tuple(checks))
