"""FV-RISE and CorrRISE for face verification (seed 001 §III.B–C, §IV.C.1–2), batched and streaming.

Both explain a *score function* ``score_fn(probes) -> (B,)`` — the similarity of masked probes to a fixed
gallery embedding — so they serve any embedder, differentiable or not.

Masks are generated per batch from a seeded generator and applied to the probe; only running sums are kept,
so memory is O(H·W) whatever the number of masks N.

FV-RISE (RISE masks: an s×s binary grid with keep-probability p, bilinearly upsampled to (s+1)·⌈H/s⌉ and
cropped at a random shift). With masked scores s_i, masks m_i and a centre c:

    sal(x) = Σ_i (s_i − c) · m_i(x) / (N · p)

Masks whose score is above the centre vote for the pixels they keep, masks below it vote against them. With
c = the reference score of the unmasked pair this is exactly the seed's grouping (masks above / below the
reference score, each group summed with its weights); c = the mean masked score (default) removes the large
common mean of similarity scores, which makes the estimate converge several times faster. The similarity
map is the positive part of sal, the dissimilarity map the negative part, each min-max normalised to [0, 1].

CorrRISE (masks of ``patches`` square occluders of side ``patch`` px at random positions): the Pearson
correlation, per pixel, between the mask value (1 kept, 0 occluded) and the similarity over all masks.
Positive correlation → similar regions, negative → dissimilar regions.

Masks come from one seeded stream in fixed chunks, so the maps do not depend on the batch size: same probe,
score function, parameters and seed give the same map bit for bit.

Early stop (optional): every ``check_every`` masks the current map is compared with the previous check;
when their Pearson correlation exceeds ``stop_correlation`` twice in a row, sampling stops.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

ScoreFn = Callable[[torch.Tensor], torch.Tensor]
ProgressFn = Callable[[int, int, np.ndarray], None]


def _interpolation_matrix(out_size: int, grid: int) -> torch.Tensor:
    """(out_size, grid) bilinear (half-pixel, edge-clamped) interpolation weights."""
    positions = (torch.arange(out_size, dtype=torch.float64) + 0.5) * grid / out_size - 0.5
    positions = positions.clamp(0, grid - 1)
    low = positions.floor().long()
    high = (low + 1).clamp(max=grid - 1)
    frac = positions - low
    matrix = torch.zeros(out_size, grid, dtype=torch.float64)
    matrix[torch.arange(out_size), low] += 1 - frac
    matrix[torch.arange(out_size), high] += frac
    return matrix.float()


@dataclass(frozen=True)
class RiseMaskSampler:
    """RISE masks for (height, width) inputs: ``sample(n, generator)`` → (n, height, width) float32 in [0, 1]."""

    height: int
    width: int
    grid: int = 5
    keep: float = 0.5

    def __post_init__(self) -> None:
        if not 0 < self.keep < 1:
            raise ValueError("keep probability p must be in (0, 1)")
        if self.grid < 2:
            raise ValueError("grid must be at least 2×2")

    def sample(self, n: int, generator: torch.Generator) -> torch.Tensor:
        cell_h, cell_w = math.ceil(self.height / self.grid), math.ceil(self.width / self.grid)
        rows = _interpolation_matrix((self.grid + 1) * cell_h, self.grid)
        cols = _interpolation_matrix((self.grid + 1) * cell_w, self.grid)
        binary = (torch.rand(n, self.grid, self.grid, generator=generator) < self.keep).float()
        dy = torch.randint(0, cell_h, (n,), generator=generator)
        dx = torch.randint(0, cell_w, (n,), generator=generator)
        ry = rows[dy[:, None] + torch.arange(self.height)]  # (n, H, grid): a shifted crop of the upsampling
        rx = cols[dx[:, None] + torch.arange(self.width)]  # (n, W, grid)
        return ry @ binary @ rx.transpose(1, 2)


@dataclass(frozen=True)
class PatchMaskSampler:
    """CorrRISE masks: ``patches`` occluding squares of side ``patch`` px (1 kept, 0 occluded)."""

    height: int
    width: int
    patches: int = 10
    patch: int = 30

    def sample(self, n: int, generator: torch.Generator) -> torch.Tensor:
        side = max(1, min(self.patch, self.height, self.width))
        ys = torch.randint(0, self.height - side + 1, (n, self.patches), generator=generator)
        xs = torch.randint(0, self.width - side + 1, (n, self.patches), generator=generator)
        rows = torch.arange(self.height)
        cols = torch.arange(self.width)
        in_rows = (rows[None, None] >= ys[..., None]) & (rows[None, None] < ys[..., None] + side)  # (n, P, H)
        in_cols = (cols[None, None] >= xs[..., None]) & (cols[None, None] < xs[..., None] + side)  # (n, P, W)
        occluded = (in_rows[..., :, None] & in_cols[..., None, :]).any(dim=1)
        return (~occluded).float()


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
    """

    similarity: np.ndarray
    dissimilarity: np.ndarray
    raw: np.ndarray
    reference_score: float
    masks_used: int
    mean_masked_score: float


def _normalised(part: np.ndarray) -> np.ndarray:
    peak = float(part.max())
    return (part / peak).astype(np.float32) if peak > 0 else np.zeros_like(part, dtype=np.float32)


def _split(raw: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return _normalised(np.maximum(raw, 0)), _normalised(np.maximum(-raw, 0))


def _correlation(a: np.ndarray, b: np.ndarray) -> float:
    a, b = a.ravel() - a.mean(), b.ravel() - b.mean()
    denominator = float(np.linalg.norm(a) * np.linalg.norm(b))
    return float(a @ b / denominator) if denominator > 0 else 0.0


class _Accumulator:
    """Running sums for both estimators (float64, O(H·W))."""

    def __init__(self, height: int, width: int) -> None:
        self.n = 0
        self.sum_s = 0.0
        self.sum_s2 = 0.0
        self.sum_m = torch.zeros(height, width, dtype=torch.float64)
        self.sum_m2 = torch.zeros(height, width, dtype=torch.float64)
        self.sum_sm = torch.zeros(height, width, dtype=torch.float64)

    def add(self, masks: torch.Tensor, scores: torch.Tensor) -> None:
        m, s = masks.double(), scores.double()
        self.n += len(s)
        self.sum_s += float(s.sum())
        self.sum_s2 += float((s * s).sum())
        self.sum_m += m.sum(dim=0)
        self.sum_m2 += (m * m).sum(dim=0)
        self.sum_sm += torch.einsum("b,bhw->hw", s, m)

    def rise(self, keep: float, centre: float) -> np.ndarray:
        return ((self.sum_sm - centre * self.sum_m) / (self.n * keep)).numpy().astype(np.float32)

    def pearson(self) -> np.ndarray:
        n = self.n
        cov = self.sum_sm / n - (self.sum_s / n) * (self.sum_m / n)
        var_m = (self.sum_m2 / n - (self.sum_m / n) ** 2).clamp(min=0)
        var_s = max(self.sum_s2 / n - (self.sum_s / n) ** 2, 0.0)
        denominator = torch.sqrt(var_m * var_s)
        r = torch.where(denominator > 0, cov / denominator.clamp(min=1e-30), torch.zeros_like(cov))
        return r.numpy().astype(np.float32)


MASK_CHUNK = 64


class _MaskStream:
    """Masks drawn in fixed chunks of :data:`MASK_CHUNK`, so the i-th mask does not depend on the batch size."""

    def __init__(self, sampler, generator: torch.Generator) -> None:
        self.sampler, self.generator = sampler, generator
        self.buffer: torch.Tensor | None = None

    def take(self, count: int) -> torch.Tensor:
        parts, needed = [], count
        while needed:
            if self.buffer is None or len(self.buffer) == 0:
                self.buffer = self.sampler.sample(MASK_CHUNK, self.generator)
            part, self.buffer = self.buffer[:needed], self.buffer[needed:]
            parts.append(part)
            needed -= len(part)
        return torch.cat(parts)


def _explain(probe: torch.Tensor, score_fn: ScoreFn, sampler, n_masks: int, batch_size: int, seed: int,
             estimate: Callable[[_Accumulator, float], np.ndarray], early_stop: bool, check_every: int,
             stop_correlation: float, progress: ProgressFn | None) -> SaliencyResult:
    if probe.dim() != 3 or probe.shape[-1] != 3:
        raise ValueError(f"probe must be (H, W, 3), got {tuple(probe.shape)}")
    if n_masks < 1 or batch_size < 1:
        raise ValueError("n_masks and batch_size must be >= 1")
    height, width = probe.shape[:2]
    stream = _MaskStream(sampler, torch.Generator().manual_seed(int(seed)))
    with torch.no_grad():
        reference = float(score_fn(probe[None])[0])
        acc = _Accumulator(height, width)
        previous, stable_checks, next_check = None, 0, check_every
        while acc.n < n_masks:
            count = min(batch_size, n_masks - acc.n)
            masks = stream.take(count)
            scores = score_fn(probe[None] * masks[..., None]).reshape(-1).float()
            acc.add(masks, scores)
            if progress is not None or (early_stop and acc.n >= next_check):
                current = estimate(acc, reference)
                if progress is not None:
                    progress(acc.n, n_masks, current)
                if early_stop and acc.n >= next_check:
                    next_check += check_every
                    if previous is not None and _correlation(previous, current) >= stop_correlation:
                        stable_checks += 1
                        if stable_checks >= 2:
                            break
                    else:
                        stable_checks = 0
                    previous = current
    raw = estimate(acc, reference)
    similarity, dissimilarity = _split(raw)
    return SaliencyResult(similarity, dissimilarity, raw, reference, acc.n, acc.sum_s / acc.n)


def fv_rise(probe: torch.Tensor, score_fn: ScoreFn, n_masks: int = 2000, grid: int = 5, keep: float = 0.5,
            batch_size: int = 16, seed: int = 0, centre: str = "mean", early_stop: bool = False,
            check_every: int = 256, stop_correlation: float = 0.995,
            progress: ProgressFn | None = None) -> SaliencyResult:
    """FV-RISE similarity and dissimilarity maps of ``probe`` ((H, W, 3) float32, the model's crop).

    Args:
        score_fn: (B, H, W, 3) masked probes → (B,) similarity to the gallery (higher = more similar).
        centre: "mean" (mean masked score, default) or "reference" (the unmasked pair's score: the seed's
            grouping of masks above / below the reference score).
        progress: called after every batch with (masks done, masks requested, current signed map).
    """
    if centre not in ("mean", "reference"):
        raise ValueError('centre must be "mean" or "reference"')
    sampler = RiseMaskSampler(probe.shape[0], probe.shape[1], grid, keep)

    def estimate(acc: _Accumulator, reference: float) -> np.ndarray:
        return acc.rise(keep, acc.sum_s / acc.n if centre == "mean" else reference)

    return _explain(probe, score_fn, sampler, n_masks, batch_size, seed, estimate, early_stop, check_every,
                    stop_correlation, progress)


def corr_rise(probe: torch.Tensor, score_fn: ScoreFn, n_masks: int = 1000, patches: int = 10,
              patch: int | None = None, batch_size: int = 16, seed: int = 0, early_stop: bool = False,
              check_every: int = 256, stop_correlation: float = 0.995,
              progress: ProgressFn | None = None) -> SaliencyResult:
    """CorrRISE maps: per-pixel Pearson correlation between mask values and similarity scores.

    ``patch`` defaults to 30 px at 112 px image height, scaled with the probe's size (the original setting).
    """
    side = patch if patch is not None else max(1, round(30 * probe.shape[0] / 112))
    sampler = PatchMaskSampler(probe.shape[0], probe.shape[1], patches, side)
    return _explain(probe, score_fn, sampler, n_masks, batch_size, seed, lambda acc, _ref: acc.pearson(),
                    early_stop, check_every, stop_correlation, progress)
