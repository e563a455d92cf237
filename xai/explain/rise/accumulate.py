"""Running sums of both estimators, O(H·W) whatever the number of masks.

FV-RISE (seed 001 §III.B), with masked scores s_i, masks m_i, keep-probability p and a centre c:

    sal(x) = Σ_i (s_i − c) · m_i(x) / (N · p)

CorrRISE (§III.C): the Pearson correlation, per pixel, between the mask value and the score over all masks.
"""

from __future__ import annotations

import numpy as np
import torch

from xai.explain.rise.masks import MaskFactors


def map_correlation(a: np.ndarray, b: np.ndarray) -> float:
    """Pearson r of two maps (0 when either is constant)."""
    a, b = a.ravel() - a.mean(), b.ravel() - b.mean()
    denominator = float(np.linalg.norm(a) * np.linalg.norm(b))
    return float(a @ b / denominator) if denominator > 0 else 0.0


class Accumulator:
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
        """Add (n, H, W) masks and their (n,) scores; with ``factors`` the masks themselves are not read."""
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
        """(H, W) float32 FV-RISE map Σ (s − c)·m / (N·p)."""
        sum_sm, sum_m = self._sums()
        raw = (sum_sm - centre * sum_m) / (self.n * keep)
        return raw.reshape(self.shape).numpy().astype(np.float32)

    def pearson(self) -> np.ndarray:
        """(H, W) float32 per-pixel Pearson r in [−1, 1] between mask values and scores (needs ``squares``)."""
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
