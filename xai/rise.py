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

RISE masks are kept in factored form (the upsampled grid, shifted) so the running sums never read the
(N, H, W) masks: see :class:`MaskFactors`. Masks are materialised only to be multiplied with the probe.

Early stop (optional): every ``check_every`` masks the current map is compared with the previous check;
when their Pearson correlation exceeds ``stop_correlation`` twice in a row, sampling stops.

Precision (optional, ``precision="auto"``): on a CPU with native bf16 the masked probes are scored in bf16 when
the maps of the first masks scored both ways agree (r ≥ 0.999, :func:`_pick_precision`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

import numpy as np
import torch
from scipy.stats import qmc

from xai.precision import MIN_MAP_CORRELATION, check_precision, native_bf16

#: (B, H, W, 3) masked probes → (B,) scores. The batch tensor is reused between calls: score it, don't keep it.
ScoreFn = Callable[[torch.Tensor], torch.Tensor]
ProgressFn = Callable[[int, int, np.ndarray], None]
SAMPLINGS = ("random", "sobol")


@cache
def _interpolation_matrix(out_size: int, grid: int) -> torch.Tensor:
    """(out_size, grid) bilinear (half-pixel, edge-clamped) interpolation weights (cached: treat as read-only)."""
    positions = (torch.arange(out_size, dtype=torch.float64) + 0.5) * grid / out_size - 0.5
    positions = positions.clamp(0, grid - 1)
    low = positions.floor().long()
    high = (low + 1).clamp(max=grid - 1)
    frac = positions - low
    matrix = torch.zeros(out_size, grid, dtype=torch.float64)
    matrix[torch.arange(out_size), low] += 1 - frac
    matrix[torch.arange(out_size), high] += frac
    return matrix.float()


@dataclass(frozen=True, slots=True)
class MaskFactors:
    """RISE masks in factored form, m_i = rows[dy_i : dy_i + H] · kept_i, for O(s·W) accumulation.

    Attributes:
        rows: (L, s) float32 bilinear upsampling of the grid rows, shared by all masks (L ≥ H).
        dy: (n,) int64 row shift of each mask.
        kept: (n, s, W) float32, the kept grid cells already upsampled and shifted along the columns.
    """

    rows: torch.Tensor
    dy: torch.Tensor
    kept: torch.Tensor

    def __len__(self) -> int:
        return len(self.dy)

    def __getitem__(self, index: slice) -> MaskFactors:
        return MaskFactors(self.rows, self.dy[index], self.kept[index])

    @staticmethod
    def concat(parts: list[MaskFactors]) -> MaskFactors:
        return MaskFactors(parts[0].rows, torch.cat([p.dy for p in parts]), torch.cat([p.kept for p in parts]))


#: ``draw(n, out=None)`` → the next n masks (written into ``out`` where given) and their factors, if any.
Draw = Callable[..., tuple[torch.Tensor, MaskFactors | None]]


def _masks_only(draw: Draw) -> Callable[[int], torch.Tensor]:
    """``draw`` without the factors, so ``stream`` and the explainers read one and the same seeded sequence."""
    return lambda n: draw(n)[0]


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
        return self._build(self._random_factors(n, generator))

    def from_uniform(self, points: np.ndarray) -> torch.Tensor:
        """Masks from (n, s² + 2) points in [0, 1): s² cell coordinates, then the row and column shift."""
        return self._build(self._uniform_factors(points))

    def stream(self, seed: int) -> Callable[[int], torch.Tensor]:
        """A seeded source of masks: ``draw(n)`` returns the next ``n`` masks of one reproducible sequence."""
        return _masks_only(self.factored_stream(seed))

    def factored_stream(self, seed: int) -> Draw:
        """As :meth:`stream`, each draw returning (masks, their :class:`MaskFactors`)."""
        if self.sampling == "sobol":
            engine = qmc.Sobol(self.grid ** 2 + 2, scramble=True, seed=int(seed))
            factors_of = lambda n: self._uniform_factors(engine.random(n))  # noqa: E731
        else:
            generator = torch.Generator().manual_seed(int(seed))
            factors_of = lambda n: self._random_factors(n, generator)  # noqa: E731

        def draw(n: int, out: torch.Tensor | None = None) -> tuple[torch.Tensor, MaskFactors]:
            factors = factors_of(n)
            return self._build(factors, out), factors
        return draw

    def _random_factors(self, n: int, generator: torch.Generator) -> MaskFactors:
        cell_h, cell_w = self._cells
        binary = (torch.rand(n, self.grid, self.grid, generator=generator) < self.keep).float()
        dy = torch.randint(0, cell_h, (n,), generator=generator)
        dx = torch.randint(0, cell_w, (n,), generator=generator)
        return self._factors(binary, dy, dx)

    def _uniform_factors(self, points: np.ndarray) -> MaskFactors:
        cell_h, cell_w = self._cells
        u = torch.from_numpy(np.asarray(points, dtype=np.float64))
        binary = (u[:, : self.grid ** 2] < self.keep).float().reshape(-1, self.grid, self.grid)
        dy = (u[:, -2] * cell_h).long().clamp(max=cell_h - 1)
        dx = (u[:, -1] * cell_w).long().clamp(max=cell_w - 1)
        return self._factors(binary, dy, dx)

    def _factors(self, binary: torch.Tensor, dy: torch.Tensor, dx: torch.Tensor) -> MaskFactors:
        cell_h, cell_w = self._cells
        rows = _interpolation_matrix((self.grid + 1) * cell_h, self.grid)
        cols = _interpolation_matrix((self.grid + 1) * cell_w, self.grid)
        shifted = cols[dx[:, None] + torch.arange(self.width)].transpose(1, 2)  # (n, grid, W)
        return MaskFactors(rows, dy, torch.bmm(binary, shifted))

    def _build(self, factors: MaskFactors, out: torch.Tensor | None = None) -> torch.Tensor:
        ry = factors.rows[factors.dy[:, None] + torch.arange(self.height)]  # (n, H, grid): a shifted crop
        return torch.bmm(ry, factors.kept) if out is None else torch.bmm(ry, factors.kept, out=out[:len(ry)])


@dataclass(frozen=True)
class PatchMaskSampler:
    """CorrRISE masks: ``patches`` occluding squares of side ``patch`` px (1 kept, 0 occluded)."""

    height: int
    width: int
    patches: int = 10
    patch: int = 30

    def sample(self, n: int, generator: torch.Generator, out: torch.Tensor | None = None) -> torch.Tensor:
        """``n`` masks, (n, H, W) float32 0/1, written into ``out[:n]`` where given."""
        side = max(1, min(self.patch, self.height, self.width))
        ys = torch.randint(0, self.height - side + 1, (n, self.patches), generator=generator)
        xs = torch.randint(0, self.width - side + 1, (n, self.patches), generator=generator)
        rows = torch.arange(self.height)
        cols = torch.arange(self.width)
        in_rows = (rows[None, None] >= ys[..., None]) & (rows[None, None] < ys[..., None] + side)  # (n, P, H)
        in_cols = (cols[None, None] >= xs[..., None]) & (cols[None, None] < xs[..., None] + side)  # (n, P, W)
        covering = torch.bmm(in_rows.transpose(1, 2).float(), in_cols.float(),  # (n, H, W): patches per pixel
                             out=None if out is None else out[:n])
        return covering.clamp_(max=1).neg_().add_(1)  # 1 where no patch covers the pixel

    def stream(self, seed: int) -> Callable[[int], torch.Tensor]:
        """A seeded source of masks: ``draw(n)`` returns the next ``n`` masks of one reproducible sequence."""
        return _masks_only(self.factored_stream(seed))

    def factored_stream(self, seed: int) -> Draw:
        """As :meth:`stream`, each draw returning (masks, None): patch masks are accumulated densely."""
        generator = torch.Generator().manual_seed(int(seed))
        return lambda n, out=None: (self.sample(n, generator, out), None)


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


def _split(raw: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return _normalised(np.maximum(raw, 0)), _normalised(np.maximum(-raw, 0))


def _correlation(a: np.ndarray, b: np.ndarray) -> float:
    a, b = a.ravel() - a.mean(), b.ravel() - b.mean()
    denominator = float(np.linalg.norm(a) * np.linalg.norm(b))
    return float(a @ b / denominator) if denominator > 0 else 0.0


class _Accumulator:
    """Running sums for both estimators, O(H·W), totals in float64.

    Dense masks are reduced per batch in float32 (one GEMM over the masks). Masks given with their
    :class:`MaskFactors` are never read: Σ w·m = Σ_dy rows[dy : dy + H] · (Σ_{i: dy_i = dy} w_i·kept_i),
    so each mask costs O(s²·W) and the sum over row shifts is formed only when a map is asked for.
    ``squares``: also keep Σ m² (for Pearson); ``binary``: the masks are 0/1, so Σ m² = Σ m needs no pass.
    """

    def __init__(self, height: int, width: int, squares: bool = False, binary: bool = False) -> None:
        self.binary = binary
        self.n = 0
        self.sum_s = 0.0
        self.sum_s2 = 0.0
        self.shape = (height, width)
        self.dense = torch.zeros(2, height * width, dtype=torch.float64)  # Σ s·m, Σ m of dense masks
        self.sum_m2 = torch.zeros(height * width, dtype=torch.float64) if squares else None
        self.rows: torch.Tensor | None = None
        self.by_shift: torch.Tensor | None = None  # (2, shifts, s, W): Σ s·kept, Σ kept per row shift

    def add(self, masks: torch.Tensor, scores: torch.Tensor, factors: MaskFactors | None = None) -> None:
        s = scores.reshape(-1).float()
        self.n += len(s)
        self.sum_s += float(s.double().sum())
        self.sum_s2 += float((s.double() ** 2).sum())
        weights = torch.stack([s, torch.ones_like(s)])
        if factors is not None and self.sum_m2 is None:
            self._add_factored(weights.double(), factors)
            return
        m = masks.reshape(len(masks), -1).float()
        sums = weights @ m  # one pass over the masks: Σ s·m and Σ m
        self.dense += sums.double()
        if self.sum_m2 is not None:
            self.sum_m2 += sums[1].double() if self.binary else (m * m).sum(dim=0).double()

    def _add_factored(self, weights: torch.Tensor, factors: MaskFactors) -> None:
        if self.by_shift is None:
            self.rows = factors.rows.double()
            shifts = len(self.rows) - self.shape[0] + 1
            self.by_shift = torch.zeros(2, shifts, factors.kept.shape[1], self.shape[1], dtype=torch.float64)
        kept = factors.kept.double()
        self.by_shift[1].index_add_(0, factors.dy, kept)
        self.by_shift[0].index_add_(0, factors.dy, weights[0, :, None, None] * kept)

    def _sums(self) -> tuple[torch.Tensor, torch.Tensor]:
        """(Σ s·m, Σ m), each (H·W,) float64."""
        total = self.dense.clone()
        if self.by_shift is not None:
            windows = self.rows[torch.arange(self.by_shift.shape[1])[:, None] + torch.arange(self.shape[0])]
            total += torch.einsum("dha,kdax->khx", windows, self.by_shift).reshape(2, -1)
        return total[0], total[1]

    def rise(self, keep: float, centre: float) -> np.ndarray:
        sum_sm, sum_m = self._sums()
        raw = (sum_sm - centre * sum_m) / (self.n * keep)
        return raw.reshape(self.shape).numpy().astype(np.float32)

    def pearson(self) -> np.ndarray:
        if self.sum_m2 is None:
            raise RuntimeError("this accumulator was created without squares=True")
        n = self.n
        sum_sm, sum_m = self._sums()
        cov = sum_sm / n - (self.sum_s / n) * (sum_m / n)
        var_m = (self.sum_m2 / n - (sum_m / n) ** 2).clamp(min=0)
        var_s = max(self.sum_s2 / n - (self.sum_s / n) ** 2, 0.0)
        denominator = torch.sqrt(var_m * var_s)
        r = torch.where(denominator > 0, cov / denominator.clamp(min=1e-30), torch.zeros_like(cov))
        return r.reshape(self.shape).numpy().astype(np.float32)


MASK_CHUNK = 64


class _MaskStream:
    """Masks drawn in fixed chunks of :data:`MASK_CHUNK`, so the i-th mask does not depend on the batch size.

    Chunks are written into two reused buffers (a fresh 13 MB tensor per chunk costs more in page faults than
    building the masks): what :meth:`take` returns is valid only until the next :meth:`take`.
    """

    def __init__(self, draw: Draw, height: int, width: int) -> None:
        self.draw = draw
        self.buffers = [torch.empty(MASK_CHUNK, height, width) for _ in range(2)]
        self.drawn = 0
        self.buffer: tuple[torch.Tensor, MaskFactors | None] | None = None

    def take(self, count: int) -> tuple[torch.Tensor, MaskFactors | None]:
        """The next ``count`` masks, (count, H, W) float32, with their factors where the sampler gives them."""
        parts, needed = [], count
        while needed:
            if self.buffer is None or len(self.buffer[0]) == 0:
                if parts:  # the part already taken lives in a buffer the next draws will overwrite
                    parts = [(masks.clone(), factors) for masks, factors in parts]
                self.buffer = self.draw(MASK_CHUNK, self.buffers[self.drawn % 2])
                self.drawn += 1
            masks, factors = self.buffer
            parts.append((masks[:needed], None if factors is None else factors[:needed]))
            self.buffer = (masks[needed:], None if factors is None else factors[needed:])
            needed -= len(parts[-1][0])
        if len(parts) == 1:
            return parts[0]
        factors = [f for _, f in parts]
        return (torch.cat([m for m, _ in parts]),
                None if factors[0] is None else MaskFactors.concat(factors))


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


def _pick_precision(precision: str, score_fn: ScoreFn, masked: _Masker, stream: _MaskStream, n_masks: int,
                    batch_size: int, estimate: Callable[[_Accumulator, float], np.ndarray], reference: float,
                    acc: _Accumulator) -> _PrecisionChoice:
    """Switch to bf16 scoring only on a CPU with native bf16 and when the first masks' maps agree (r ≥ 0.999).

    The first :data:`CHECK_MASKS` masks are scored in fp32 (added to ``acc``) and in bf16, and the two maps
    compared. A map of so few masks is noisy, and its agreement understates that of the full map (the
    signal grows with N, the bf16 noise only with √N), so a failed look is repeated with CHECK_MASKS more
    masks, up to :data:`CHECK_LOOKS` looks, before falling back to fp32. ``score_fn.in_bf16(probe[None])``
    builds the bf16 score (the unmasked probe picks the layers it keeps in fp32).
    """
    reduced = getattr(score_fn, "in_bf16", None)
    if precision == "fp32" or reduced is None or native_bf16() is None:
        if precision == "bf16":
            raise ValueError("bf16 scoring needs a CPU with amx_bf16 or avx512_bf16 and a score function "
                             "offering in_bf16(); use precision='auto' to fall back to fp32")
        return _PrecisionChoice(score_fn, "fp32", None, "fp32")
    fast = reduced(masked.probe[None])
    squares = acc.sum_m2 is not None
    exact, approx = _Accumulator(*acc.shape, squares, acc.binary), _Accumulator(*acc.shape, squares, acc.binary)
    agreement = 0.0
    for _ in range(CHECK_LOOKS):
        if acc.n >= n_masks:
            break
        masks, factors = stream.take(min(CHECK_MASKS, n_masks - acc.n))
        scores = _score_batches(score_fn, masked, masks, batch_size)
        acc.add(masks, scores, factors)
        exact.add(masks, scores, factors)
        approx.add(masks, _score_batches(fast, masked, masks, batch_size), factors)
        agreement = _correlation(estimate(exact, reference), estimate(approx, reference))
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
    stream = _MaskStream(sampler.factored_stream(seed), height, width)
    masked = _Masker(probe, batch_size)
    with torch.no_grad():
        reference = float(score_fn(probe[None])[0])
        acc = _Accumulator(height, width, squares, binary=squares)  # CorrRISE's patch masks are 0/1
        choice = _PrecisionChoice(score_fn, "fp32", None, "fp32")
        if precision != "fp32":  # the first chunk(s) are scored in fp32 (and counted) and decide the precision
            choice = _pick_precision(precision, score_fn, masked, stream, n_masks, batch_size, estimate, reference,
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
                    if previous is not None and _correlation(previous, current) >= stop_correlation:
                        stable_checks += 1
                        if stable_checks >= 2:
                            break
                    else:
                        stable_checks = 0
                    previous = current
    raw = estimate(acc, reference)
    similarity, dissimilarity = _split(raw)
    return SaliencyResult(similarity, dissimilarity, raw, reference, acc.n, acc.sum_s / acc.n, choice.precision,
                          choice.check, choice.detail)


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
              patch: int | None = None, batch_size: int = 8, seed: int = 0, early_stop: bool = False,
              check_every: int = 256, stop_correlation: float = 0.995,
              progress: ProgressFn | None = None, precision: str = "fp32") -> SaliencyResult:
    """CorrRISE maps: per-pixel Pearson correlation between mask values and similarity scores.

    ``patch`` defaults to 30 px at 112 px image height, scaled with the probe's size (the original setting).
    """
    side = patch if patch is not None else max(1, round(30 * probe.shape[0] / 112))
    sampler = PatchMaskSampler(probe.shape[0], probe.shape[1], patches, side)
    return _explain(probe, score_fn, sampler, n_masks, batch_size, seed, lambda acc, _ref: acc.pearson(),
                    early_stop, check_every, stop_correlation, progress, precision)
