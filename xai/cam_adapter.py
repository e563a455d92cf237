"""Adapt a score function on NHWC crops to the NCHW ``nn.Module`` that pytorch-grad-cam expects."""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn


class NchwScoreModule(nn.Module):
    """``forward(x)``: (B, 3, H, W) float32 RGB [0, 255] → ``score_fn`` of the (B, H, W, 3) view.

    ``score_fn`` returns (B,) or (B, K); a (B,) score becomes (B, 1) so CAM targets can index it.
    Hook layers on the wrapped model as usual; TF.js graph activations are NHWC, so pass
    ``models.tfjs_graph.nhwc_to_nchw`` as the CAM's ``reshape_transform``.
    """

    def __init__(self, score_fn: Callable[[torch.Tensor], torch.Tensor], wrapped: nn.Module | None = None) -> None:
        super().__init__()
        self.score_fn = score_fn
        self.wrapped = wrapped

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        score = self.score_fn(x.permute(0, 2, 3, 1))
        return score[:, None] if score.dim() == 1 else score
