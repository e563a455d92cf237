"""The streaming loop shared by FV-RISE and CorrRISE: mask, score, accumulate, choose the precision, stop early.

Masks come from one seeded stream in fixed chunks (:mod:`xai.explain.rise.stream`), so the maps do not depend
on the batch size. Only running sums are kept (:mod:`xai.explain.rise.accumulate`).

Early stop (optional): every ``check_every`` masks the current map is compared with the previous check;
when their Pearson correlation exceeds ``stop_correlation`` twice in a row, sampling stops.

Precision (optional, ``precision="auto"``): on a CPU with native bf16 the masked probes are scored in bf16 when
the maps of the first masks scored both ways agree (r ≥ 0.999, :func:`pick_precision`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import torch

from xai.core.precision import MIN_MAP_CORRELATION, check_precision, native_bf16
from xai.explain.rise.accumulate import Accumulator, map_correlation
from xai.explain.rise.masks import Draw
from xai.explain.rise.result import SaliencyResult, split_signed
from xai.explain.rise.stream import MaskStream
from xai.explain.score import ScoreFn

#: ``progress(masks done, masks requested, current signed (H, W) map)``, called after every batch.
ProgressFn = Callable[[int, int, np.ndarray], None]
#: ``estimate(accumulator, reference score)`` → the current (H, W) float32 signed map.
Estimate = Callable[[Accumulator, float], np.ndarray]


class MaskSampler(Protocol):
    """What the loop needs of a sampler: a seeded, reproducible source of masks."""

    def factored_stream(self, seed: int) -> Draw: ...


class _Masker:
    """Masked probes, (B, H, W, 3) = probe · mask, written into one reused buffer (a fresh 5 MB tensor per
    batch costs more in page faults than the multiplication): a batch is valid until the next call."""

    def __init__(self, probe: torch.Tensor, batch_size: int) -> None:
        self.probe = probe
        self.buffer = torch.empty(batch_size, *probe.shape, dtype=probe.dtype)

    def __call__(self, masks: torch.Tensor) -> torch.Tensor:
        if len(masks) > len(self.buffer):
            return self.probe[None] * masks[..., None]
        return torch.mul(self.probe[None], masks[..., None], out=self.buffer[:len(masks)])


def _score_batches(score_fn: ScoreFn, masked: _Masker, masks: torch.Tensor, batch_size: int) -> torch.Tensor:
    return torch.cat([score_fn(masked(masks[i:i + batch_size])).reshape(-1).float()
                      for i in range(0, len(masks), batch_size)])


@dataclass(frozen=True, slots=True)
class _PrecisionChoice:
    score_fn: ScoreFn
    precision: str
    check: float | None
    detail: str


#: The bf16 check compares maps of the first CHECK_MASKS masks, then of the first 2×, 3×… up to CHECK_LOOKS×.
CHECK_MASKS = 32
CHECK_LOOKS = 3


def pick_precision(precision: str, score_fn: ScoreFn, masked: _Masker, stream: MaskStream, n_masks: int,
                   batch_size: int, estimate: Estimate, reference: float, acc: Accumulator) -> _PrecisionChoice:
    """Switch to bf16 scoring only on a CPU with native bf16 and when the first masks' maps agree (r ≥ 0.999).

    The first :data:`CHECK_MASKS` masks are scored in fp32 (added to ``acc``) and in bf16, and the two maps
    compared. A map of so few masks is noisy, and its agreement understates that of the full map (the
    signal grows with N, the bf16 noise only with √N), so a failed look is repeated with CHECK_MASKS more
    masks, up to :data:`CHECK_LOOKS` looks, before falling back to fp32. ``score_fn.in_bf16(probe[None])``
    builds the bf16 score (the unmasked probe picks the layers it keeps in fp32). A score function whose
    ``bf16_unavailable`` names a reason (e.g. its model runs in onnxruntime) keeps fp32 and records the reason.
    """
    reduced = getattr(score_fn, "in_bf16", None)
    # a score that autocast cannot reach (onnxruntime) would pass the check with r = 1 and be called bf16
    unavailable = getattr(score_fn, "bf16_unavailable", "")
    if precision != "fp32" and unavailable:
        if precision == "bf16":
            raise ValueError(f"bf16 scoring is unavailable: {unavailable}; use precision='auto' or 'fp32'")
        return _PrecisionChoice(score_fn, "fp32", None, f"fp32 ({unavailable})")
    if precision == "fp32" or reduced is None or native_bf16() is None:
        if precision == "bf16":
            raise ValueError("bf16 scoring needs a CPU with amx_bf16 or avx512_bf16 and a score function "
                             "offering in_bf16(); use precision='auto' to fall back to fp32")
        return _PrecisionChoice(score_fn, "fp32", None, "fp32")
    fast = reduced(masked.probe[None])
    squares = acc.sum_m2 is not None
    exact, approx = Accumulator(*acc.shape, squares, acc.binary), Accumulator(*acc.shape, squares, acc.binary)
    agreement = 0.0
    for _ in range(CHECK_LOOKS):
        if acc.n >= n_masks:
            break
        masks, factors = stream.take(min(CHECK_MASKS, n_masks - acc.n))
        scores = _score_batches(score_fn, masked, masks, batch_size)
        acc.add(masks, scores, factors)
        exact.add(masks, scores, factors)
        approx.add(masks, _score_batches(fast, masked, masks, batch_size), factors)
        agreement = map_correlation(estimate(exact, reference), estimate(approx, reference))
        if agreement >= MIN_MAP_CORRELATION and acc.n >= n_masks:
            return _PrecisionChoice(score_fn, "fp32", agreement, "fp32 (the bf16 check scored every mask in fp32)")
        if agreement >= MIN_MAP_CORRELATION:
            detail = getattr(fast, "precision_detail", "bf16 autocast")
            return _PrecisionChoice(fast, "bf16", agreement,
                                    f"{detail}; first {exact.n} masks: bf16 map r = {agreement:.5f} with fp32")
    if precision == "bf16":
        raise ValueError(f"bf16 maps agree with fp32 only to r = {agreement:.4f} < {MIN_MAP_CORRELATION}")
    return _PrecisionChoice(score_fn, "fp32", agreement, f"fp32 (bf16 map r = {agreement:.5f} with fp32 on the "
                                                         f"first {exact.n} masks, below {MIN_MAP_CORRELATION})")


def explain_with_masks(probe: torch.Tensor, score_fn: ScoreFn, sampler: MaskSampler, n_masks: int,
                       batch_size: int, seed: int, estimate: Estimate, early_stop: bool, check_every: int,
                       stop_correlation: float, progress: ProgressFn | None, precision: str = "fp32",
                       pearson: bool = False) -> SaliencyResult:
    """Score ``n_masks`` masked copies of ``probe`` ((H, W, 3) float32 [0, 255]) and return the map ``estimate``
    forms from the running sums.

    Args:
        pearson: keep Σ m² for a Pearson estimate (CorrRISE; its masks are 0/1), else the factored sums only.
    """
    if probe.dim() != 3 or probe.shape[-1] != 3:
        raise ValueError(f"probe must be (H, W, 3), got {tuple(probe.shape)}")
    if n_masks < 1 or batch_size < 1:
        raise ValueError("n_masks and batch_size must be >= 1")
    check_precision(precision)
    height, width = probe.shape[:2]
    stream = MaskStream(sampler.factored_stream(seed), height, width)
    masked = _Masker(probe, batch_size)
    with torch.no_grad():
        reference = float(score_fn(probe[None])[0])
        acc = Accumulator(height, width, pearson, binary=pearson)
        choice = _PrecisionChoice(score_fn, "fp32", None, "fp32")
        if precision != "fp32":  # the first chunk(s) are scored in fp32 (and counted) and decide the precision
            choice = pick_precision(precision, score_fn, masked, stream, n_masks, batch_size, estimate, reference,
                                    acc)
            score_fn = choice.score_fn
            if progress is not None and acc.n:
                progress(acc.n, n_masks, estimate(acc, reference))
        previous, stable_checks, next_check = None, 0, check_every
        while acc.n < n_masks:
            count = min(batch_size, n_masks - acc.n)
            masks, factors = stream.take(count)
            scores = score_fn(masked(masks)).reshape(-1).float()
            acc.add(masks, scores, factors)
            if progress is not None or (early_stop and acc.n >= next_check):
                current = estimate(acc, reference)
                if progress is not None:
                    progress(acc.n, n_masks, current)
                if early_stop and acc.n >= next_check:
                    next_check += check_every
                    if previous is not None and map_correlation(previous, current) >= stop_correlation:
                        stable_checks += 1
                        if stable_checks >= 2:
                            break
                    else:
                        stable_checks = 0
                    previous = current
    raw = estimate(acc, reference)
    similarity, dissimilarity = split_signed(raw)
    return SaliencyResult(similarity, dissimilarity, raw, reference, acc.n, acc.sum_s / acc.n, choice.precision,
                          choice.check, choice.detail)
