"""Landmark-region occlusion: each face part's contribution to the similarity (our stand-in for LIBF's face-part
contributions, seed 001 §III.D, and its colour-coded face-part contributions, CCFPC).

Face parts are convex hulls of MediaPipe Face Mesh index groups, found on the model's own crop. Each part is
filled with the crop's mean colour, one at a time (Δ_one = s(part hidden) − s) and all but one
(Δ_only = s(only this part visible among the parts) − s(all parts hidden)). A part *supports* an acceptance when
hiding it lowers the similarity, and supports a rejection when hiding it raises the similarity.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np
import torch

from xai.face_pipeline import LEFT_EYE, NOSE, OUTER_LIPS, RIGHT_EYE

LEFT_BROW = (70, 63, 105, 66, 107, 55, 65, 52, 53, 46)
RIGHT_BROW = (300, 293, 334, 296, 336, 285, 295, 282, 283, 276)
FACE_PARTS: dict[str, tuple[tuple[int, ...], ...]] = {
    "forehead": ((10, 338, 297, 332, 284, 251, 21, 54, 103, 67, 109, 70, 63, 105, 66, 107, 336, 296, 334, 293,
                  300),),
    "eyebrows": (LEFT_BROW, RIGHT_BROW),
    "eyes": (LEFT_EYE, RIGHT_EYE),
    "nose": (NOSE,),
    "cheeks": ((116, 117, 118, 119, 100, 142, 203, 206, 207, 187, 123, 50, 101, 36, 205),
               (345, 346, 347, 348, 329, 371, 423, 426, 427, 411, 352, 280, 330, 266, 425)),
    "mouth": (OUTER_LIPS,),
    "chin": ((152, 148, 176, 149, 150, 136, 172, 58, 377, 400, 378, 379, 365, 397, 288, 17, 84, 181, 91, 146,
              61, 291, 375, 321, 405, 314, 200, 199, 175, 18),),
}
SUPPORT_RGB = (30, 170, 60)  # green: supports the decision
OPPOSE_RGB = (200, 30, 200)  # magenta: opposes it


def part_masks(landmarks: np.ndarray, shape: tuple[int, int]) -> dict[str, np.ndarray]:
    """Face part → (H, W) bool mask (union of the convex hulls of its index groups)."""
    masks = {}
    for part, groups in FACE_PARTS.items():
        mask = np.zeros(shape, np.uint8)
        for group in groups:
            hull = cv2.convexHull(np.round(landmarks[list(group)]).astype(np.int32))
            cv2.fillConvexPoly(mask, hull, 1)
        masks[part] = mask.astype(bool)
    return masks


@dataclass(frozen=True, slots=True)
class PartContribution:
    """Δ similarity of one face part: hidden alone (``delta_one``) and shown alone (``delta_only``)."""

    part: str
    delta_one: float
    delta_only: float


def part_contributions(crop: np.ndarray, landmarks: np.ndarray,
                       score_fn: Callable[[torch.Tensor], torch.Tensor]) -> tuple[float, list[PartContribution]]:
    """Reference score and per-part contributions for a (S, S, 3) uint8 crop and its (478, 2) landmarks.

    ``score_fn``: (B, S, S, 3) float32 RGB [0, 255] → (B,) similarity. All images are scored in one batch.
    """
    masks = part_masks(landmarks, crop.shape[:2])
    fill = crop.reshape(-1, 3).mean(axis=0)
    every = np.any(np.stack(list(masks.values())), axis=0)
    images = [crop]
    for mask in masks.values():
        hidden = crop.astype(np.float32)
        hidden[mask] = fill
        images.append(hidden)
    all_hidden = crop.astype(np.float32)
    all_hidden[every] = fill
    images.append(all_hidden)
    for mask in masks.values():
        only = all_hidden.copy()
        only[mask] = crop[mask]
        images.append(only)
    with torch.no_grad():
        scores = score_fn(torch.from_numpy(np.stack(images).astype(np.float32))).numpy().astype(np.float64)
    reference, n = float(scores[0]), len(masks)
    hidden_scores, baseline, only_scores = scores[1:n + 1], float(scores[n + 1]), scores[n + 2:]
    return reference, [PartContribution(part, float(h - reference), float(o - baseline))
                       for part, h, o in zip(masks, hidden_scores, only_scores, strict=True)]


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
