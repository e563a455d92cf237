"""DeepFace age and gender (optional): used only when `deepface` is installed and its weights are already local."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import torch

from models.base import CropSpec, ModelUnavailableError, SoftBiometricEstimator, SoftBiometrics

WEIGHT_FILES = ("age_model_weights.h5", "gender_model_weights.h5")


def _weights_dir() -> Path:
    home = Path(os.environ.get("DEEPFACE_HOME", str(Path.home())))
    return home / ".deepface" / "weights"


class DeepFaceEstimator(SoftBiometricEstimator):
    name = "deepface-agegender"
    title = "DeepFace age and gender (optional)"
    card_file = "deepface-agegender.md"
    crop_spec = CropSpec(size=224, kind="box", enlarge=1.2)
    differentiable = False

    def __init__(self) -> None:
        missing = [f for f in WEIGHT_FILES if not (_weights_dir() / f).is_file()]
        if missing:
            raise ModelUnavailableError(
                f"optional: DeepFace weights {missing} are not in {_weights_dir()}. DeepFace fetches them from "
                "GitHub at first use and this studio never downloads: see models/cards/deepface-agegender.md"
            )
        try:
            from deepface import DeepFace
        except ImportError as exc:
            raise ModelUnavailableError("optional: `pip install deepface` to enable this estimator") from exc
        self._deepface = DeepFace

    def files(self) -> list[Path]:
        return [_weights_dir() / f for f in WEIGHT_FILES]

    def estimate(self, crops: torch.Tensor) -> list[SoftBiometrics]:
        results = []
        for crop in crops.detach().cpu().numpy().clip(0, 255).astype(np.uint8):
            found = self._deepface.analyze(crop[..., ::-1], actions=("age", "gender"), detector_backend="skip",
                                           enforce_detection=False, silent=True)[0]
            scores = found["gender"]
            p_male = float(scores.get("Man", 0.0)) / 100.0
            results.append(SoftBiometrics(age=float(found["age"]), gender="male" if p_male >= 0.5 else "female",
                                          gender_score=max(p_male, 1 - p_male)))
        return results
