"""RISE masks in factored form: the bilinear upsampling matrix and :class:`MaskFactors`.

A RISE mask is an s×s binary grid upsampled bilinearly and cropped at a random shift, so
m = rows[dy : dy + H] · kept with kept = binary · cols[dx : dx + W]ᵀ. Keeping (rows, dy, kept) instead of the
(H, W) mask lets the running sums of :mod:`xai.explain.rise.accumulate` cost O(s·W) per mask; masks are
materialised only to be multiplied with the probe.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

import torch


@cache
def interpolation_matrix(out_size: int, grid: int) -> torch.Tensor:
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


def masks_only(draw: Draw) -> Callable[[int], torch.Tensor]:
    """``draw`` without the factors, so ``stream`` and the explainers read one and the same seeded sequence."""
    return lambda n: draw(n)[0]
