"""Heatmap-guided masking, confidence drop, heatmap SSIM, and deletion/insertion faithfulness curves.

* Masking M(R, H) (seed 000, eq. 5): the top-k % pixels of the heatmap are set to zero in the input.
* Confidence drop ΔS = S_original − S_masked (eqs. 6 and 17), S = softmax probability of the class predicted
  on the original input (so a flipped decision shows as a large drop, not as a new high confidence).
* SSIM between the heatmaps of the original and the masked input (Table 4), scikit-image, data range 1.
* Deletion / insertion (Petsiuk et al., RISE, BMVC 2018): pixels are removed from (deletion: set to 0) or
  revealed on (insertion: over a blurred copy) the input in heatmap order, in ``steps`` equal chunks; the
  score of the originally predicted class is recorded after each step. AUC by the trapezoid rule over the
  fraction of pixels in [0, 1]. A faithful map gives a low deletion AUC and a high insertion AUC.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from skimage.metrics import structural_similarity

from xai.explain.score import ScoreFn, scores_of

DEFAULT_MASK_TOP_PERCENT = 10.0
DEFAULT_CURVE_STEPS = 8


def top_k_mask(heatmap: np.ndarray, percent: float) -> np.ndarray:
    """(H, W) bool mask of exactly round(percent/100 · H·W) pixels with the highest heatmap values.

    Ties are broken by pixel order (stable sort), so the mask is deterministic.
    """
    if not 0 <= percent <= 100:
        raise ValueError(f"mask percentage must be in [0, 100], got {percent}")
    flat = heatmap.reshape(-1)
    count = int(round(percent / 100 * flat.size))
    order = np.argsort(-flat, kind="stable")
    mask = np.zeros(flat.size, dtype=bool)
    mask[order[:count]] = True
    return mask.reshape(heatmap.shape)


def mask_top_k(image: np.ndarray, heatmap: np.ndarray, percent: float = DEFAULT_MASK_TOP_PERCENT) -> tuple[np.ndarray, np.ndarray]:
    """M(R, H): (H, W, 3) uint8 image with its top-``percent`` % heatmap pixels set to 0, and the (H, W) mask."""
    if image.shape[:2] != heatmap.shape:
        raise ValueError(f"image {image.shape[:2]} and heatmap {heatmap.shape} sizes differ")
    mask = top_k_mask(heatmap, percent)
    masked = image.copy()
    masked[mask] = 0
    return masked, mask


def heatmap_ssim(a: np.ndarray, b: np.ndarray) -> float:
    """SSIM in [−1, 1] between two (H, W) heatmaps with values in [0, 1]."""
    return float(structural_similarity(a.astype(np.float64), b.astype(np.float64), data_range=1.0))


@dataclass(frozen=True, slots=True)
class FaithfulnessCurves:
    """Deletion and insertion curves of one heatmap.

    Attributes:
        fractions: (steps + 1,) float32 fraction of pixels removed / revealed, 0 … 1.
        deletion: (steps + 1,) float32 class probability as pixels are deleted.
        insertion: (steps + 1,) float32 class probability as pixels are inserted.
        deletion_auc: area under ``deletion`` in [0, 1] (lower = more faithful).
        insertion_auc: area under ``insertion`` in [0, 1] (higher = more faithful).
    """

    fractions: np.ndarray
    deletion: np.ndarray
    insertion: np.ndarray
    deletion_auc: float
    insertion_auc: float


def _auc(fractions: np.ndarray, values: np.ndarray) -> float:
    return float(np.sum((values[1:] + values[:-1]) / 2 * np.diff(fractions)))


def faithfulness_curves(image: np.ndarray, heatmap: np.ndarray, score_fn: ScoreFn,
                        steps: int = DEFAULT_CURVE_STEPS, blur_sigma: float = 10.0,
                        original_score: float | None = None) -> FaithfulnessCurves:
    """Deletion and insertion curves of ``heatmap`` for ``image``.

    Args:
        image: (H, W, 3) uint8 RGB.
        heatmap: (H, W) float in [0, 1].
        score_fn: (N, H, W, 3) float32 RGB [0, 255] → (N,) score of the class being explained
            (:mod:`xai.explain.score`; a probability for the AUCs to lie in [0, 1]).
        steps: number of chunks; all 2·(steps + 1) images are scored in one batch.
        blur_sigma: Gaussian sigma of the insertion start image.
        original_score: score of ``image`` when already known; the two curve points that equal ``image``
            (nothing deleted, everything inserted) are then not recomputed.
    """
    if steps < 1:
        raise ValueError("steps must be >= 1")
    height, width = heatmap.shape
    order = np.argsort(-heatmap.reshape(-1), kind="stable")
    fractions = np.linspace(0.0, 1.0, steps + 1, dtype=np.float32)
    blurred = cv2.GaussianBlur(image, (0, 0), blur_sigma)
    flat_image, flat_blur = image.reshape(-1, 3), blurred.reshape(-1, 3)
    deleted, inserted = [], []
    for fraction in fractions:
        chosen = order[: int(round(fraction * order.size))]
        d = flat_image.copy()
        d[chosen] = 0
        i = flat_blur.copy()
        i[chosen] = flat_image[chosen]
        deleted.append(d.reshape(height, width, 3))
        inserted.append(i.reshape(height, width, 3))
    if original_score is None:
        scores = scores_of(score_fn, deleted + inserted).astype(np.float32)
        deletion, insertion = scores[: steps + 1], scores[steps + 1:]
    else:
        scores = scores_of(score_fn, deleted[1:] + inserted[:-1]).astype(np.float32)
        known = np.float32(original_score)
        deletion = np.concatenate([[known], scores[:steps]]).astype(np.float32)
        insertion = np.concatenate([scores[steps:], [known]]).astype(np.float32)
    return FaithfulnessCurves(fractions, deletion, insertion, _auc(fractions, deletion), _auc(fractions, insertion))
