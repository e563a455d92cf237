"""ResNet18-CBAM region spoof classifiers trained here (seed 000): one model per face region."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from models.base import ROOT, CropSpec, InputSpec, SpoofClassifier
from models.fp16_weights import load_fp16, require_weights
from models.resnet_cbam import GENUINE, SPOOF, resnet18_cbam
from xai.faces import DetectedFace

WEIGHTS_DIR = ROOT / "models" / "weights" / "spoof_regions"


def weights_path(region: str) -> Path:
    return WEIGHTS_DIR / f"{region}.safetensors"


class RegionSpoofClassifier(SpoofClassifier):
    """ResNet18-CBAM on one 224×224 landmark-guided region crop (full face, eyes, nose or mouth)."""

    region: str
    card_file = "resnet18-cbam-regions.md"
    input_spec = InputSpec("RGB", (0.0, 0.0, 0.0), 1 / 255)  # the seed scales pixels to [0, 1]
    crop_spec = CropSpec(size=224, kind="region")
    target_layer = "layer4.1"  # the last basic block of layer4, as in the seed

    def __init__(self) -> None:
        path = weights_path(self.region)
        require_weights(path, "python -m xai train spoof-regions --synthetic 1200")
        # channels_last runs ResNet convolutions ~15 % faster on CPU; results are the same to float rounding
        self.net = load_fp16(resnet18_cbam(), path).to(memory_format=torch.channels_last)

    def files(self) -> list[Path]:
        return [weights_path(self.region)]

    def crop(self, image: np.ndarray, face: DetectedFace | None = None) -> np.ndarray:
        """(224, 224, 3) uint8 region crop from the seed's pipeline (align by the eyes, CLAHE, crop)."""
        from xai.face_pipeline import run_face_pipeline

        return run_face_pipeline(image).crops[self.region].image

    def module_for_cam(self) -> torch.nn.Module:
        return self.net

    def two_class_logits(self, crops: torch.Tensor) -> torch.Tensor:
        return self.net(self.input_spec.apply(crops).permute(0, 3, 1, 2))

    def bona_fide_logit(self, crops: torch.Tensor) -> torch.Tensor:
        logits = self.two_class_logits(crops)
        return logits[:, GENUINE] - logits[:, SPOOF]


class FullFaceSpoof(RegionSpoofClassifier):
    region = "full_face"
    name = "resnet18-cbam-full_face"
    title = "ResNet18-CBAM, full face (trained here)"


class EyesSpoof(RegionSpoofClassifier):
    region = "eyes"
    name = "resnet18-cbam-eyes"
    title = "ResNet18-CBAM, eyes (trained here)"


class NoseSpoof(RegionSpoofClassifier):
    region = "nose"
    name = "resnet18-cbam-nose"
    title = "ResNet18-CBAM, nose (trained here)"


class MouthSpoof(RegionSpoofClassifier):
    region = "mouth"
    name = "resnet18-cbam-mouth"
    title = "ResNet18-CBAM, mouth (trained here)"


REGION_CLASSES = {cls.region: cls for cls in (FullFaceSpoof, EyesSpoof, NoseSpoof, MouthSpoof)}
