"""Seed 003's score function: how a recapture network becomes the input of the explainers (xai/explain/score.py)."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from models.idcard import spoof_probability
from xai.explain.score import ScoreFn
from xai.idcard.crops import card_crops
from xai.idcard.data import branch_inputs
from xai.idcard.fft import DEFAULT_RADIUS


def predict_frames(net: nn.Module, frames: list[np.ndarray], centroid: tuple[float, float],
                   radius: float = DEFAULT_RADIUS) -> np.ndarray:
    """(N,) p(spoof) in [0, 1] of (H, W, 3) uint8 frames cropped at ``centroid``."""
    crops = [card_crops(f, centroid) for f in frames]
    l1 = np.stack([c.l1.image for c in crops])
    l2 = np.stack([c.l2.image for c in crops])
    with torch.no_grad():
        logits = net(*branch_inputs(l1, l2, net.config.variant, radius))
    return spoof_probability(logits).numpy()


def score_function(net: nn.Module, centroid: tuple[float, float], radius: float = DEFAULT_RADIUS) -> ScoreFn:
    """Score function: (B, H, W, 3) float32 RGB [0, 255] frames → (B,) p(spoof) of their crops at ``centroid``."""
    def score(frames: torch.Tensor) -> torch.Tensor:
        pixels = frames.detach().round().clamp(0, 255).to(torch.uint8).numpy()  # the crops are taken from uint8
        return torch.from_numpy(predict_frames(net, list(pixels), centroid, radius))
    return score
