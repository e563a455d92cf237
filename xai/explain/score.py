"""The one contract every explainer is written against: a score function on a batch of images.

``score_fn(images) -> scores``
    images: (B, H, W, 3) float32 RGB in [0, 255] (a torch tensor; explainers build it with :func:`as_batch`);
    scores: (B,) float32, higher = more support for the decision being explained (the bona fide logit or
    probability of a spoof model, the similarity of a face to a reference, 1 − p(spoof) of an ID card).

Tasks turn a model into a score function (``xai/<task>/``); explainers (``xai/explain/``) never see a model,
except CAM methods, which also need the layer to hook.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import torch

ScoreFn = Callable[[torch.Tensor], torch.Tensor]


def as_batch(images: np.ndarray | Sequence[np.ndarray] | torch.Tensor) -> torch.Tensor:
    """(B, H, W, 3) float32 tensor in [0, 255] from uint8/float images: one (H, W, 3), a list, or a stack."""
    if isinstance(images, torch.Tensor):
        batch = images.float()
    else:
        array = np.stack(images) if isinstance(images, (list, tuple)) else np.asarray(images)
        batch = torch.from_numpy(np.ascontiguousarray(array, dtype=np.float32))
    if batch.dim() == 3:
        batch = batch[None]
    if batch.dim() != 4 or batch.shape[-1] != 3:
        raise ValueError(f"expected (B, H, W, 3) RGB images, got shape {tuple(batch.shape)}")
    return batch


def scores_of(score_fn: ScoreFn, images: np.ndarray | Sequence[np.ndarray] | torch.Tensor) -> np.ndarray:
    """(B,) float64 scores of ``images`` without gradients; ValueError if the score function breaks the contract."""
    batch = as_batch(images)
    with torch.no_grad():
        scores = score_fn(batch)
    scores = torch.as_tensor(scores).detach().reshape(-1)
    if scores.numel() != batch.shape[0]:
        raise ValueError(f"the score function returned {scores.numel()} scores for {batch.shape[0]} images")
    if not bool(torch.isfinite(scores).all()):
        raise ValueError("the score function returned a NaN or infinite score")
    return scores.double().numpy()
