"""HSE FaceRes (MobileNet trained on VGGFace2 + age/gender heads): embedder and age/gender estimator."""

from __future__ import annotations

import torch

from models.base import CropSpec, FaceEmbedder, InputSpec, SoftBiometricEstimator, SoftBiometrics
from models.human import HumanGraphModel

DESCRIPTOR = "global_pooling/Mean"
GENDER = "gender_pred/Sigmoid"  # P(male), as in HSE_FaceRec_tf (is_male: p >= 0.6) and Human (<= 0.5 female)
AGE = "age_pred/Softmax"  # 100 bins, 1..100 years


class _FaceRes(HumanGraphModel):
    graph_name = "faceres"
    card_file = "faceres.md"
    # The original project feeds caffe/VGGFace-style input: BGR minus the ImageNet channel means.
    input_spec = InputSpec("BGR", (103.939, 116.779, 123.68), 1.0)
    crop_spec = CropSpec(size=224, kind="aligned", zoom=1.0)
    target_layer = "conv_pw_13_relu/clip_by_value"


class FaceResEmbedder(_FaceRes, FaceEmbedder):
    name = "faceres"
    title = "HSE FaceRes descriptor (1024-d)"
    native_metric = "cosine"
    # FMR <= 1 % on 2168 impostor pairs of real photos from registry packages (0.518, rounded up); see the card
    threshold = 0.52

    def descriptors(self, crops: torch.Tensor) -> torch.Tensor:
        return self.run(crops, [DESCRIPTOR])[DESCRIPTOR]

    def inference_descriptors(self, crops: torch.Tensor, keep_fp32: frozenset[int] = frozenset()) -> torch.Tensor:
        return self.run_frozen(crops, [DESCRIPTOR], keep_fp32)[DESCRIPTOR]

    def bf16_fp32_layers(self, crops: torch.Tensor) -> tuple[frozenset[int], int]:
        return self.bf16_fp32_steps(crops, [DESCRIPTOR])


class FaceResEstimator(_FaceRes, SoftBiometricEstimator):
    name = "faceres-agegender"
    title = "HSE FaceRes age and gender"

    def estimate(self, crops: torch.Tensor) -> list[SoftBiometrics]:
        out = self.run(crops, [GENDER, AGE])
        ages = (out[AGE] * torch.arange(1, 101, dtype=crops.dtype)).sum(dim=-1)  # expected value over bins
        results = []
        for p_male, age in zip(out[GENDER][:, 0].tolist(), ages.tolist(), strict=True):
            gender = "male" if p_male >= 0.5 else "female"
            results.append(SoftBiometrics(age=age, gender=gender, gender_score=max(p_male, 1 - p_male)))
        return results
