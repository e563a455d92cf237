"""Masks drawn from one seeded sequence in fixed chunks, so the i-th mask does not depend on the batch size."""

from __future__ import annotations

import torch

from xai.explain.rise.masks import Draw, MaskFactors

MASK_CHUNK = 64


class MaskStream:
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
