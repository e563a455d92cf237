"""Human's `liveness` (a LivenessNet-style 32×32 CNN): softmax over (live, not live), read as Human reads it."""

from __future__ import annotations

import torch

from models.base import CropSpec, InputSpec, SpoofClassifier
from models.human import HumanGraphModel
from models.zoo.antispoof import HUMAN_FACE_ENLARGE

LOGITS = "StatefulPartitionedCall/sequential_1/dense_2/BiasAdd"  # the input of the final softmax
# Human's src/face/liveness.ts predict returns softmax index 0 as `live` (its faceid demo accepts live ≥ 0.6).
# Measured here on real photos and simulated attacks: index 0 is the higher one for bona fide faces whatever the
# colour order (see the card); the source project's LabelEncoder order (fake, real) does not hold for this graph.
LIVE, NOT_LIVE = 0, 1


class HumanLiveness(HumanGraphModel, SpoofClassifier):
    name = "human-liveness"
    title = "Human liveness (LivenessNet, replay attacks)"
    graph_name = "liveness"
    card_file = "human-liveness.md"
    # As Human feeds it: the same 0..1 RGB face tensor as antispoof, resized to 32×32.
    input_spec = InputSpec("RGB", (0.0, 0.0, 0.0), 1 / 255)
    crop_spec = CropSpec(size=32, kind="box", enlarge=HUMAN_FACE_ENLARGE)
    target_layer = "StatefulPartitionedCall/sequential_1/activation_4/Relu"

    def bona_fide_logit(self, crops: torch.Tensor) -> torch.Tensor:
        logits = self.run(crops, [LOGITS])[LOGITS]
        return logits[:, LIVE] - logits[:, NOT_LIVE]  # sigmoid of this equals the softmax of LIVE
