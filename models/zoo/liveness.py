"""Human's `liveness` (LivenessNet, leokwu/livenessnet): softmax over (fake, real)."""

from __future__ import annotations

import torch

from models.base import CropSpec, InputSpec, SpoofClassifier
from models.human import HumanGraphModel

LOGITS = "StatefulPartitionedCall/sequential_1/dense_2/BiasAdd"  # the input of the final softmax
FAKE, REAL = 0, 1  # LabelEncoder over the folder names ['fake', 'real'] in the source project


class HumanLiveness(HumanGraphModel, SpoofClassifier):
    name = "human-liveness"
    title = "Human liveness (LivenessNet, replay attacks)"
    graph_name = "liveness"
    card_file = "human-liveness.md"
    # The source project reads frames with cv2 (BGR) and divides by 255.
    input_spec = InputSpec("BGR", (0.0, 0.0, 0.0), 1 / 255)
    crop_spec = CropSpec(size=32, kind="box", enlarge=1.2)
    target_layer = "StatefulPartitionedCall/sequential_1/activation_4/Relu"

    def bona_fide_logit(self, crops: torch.Tensor) -> torch.Tensor:
        logits = self.run(crops, [LOGITS])[LOGITS]
        return logits[:, REAL] - logits[:, FAKE]  # sigmoid of this equals the softmax of REAL
