"""Pieces of the supervised training loops shared by the models trained here (spoof regions, ID-card recapture)."""

from __future__ import annotations

import torch
from torch import nn


class EpochTally:
    """One epoch of two-class cross-entropy training: takes the optimiser steps and keeps the running totals.

    Attributes:
        total: sum over batches of the mean batch loss × batch size.
        correct: training samples whose arg-max logit was the label (before the step).
        seen: training samples so far.
    """

    def __init__(self) -> None:
        self.total, self.correct, self.seen = 0.0, 0, 0

    def step(self, optimiser: torch.optim.Optimizer, logits: torch.Tensor, labels: torch.Tensor) -> None:
        """Back-propagate the mean cross-entropy of one batch, step the optimiser and add the batch to the totals.

        Args:
            optimiser: holds the parameters ``logits`` was computed from.
            logits: (B, C) float32 network output of the batch, with its graph.
            labels: (B,) int64 class indices.
        """
        loss = nn.functional.cross_entropy(logits, labels)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        self.total += loss.item() * len(labels)
        self.correct += int((logits.argmax(1) == labels).sum())
        self.seen += len(labels)

    @property
    def loss(self) -> float:
        """Mean training loss over the samples seen (≥ 0)."""
        return self.total / self.seen

    @property
    def accuracy(self) -> float:
        """Training accuracy over the samples seen, in [0, 1]."""
        return self.correct / self.seen


def snapshot(net: nn.Module) -> dict[str, torch.Tensor]:
    """A detached copy of ``net``'s state dict (the best epoch's weights, restored with ``load_state_dict``)."""
    return {k: v.detach().clone() for k, v in net.state_dict().items()}
