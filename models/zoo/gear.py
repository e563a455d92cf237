"""GEAR predictor (gender, age bracket, race; UTKFace-style): soft-biometric estimator."""

from __future__ import annotations

import torch

from models.base import CropSpec, InputSpec, SoftBiometricEstimator, SoftBiometrics
from models.human import HumanGraphModel

AGE, GENDER, RACE = "Identity", "Identity_1", "Identity_2"
AGE_BINS = ("≤20", "21-25", "26-30", "31-40", "41-50", "51-60", "≥61")
AGE_CENTRES = (15.0, 23.0, 28.0, 35.5, 45.5, 55.5, 65.0)  # as @vladmandic/human decodes the bins
RACES = ("white", "black", "asian", "indian", "other")


class GearEstimator(HumanGraphModel, SoftBiometricEstimator):
    name = "gear"
    title = "GEAR gender / age bracket / race"
    graph_name = "gear"
    card_file = "gear.md"
    input_spec = InputSpec("RGB", (0.0, 0.0, 0.0), 1 / 255)
    # A tight crop like UTKFace's "aligned & cropped" faces. Human's looser crop (box x 1.6, trimmed) called
    # the astronaut sample male (p = 0.86); the tight one does not (see the card).
    crop_spec = CropSpec(size=198, kind="box", enlarge=1.0)
    target_layer = "StatefulPartitionedCall/model_1/conv2d_6/Relu"

    def estimate(self, crops: torch.Tensor) -> list[SoftBiometrics]:
        out = self.run(crops, [AGE, GENDER, RACE])
        centres = torch.tensor(AGE_CENTRES, dtype=crops.dtype)
        ages = (out[AGE] * centres).sum(dim=-1)
        results = []
        for age, gender_p, race_p, age_p in zip(ages.tolist(), out[GENDER].tolist(), out[RACE].tolist(),
                                                 out[AGE].tolist(), strict=True):
            p_male = gender_p[0]  # index 0 = male (UTKFace convention, as Human reads it)
            extra = {f"race:{r}": p for r, p in zip(RACES, race_p, strict=True)}
            extra.update({f"age_bin:{b}": p for b, p in zip(AGE_BINS, age_p, strict=True)})
            results.append(SoftBiometrics(age=age, gender="male" if p_male >= 0.5 else "female",
                                          gender_score=max(p_male, 1 - p_male), extra=extra))
        return results
