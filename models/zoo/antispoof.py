"""Human's `antispoof`: real vs computer-generated face (one sigmoid, 1 = real)."""

from __future__ import annotations

import torch

from models.base import CropSpec, InputSpec, SpoofClassifier
from models.human import HumanGraphModel

LOGIT = "StatefulPartitionedCall/sequential/dense_1/BiasAdd"  # the input of the final sigmoid


class HumanAntispoof(HumanGraphModel, SpoofClassifier):
    name = "human-antispoof"
    title = "Human antispoof (real vs computer-generated)"
    graph_name = "antispoof"
    card_file = "human-antispoof.md"
    input_spec = InputSpec("RGB", (0.0, 0.0, 0.0), 1 / 255)
    crop_spec = CropSpec(size=128, kind="box", enlarge=1.6)  # Human's face crop
    target_layer = "StatefulPartitionedCall/sequential/activation_2/Relu"

    def bona_fide_logit(self, crops: torch.Tensor) -> torch.Tensor:
        return self.run(crops, [LOGIT])[LOGIT][:, 0]
