"""MobileFaceNet (sirius-ai/MobileFaceNet_TF, 192-d). Not offered for verification: see its card."""

from __future__ import annotations

import torch

from models.base import CropSpec, FaceEmbedder, InputSpec
from models.human import HumanGraphModel

EMBEDDING = "embeddings"  # L2-normalised inside the graph


class MobileFaceNetEmbedder(HumanGraphModel, FaceEmbedder):
    name = "mobilefacenet"
    title = "MobileFaceNet (192-d) — does not separate identities"
    graph_name = "mobilefacenet"
    card_file = "mobilefacenet.md"
    # As the source project trained it: RGB, (x - 127.5) / 128, ArcFace-aligned 112x112.
    input_spec = InputSpec("RGB", (127.5, 127.5, 127.5), 1 / 128)
    crop_spec = CropSpec(size=112, kind="aligned", zoom=1.0)
    target_layer = "MobileFaceNet/Logits/LinearConv1x1/BatchNorm/FusedBatchNorm"
    threshold = 0.999
    #: False keeps it out of the verification choices (it scores every pair as the same person).
    usable_for_verification = False

    def descriptors(self, crops: torch.Tensor) -> torch.Tensor:
        return self.run(crops, [EMBEDDING])[EMBEDDING]
