"""Human's `antispoof`: real vs computer-generated face (one sigmoid, 1 = real)."""

from __future__ import annotations

import torch

from models.base import CropSpec, InputSpec, SpoofClassifier
from models.human import HumanGraphModel

LOGIT = "StatefulPartitionedCall/sequential/dense_1/BiasAdd"  # the input of the final sigmoid

#: Human's face crop expressed on our landmark box. Human (src/face/blazeface.ts getBoxes, facemeshutil.ts
#: enlargeBox / squarifyBox / cutAndResize) crops a square of 1.4 × the BlazeFace box's longer side; on 67 real
#: photos that square is a median 1.36 (IQR 1.29–1.46; 1.33 on the 47 square photos) × our Face Mesh landmark
#: box's longer side, centred within 2 % of its side (see the card). Human resamples bilinearly without
#: antialiasing, as cv2.warpAffine does in :func:`xai.core.faces.square_crop`.
HUMAN_FACE_ENLARGE = 1.35


class HumanAntispoof(HumanGraphModel, SpoofClassifier):
    name = "human-antispoof"
    title = "Human antispoof (real vs computer-generated)"
    graph_name = "antispoof"
    card_file = "human-antispoof.md"
    # Human's cutAndResize divides the RGB frame tensor by 255 (face tensor in 0..1, RGB).
    input_spec = InputSpec("RGB", (0.0, 0.0, 0.0), 1 / 255)
    crop_spec = CropSpec(size=128, kind="box", enlarge=HUMAN_FACE_ENLARGE)
    target_layer = "StatefulPartitionedCall/sequential/activation_2/Relu"

    def bona_fide_logit(self, crops: torch.Tensor) -> torch.Tensor:
        return self.run(crops, [LOGIT])[LOGIT][:, 0]  # Human reports sigmoid(this) as `real`
