"""Face-part contributions to the similarity (our stand-in for LIBF's face-part contributions, seed 001 §III.D,
and its colour-coded face-part contributions, CCFPC).

Face parts (:mod:`xai.core.face_parts`) are found on the model's own crop and occluded with the crop's mean colour
(:func:`xai.explain.occlusion.occlude_regions`), one at a time (Δ_one = s(part hidden) − s) and all but one
(Δ_only = s(only this part visible among the parts) − s(all parts hidden)). A part *supports* an acceptance when
hiding it lowers the similarity, and supports a rejection when hiding it raises the similarity.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from xai.core.face_parts import part_masks
from xai.explain.occlusion import occlude_regions
from xai.explain.score import ScoreFn

SUPPORT_RGB = (30, 170, 60)  # green: supports the decision
OPPOSE_RGB = (200, 30, 200)  # magenta: opposes it


@dataclass(frozen=True, slots=True)
class PartContribution:
    """Δ similarity of one face part: hidden alone (``delta_one``) and shown alone (``delta_only``)."""

    part: str
    delta_one: float
    delta_only: float


def part_contributions(crop: np.ndarray, landmarks: np.ndarray,
                       score_fn: ScoreFn) -> tuple[float, list[PartContribution]]:
    """Reference score and per-part contributions for a (S, S, 3) uint8 crop and its (478, 2) landmarks.

    ``score_fn``: (B, S, S, 3) float32 RGB [0, 255] → (B,) similarity. All images are scored in one batch.
    """
    occlusion = occlude_regions(crop, part_masks(landmarks, crop.shape[:2]), score_fn, fill="mean", alone=True)
    return occlusion.reference, [PartContribution(part, float(one), float(only))
                                 for part, one, only in zip(occlusion.regions, occlusion.delta,
                                                            occlusion.delta_alone, strict=True)]


def supports_decision(contribution: PartContribution, accepted: bool) -> bool:
    """Hiding a supporting part moves the score against the decision."""
    return contribution.delta_one < 0 if accepted else contribution.delta_one > 0


def contribution_overlay(crop: np.ndarray, landmarks: np.ndarray, contributions: list[PartContribution],
                         accepted: bool, alpha: float = 0.55) -> np.ndarray:
    """(S, S, 3) uint8 crop with each part tinted green (supports) or magenta (opposes), opacity ∝ |Δ|."""
    masks = part_masks(landmarks, crop.shape[:2])
    peak = max((abs(c.delta_one) for c in contributions), default=0.0) or 1.0
    out = crop.astype(np.float32)
    for c in sorted(contributions, key=lambda c: abs(c.delta_one)):
        colour = np.float32(SUPPORT_RGB if supports_decision(c, accepted) else OPPOSE_RGB)
        weight = alpha * abs(c.delta_one) / peak
        mask = masks[c.part]
        out[mask] = (1 - weight) * out[mask] + weight * colour
    return out.astype(np.uint8)
