"""The result of one FV-RISE or CorrRISE explanation."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, slots=True)
class SaliencyResult:
    """Similarity/dissimilarity maps of one explanation.

    Attributes:
        similarity: (H, W) float32 in [0, 1], regions that make the pair more similar.
        dissimilarity: (H, W) float32 in [0, 1], regions that make the pair less similar.
        raw: (H, W) float32 signed saliency (FV-RISE: Σ (s − c)·m / (N·p); CorrRISE: Pearson r in [−1, 1]).
        reference_score: score of the unmasked probe.
        masks_used: number of masks evaluated (fewer than requested after an early stop).
        mean_masked_score: mean score of the masked probes.
        precision: "fp32" or "bf16", the precision the masked probes were scored in.
        precision_check: Pearson r between the bf16 and fp32 maps of the first masks (None: no check ran).
        precision_detail: how the scores were computed (e.g. which layers bf16 left in fp32).
    """

    similarity: np.ndarray
    dissimilarity: np.ndarray
    raw: np.ndarray
    reference_score: float
    masks_used: int
    mean_masked_score: float
    precision: str = "fp32"
    precision_check: float | None = None
    precision_detail: str = "fp32"


def _normalised(part: np.ndarray) -> np.ndarray:
    peak = float(part.max())
    return (part / peak).astype(np.float32) if peak > 0 else np.zeros_like(part, dtype=np.float32)


def split_signed(raw: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(similarity, dissimilarity): the positive and the negative part of ``raw``, each divided by its peak."""
    return _normalised(np.maximum(raw, 0)), _normalised(np.maximum(-raw, 0))
