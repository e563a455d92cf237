"""CorrRISE (seed 001 §III.C, §IV.C.2): per-pixel Pearson correlation between mask values and scores.

Masks of ``patches`` square occluders of side ``patch`` px at random positions (1 kept, 0 occluded); positive
correlation → regions that make the pair similar, negative → regions that make it dissimilar.
"""

from __future__ import annotations

import torch

from xai.explain.rise.engine import ProgressFn, explain_with_masks
from xai.explain.rise.patch_sampler import PatchMaskSampler
from xai.explain.rise.result import SaliencyResult
from xai.explain.score import ScoreFn


def corr_rise(probe: torch.Tensor, score_fn: ScoreFn, n_masks: int = 1000, patches: int = 10,
              patch: int | None = None, batch_size: int = 8, seed: int = 0, early_stop: bool = False,
              check_every: int = 256, stop_correlation: float = 0.995,
              progress: ProgressFn | None = None, precision: str = "fp32") -> SaliencyResult:
    """CorrRISE maps: per-pixel Pearson correlation between mask values and similarity scores.

    ``patch`` defaults to 30 px at 112 px image height, scaled with the probe's size (the original setting).
    """
    side = patch if patch is not None else max(1, round(30 * probe.shape[0] / 112))
    sampler = PatchMaskSampler(probe.shape[0], probe.shape[1], patches, side)
    return explain_with_masks(probe, score_fn, sampler, n_masks, batch_size, seed,
                              lambda acc, _ref: acc.pearson(), early_stop, check_every, stop_correlation,
                              progress, precision, pearson=True)
