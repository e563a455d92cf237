"""FV-RISE (seed 001 §III.B, §IV.C.1): RISE masks weighted by how far each masked score lies from a centre.

With masked scores s_i, masks m_i, keep-probability p and a centre c:

    sal(x) = Σ_i (s_i − c) · m_i(x) / (N · p)

Masks whose score is above the centre vote for the pixels they keep, masks below it vote against them. With
c = the reference score of the unmasked pair this is exactly the seed's grouping (masks above / below the
reference score, each group summed with its weights); c = the mean masked score (default) removes the large
common mean of similarity scores, which makes the estimate converge several times faster. The similarity
map is the positive part of sal, the dissimilarity map the negative part, each min-max normalised to [0, 1].
"""

from __future__ import annotations

import numpy as np
import torch

from xai.explain.rise.accumulate import Accumulator
from xai.explain.rise.engine import ProgressFn, explain_with_masks
from xai.explain.rise.result import SaliencyResult
from xai.explain.rise.rise_sampler import RiseMaskSampler
from xai.explain.score import ScoreFn

CENTRES = ("mean", "reference")


def fv_rise(probe: torch.Tensor, score_fn: ScoreFn, n_masks: int = 2000, grid: int = 5, keep: float = 0.5,
            batch_size: int = 8, seed: int = 0, centre: str = "mean", sampling: str = "random",
            early_stop: bool = False, check_every: int = 256, stop_correlation: float = 0.995,
            progress: ProgressFn | None = None, precision: str = "fp32") -> SaliencyResult:
    """FV-RISE similarity and dissimilarity maps of ``probe`` ((H, W, 3) float32, the model's crop).

    Args:
        score_fn: (B, H, W, 3) masked probes → (B,) similarity to the gallery (higher = more similar).
        centre: "mean" (mean masked score, default) or "reference" (the unmasked pair's score: the seed's
            grouping of masks above / below the reference score).
        sampling: "random" (i.i.d. cells and shifts, as RISE) or "sobol" (scrambled Sobol points, faster
            convergence).
        precision: "fp32", "bf16" or "auto" (bf16 only on a CPU with native bf16 and when the first masks'
            bf16 map correlates ≥ 0.999 with the fp32 one; see :mod:`xai.core.precision`).
        progress: called after every batch with (masks done, masks requested, current signed map).
    """
    if centre not in CENTRES:
        raise ValueError('centre must be "mean" or "reference"')
    sampler = RiseMaskSampler(probe.shape[0], probe.shape[1], grid, keep, sampling)

    def estimate(acc: Accumulator, reference: float) -> np.ndarray:
        return acc.rise(keep, acc.sum_s / acc.n if centre == "mean" else reference)

    return explain_with_masks(probe, score_fn, sampler, n_masks, batch_size, seed, estimate, early_stop,
                              check_every, stop_correlation, progress, precision)
