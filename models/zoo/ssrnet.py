"""SSR-Net (Yang et al., IJCAI 2018) age and gender regressors, IMDB-WIKI weights: one estimator."""

from __future__ import annotations

from pathlib import Path

import torch

from models.base import CropSpec, InputSpec, SoftBiometricEstimator, SoftBiometrics
from models.human import human_files, load_human_graph

OUTPUT = "Identity"


class SsrNetEstimator(SoftBiometricEstimator):
    name = "ssrnet"
    title = "SSR-Net age + gender (IMDB-WIKI)"
    card_file = "ssrnet.md"
    # The source project reads images with cv2 (BGR) and feeds raw 0..255 values.
    input_spec = InputSpec("BGR", (0.0, 0.0, 0.0), 1.0)
    crop_spec = CropSpec(size=64, kind="box", enlarge=1.8)
    target_layer = "StatefulPartitionedCall/functional_1/conv2d_13/Relu"

    def __init__(self) -> None:
        self.age_graph = load_human_graph("age")
        self.gender_graph = load_human_graph("gender-ssrnet-imdb")

    def files(self) -> list[Path]:
        return human_files("age") + human_files("gender-ssrnet-imdb")

    def estimate(self, crops: torch.Tensor) -> list[SoftBiometrics]:
        x = self.input_spec.apply(crops)
        ages = self.age_graph(x, [OUTPUT])[OUTPUT][:, 0]
        p_male = self.gender_graph(x, [OUTPUT])[OUTPUT][:, 0].clamp(0, 1)  # IMDB labels: 1 = male
        return [SoftBiometrics(age=a, gender="male" if p >= 0.5 else "female", gender_score=max(p, 1 - p))
                for a, p in zip(ages.tolist(), p_male.tolist(), strict=True)]
