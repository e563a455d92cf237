"""RISE masks (seed 001 §III.B): an s×s binary grid with keep-probability p, bilinearly upsampled to
(s+1)·⌈H/s⌉ and cropped at a random shift; cells and shifts from independent uniforms or a Sobol sequence."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from scipy.stats import qmc

from xai.explain.rise.masks import Draw, MaskFactors, interpolation_matrix, masks_only

SAMPLINGS = ("random", "sobol")


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
        return masks_only(self.factored_stream(seed))

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
        rows = interpolation_matrix((self.grid + 1) * cell_h, self.grid)
        cols = interpolation_matrix((self.grid + 1) * cell_w, self.grid)
        shifted = cols[dx[:, None] + torch.arange(self.width)].transpose(1, 2)  # (n, grid, W)
        return MaskFactors(rows, dy, torch.bmm(binary, shifted))

    def _build(self, factors: MaskFactors, out: torch.Tensor | None = None) -> torch.Tensor:
        ry = factors.rows[factors.dy[:, None] + torch.arange(self.height)]  # (n, H, grid): a shifted crop
        return torch.bmm(ry, factors.kept) if out is None else torch.bmm(ry, factors.kept, out=out[:len(ry)])
