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
from scipy.stats import qmc

from xai.precision import MIN_MAP_CORRELATION, check_precision, native_bf16

ScoreFn = Callable[[torch.Tensor], torch.Tensor]
ProgressFn = Callable[[int, int, np.ndarray], None]
SAMPLINGS = ("random", "sobol")


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
    """RISE masks for (height, width) inputs: ``sample(n, generator)`` → (n, height, width) float32 in [0, 1].

    ``sampling="sobol"`` draws the grid cells and the shift from one scrambled Sobol sequence of dimension
    s² + 2 instead of independent uniforms (a cell is kept where its coordinate is below p): the keep patterns
    cover the space of masks more evenly, so the map converges with fewer masks (see bench/bench_rise.py).
    """

    height: int
    width: int
    grid: int = 5
    keep: float = 0.5
    sampling: str = "random"

    def __post_init__(self) -> None:
        if not 0 < self.keep < 1:
            raise ValueError("keep probability p must be in (0, 1)")
        if self.grid < 2:
            raise ValueError("grid must be at least 2×2")
        if self.sampling not in SAMPLINGS:
            raise ValueError(f"sampling must be one of {', '.join(SAMPLINGS)}, got {self.sampling!r}")

    @property
    def _cells(self) -> tuple[int, int]:
        return math.ceil(self.height / self.grid), math.ceil(self.width / self.grid)

    def sample(self, n: int, generator: torch.Generator) -> torch.Tensor:
        """``n`` masks from independent uniforms drawn from ``generator``."""
        cell_h, cell_w = self._cells
        binary = (torch.rand(n, self.grid, self.grid, generator=generator) < self.keep).float()
        dy = torch.randint(0, cell_h, (n,), generator=generator)
        dx = torch.randint(0, cell_w, (n,), generator=generator)
        return self._build(binary, dy, dx)

    def from_uniform(self, points: np.ndarray) -> torch.Tensor:
        """Masks from (n, s² + 2) points in [0, 1): s² cell coordinates, then the row and column shift."""
        cell_h, cell_w = self._cells
        u = torch.from_numpy(np.asarray(points, dtype=np.float64))
        binary = (u[:, : self.grid ** 2] < self.keep).float().reshape(-1, self.grid, self.grid)
        dy = (u[:, -2] * cell_h).long().clamp(max=cell_h - 1)
        dx = (u[:, -1] * cell_w).long().clamp(max=cell_w - 1)
        return self._build(binary, dy, dx)

    def stream(self, seed: int) -> Callable[[int], torch.Tensor]:
        """A seeded source of masks: ``draw(n)`` returns the next ``n`` masks of one reproducible sequence."""
        if self.sampling == "sobol":
            engine = qmc.Sobol(self.grid ** 2 + 2, scramble=True, seed=int(seed))
            return lambda n: self.from_uniform(engine.random(n))
        generator = torch.Generator().manual_seed(int(seed))
        return lambda n: self.sample(n, generator)

    def _build(self, binary: torch.Tensor, dy: torch.Tensor, dx: torch.Tensor) -> torch.Tensor:
        cell_h, cell_w = self._cells
        rows = _interpolation_matrix((self.grid + 1) * cell_h, self.grid)
        cols = _interpolation_matrix((self.grid + 1) * cell_w, self.grid)
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

    def stream(self, seed: int) -> Callable[[int], torch.Tensor]:
        """A seeded source of masks: ``draw(n)`` returns the next ``n`` masks of one reproducible sequence."""
        generator = torch.Generator().manual_seed(int(seed))
        return lambda n: self.sample(n, generator)


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
    """

    similarity: np.ndarray
    dissimilarity: np.ndarray
    raw: np.ndarray
    reference_score: float
    masks_used: int
    mean_masked_score: float
    precision: str = "fp32"


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
    """Running sums for both estimators, O(H·W): each batch is reduced in float32 (one GEMV), totals in float64."""

    def __init__(self, height: int, width: int, squares: bool = False) -> None:
        self.n = 0
        self.sum_s = 0.0
        self.sum_s2 = 0.0
        self.shape = (height, width)
        self.sum_m = torch.zeros(height * width, dtype=torch.float64)
        self.sum_sm = torch.zeros(height * width, dtype=torch.float64)
        self.sum_m2 = torch.zeros(height * width, dtype=torch.float64) if squares else None

    def add(self, masks: torch.Tensor, scores: torch.Tensor) -> None:
        m = masks.reshape(len(masks), -1).float()
        s = scores.reshape(-1).float()
        self.n += len(s)
        self.sum_s += float(s.double().sum())
        self.sum_s2 += float((s.double() ** 2).sum())
        sums = torch.stack([s, torch.ones_like(s)]) @ m  # one pass over the masks: Σ s·m and Σ m
        self.sum_sm += sums[0].double()
        self.sum_m += sums[1].double()
        if self.sum_m2 is not None:
            self.sum_m2 += (m * m).sum(dim=0).double()

    def rise(self, keep: float, centre: float) -> np.ndarray:
        raw = (self.sum_sm - centre * self.sum_m) / (self.n * keep)
        return raw.reshape(self.shape).numpy().astype(np.float32)

    def pearson(self) -> np.ndarray:
        if self.sum_m2 is None:
            raise RuntimeError("this accumulator was created without squares=True")
        n = self.n
        cov = self.sum_sm / n - (self.sum_s / n) * (self.sum_m / n)
        var_m = (self.sum_m2 / n - (self.sum_m / n) ** 2).clamp(min=0)
        var_s = max(self.sum_s2 / n - (self.sum_s / n) ** 2, 0.0)
        denominator = torch.sqrt(var_m * var_s)
        r = torch.where(denominator > 0, cov / denominator.clamp(min=1e-30), torch.zeros_like(cov))
        return r.reshape(self.shape).numpy().astype(np.float32)


MASK_CHUNK = 64


class _MaskStream:
    """Masks drawn in fixed chunks of :data:`MASK_CHUNK`, so the i-th mask does not depend on the batch size."""

    def __init__(self, draw: Callable[[int], torch.Tensor]) -> None:
        self.draw = draw
        self.buffer: torch.Tensor | None = None

    def take(self, count: int) -> torch.Tensor:
        parts, needed = [], count
        while needed:
            if self.buffer is None or len(self.buffer) == 0:
                self.buffer = self.draw(MASK_CHUNK)
            part, self.buffer = self.buffer[:needed], self.buffer[needed:]
            parts.append(part)
            needed -= len(part)
        return torch.cat(parts)


def _score_batches(score_fn: ScoreFn, probe: torch.Tensor, masks: torch.Tensor, batch_size: int) -> torch.Tensor:
    return torch.cat([score_fn(probe[None] * masks[i:i + batch_size, ..., None]).reshape(-1).float()
                      for i in range(0, len(masks), batch_size)])


def _pick_precision(precision: str, score_fn: ScoreFn, probe: torch.Tensor, masks: torch.Tensor,
                    scores: torch.Tensor, batch_size: int, estimate: Callable[[_Accumulator, float], np.ndarray],
                    reference: float, squares: bool) -> tuple[ScoreFn, str]:
    """Switch to bf16 scoring only on a CPU with native bf16 and when the first masks' maps agree (r ≥ 0.999)."""
    reduced = getattr(score_fn, "in_bf16", None)
    if precision == "fp32" or reduced is None or native_bf16() is None:
        if precision == "bf16":
            raise ValueError("bf16 scoring needs a CPU with amx_bf16 or avx512_bf16 and a score function "
                             "offering in_bf16(); use precision='auto' to fall back to fp32")
        return score_fn, "fp32"
    fast = reduced()
    exact, approx = _Accumulator(*probe.shape[:2], squares), _Accumulator(*probe.shape[:2], squares)
    exact.add(masks, scores)
    approx.add(masks, _score_batches(fast, probe, masks, batch_size))
    agreement = _correlation(estimate(exact, reference), estimate(approx, reference))
    if agreement >= MIN_MAP_CORRELATION:
        return fast, "bf16"
    if precision == "bf16":
        raise ValueError(f"bf16 maps agree with fp32 only to r = {agreement:.4f} < {MIN_MAP_CORRELATION}")
    return score_fn, "fp32"


def _explain(probe: torch.Tensor, score_fn: ScoreFn, sampler, n_masks: int, batch_size: int, seed: int,
             estimate: Callable[[_Accumulator, float], np.ndarray], early_stop: bool, check_every: int,
             stop_correlation: float, progress: ProgressFn | None, precision: str = "fp32") -> SaliencyResult:
    if probe.dim() != 3 or probe.shape[-1] != 3:
        raise ValueError(f"probe must be (H, W, 3), got {tuple(probe.shape)}")
    if n_masks < 1 or batch_size < 1:
        raise ValueError("n_masks and batch_size must be >= 1")
    check_precision(precision)
    height, width = probe.shape[:2]
    squares = isinstance(sampler, PatchMaskSampler)
    stream = _MaskStream(sampler.stream(seed))
    with torch.no_grad():
        reference = float(score_fn(probe[None])[0])
        acc = _Accumulator(height, width, squares)
        used = "fp32"
        if precision != "fp32":  # the first chunk is scored in fp32 (and counted) and decides the precision
            first = stream.take(min(MASK_CHUNK, n_masks))
            first_scores = _score_batches(score_fn, probe, first, batch_size)
            score_fn, used = _pick_precision(precision, score_fn, probe, first, first_scores, batch_size, estimate,
                                             reference, squares)
            acc.add(first, first_scores)
            if progress is not None:
                progress(acc.n, n_masks, estimate(acc, reference))
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
    return SaliencyResult(similarity, dissimilarity, raw, reference, acc.n, acc.sum_s / acc.n, used)


def fv_rise(probe: torch.Tensor, score_fn: ScoreFn, n_masks: int = 2000, grid: int = 5, keep: float = 0.5,
            batch_size: int = 16, seed: int = 0, centre: str = "mean", sampling: str = "random",
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
            bf16 map correlates ≥ 0.999 with the fp32 one; see :mod:`xai.precision`).
        progress: called after every batch with (masks done, masks requested, current signed map).
    """
    if centre not in ("mean", "reference"):
        raise ValueError('centre must be "mean" or "reference"')
    sampler = RiseMaskSampler(probe.shape[0], probe.shape[1], grid, keep, sampling)

    def estimate(acc: _Accumulator, reference: float) -> np.ndarray:
        return acc.rise(keep, acc.sum_s / acc.n if centre == "mean" else reference)

    return _explain(probe, score_fn, sampler, n_masks, batch_size, seed, estimate, early_stop, check_every,
                    stop_correlation, progress, precision)


def corr_rise(probe: torch.Tensor, score_fn: ScoreFn, n_masks: int = 1000, patches: int = 10,
              patch: int | None = None, batch_size: int = 16, seed: int = 0, early_stop: bool = False,
              check_every: int = 256, stop_correlation: float = 0.995,
              progress: ProgressFn | None = None, precision: str = "fp32") -> SaliencyResult:
    """CorrRISE maps: per-pixel Pearson correlation between mask values and similarity scores.

    ``patch`` defaults to 30 px at 112 px image height, scaled with the probe's size (the original setting).
    """
    side = patch if patch is not None else max(1, round(30 * probe.shape[0] / 112))
    sampler = PatchMaskSampler(probe.shape[0], probe.shape[1], patches, side)
    return _explain(probe, score_fn, sampler, n_masks, batch_size, seed, lambda acc, _ref: acc.pearson(),
                    early_stop, check_every, stop_correlation, progress, precision)
