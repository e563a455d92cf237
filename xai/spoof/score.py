"""Seed 000's score function: how a spoof classifier becomes the input of the explainers (xai/explain/score.py)."""

from __future__ import annotations

import torch

from models.base import SpoofClassifier
from models.labels import GENUINE
from xai.explain.score import ScoreFn


def score_function(classifier: SpoofClassifier, target: int = GENUINE) -> ScoreFn:
    """(B, S, S, 3) float32 RGB [0, 255] crops → (B,) softmax probability in [0, 1] of class ``target``
    (:data:`models.labels.GENUINE` = bona fide, :data:`models.labels.SPOOF` = attack)."""
    return lambda batch: torch.softmax(classifier.two_class_logits(batch), dim=-1)[:, target]
