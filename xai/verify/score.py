"""Seed 001's score function: how a face embedder becomes the input of the explainers (xai/explain/score.py)."""

from __future__ import annotations

import numpy as np
import torch

from models.base import FaceEmbedder


class SimilarityScore:
    """Score function: (B, S, S, 3) float32 crops → (B,) cosine similarity to a reference embedded once.

    By default it scores through the embedder's fast inference path without gradients (RISE, occlusion);
    ``gradients=True`` keeps the differentiable graph (CAM targets). ``in_bf16(crops)`` returns the same score
    under bfloat16 autocast, with the layers bf16 would distort on such crops kept in float32 (for
    :mod:`xai.core.precision`); :attr:`precision_detail` says how many. An embedder that bf16 autocast cannot
    reach (a user model in onnxruntime) makes :attr:`bf16_unavailable` say so, and the explainers keep fp32.
    """

    def __init__(self, embedder: FaceEmbedder, reference: torch.Tensor, bf16: bool = False,
                 gradients: bool = False, keep_fp32: frozenset[int] = frozenset(), layers: int = 0) -> None:
        self.embedder, self.reference, self.bf16, self.gradients = embedder, reference, bf16, gradients
        self.keep_fp32, self.layers = keep_fp32, layers

    def __call__(self, batch: torch.Tensor) -> torch.Tensor:
        if self.gradients:
            return self.embedder.similarity(self.embedder.embed(batch), self.reference)
        with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=self.bf16):
            embeddings = self.embedder.embed_for_scoring(batch, self.keep_fp32)
        return self.embedder.similarity(embeddings.float(), self.reference)

    def in_bf16(self, calibration: torch.Tensor | None = None) -> SimilarityScore:
        """This score under bf16 autocast; ``calibration`` ((B, S, S, 3) typical crops) picks the fp32 layers."""
        keep, layers = (self.embedder.bf16_fp32_layers(calibration) if calibration is not None
                        else (frozenset(), 0))
        return SimilarityScore(self.embedder, self.reference, bf16=True, keep_fp32=keep, layers=layers)

    @property
    def bf16_unavailable(self) -> str:
        """Why this score cannot run in bf16 ("" when it can): the embedder's ``bf16_unavailable_reason``."""
        return self.embedder.bf16_unavailable_reason

    @property
    def precision_detail(self) -> str:
        if not self.bf16:
            return "fp32"
        if not self.layers:
            return "bf16 autocast"
        return f"bf16 autocast, {len(self.keep_fp32)} of {self.layers} convolutions kept in fp32"


def score_function(embedder: FaceEmbedder, reference_crop: np.ndarray, gradients: bool = False) -> SimilarityScore:
    """Score function: (B, S, S, 3) float32 crops → (B,) cosine similarity to ``reference_crop`` (embedded once).

    ``gradients=True``: differentiable with respect to the crops (for CAM); otherwise the fast no-gradient path.
    """
    with torch.no_grad():
        embed = embedder.embed if gradients else embedder.embed_for_scoring
        reference = embed(embedder.to_batch(reference_crop[None]))
    return SimilarityScore(embedder, reference, gradients=gradients)
