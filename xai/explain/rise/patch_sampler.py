"""CorrRISE masks (seed 001 §III.C): ``patches`` square occluders of side ``patch`` px at random positions."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch

from xai.explain.rise.masks import Draw, masks_only


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
        return masks_only(self.factored_stream(seed))

    def factored_stream(self, seed: int) -> Draw:
        """As :meth:`stream`, each draw returning (masks, None): patch masks are accumulated densely."""
        generator = torch.Generator().manual_seed(int(seed))
        return lambda n, out=None: (self.sample(n, generator, out), None)
