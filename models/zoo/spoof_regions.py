"""ResNet18-CBAM region spoof classifiers trained here (seed 000): one model per face region."""

from __future__ import annotations

from pathlib import Path

import torch

from models.base import ROOT, CropSpec, InputSpec, SpoofClassifier
from models.fp16_weights import load_fp16, require_weights
from models.labels import GENUINE, SPOOF
from models.resnet_cbam import resnet18_cbam

WEIGHTS_DIR = ROOT / "models" / "weights" / "spoof_regions"


def weights_path(region: str) -> Path:
    return WEIGHTS_DIR / f"{region}.safetensors"


def weights_metadata(region: str) -> dict[str, str]:
    """The safetensors metadata of a region's weights: the operating point and the training record
    (``bona_fide_logit_offset``, ``target_bpcer``, ``val_bpcer``, ``trained_identities`` (JSON list), ...)."""
    from safetensors import safe_open

    with safe_open(str(weights_path(region)), framework="pt") as f:
        return dict(f.metadata() or {})


class RegionSpoofClassifier(SpoofClassifier):
    """ResNet18-CBAM on one 224×224 landmark-guided region crop (full face, eyes, nose or mouth).

    Its crop is the seed 000 pipeline's region crop (eyes levelled, CLAHE, landmark box), made by
    :func:`xai.core.crops.model_crop` from a face detected once.

    Operating threshold: training subtracts z_t, the bona fide logit (l_genuine − l_spoof) at which the validation
    split's BPCER is the stated target (5 %), from the last layer's genuine bias, so the network's bona fide
    probability is 0.5 exactly at the operating threshold (arg-max decides there). :attr:`metadata` holds the
    weights' safetensors metadata: ``bona_fide_logit_offset`` (z_t), ``calibration`` ("fc.bias"),
    ``target_bpcer``, ``val_bpcer``, and the training record (``trained_identities``, a JSON list, ...).
    """

    region: str
    card_file = "resnet18-cbam-regions.md"
    input_spec = InputSpec("RGB", (0.0, 0.0, 0.0), 1 / 255)  # the seed scales pixels to [0, 1]
    crop_spec: CropSpec
    target_layer = "layer4.1"  # the last basic block of layer4, as in the seed

    def __init__(self) -> None:
        path = weights_path(self.region)
        require_weights(path, "python -m xai train spoof-regions --pool")
        # channels_last runs ResNet convolutions ~15 % faster on CPU; results are the same to float rounding
        self.net = load_fp16(resnet18_cbam(), path).to(memory_format=torch.channels_last)
        self.metadata = weights_metadata(self.region)

    def files(self) -> list[Path]:
        return [weights_path(self.region)]

    def module_for_cam(self) -> torch.nn.Module:
        return self.net

    def two_class_logits(self, crops: torch.Tensor) -> torch.Tensor:
        """(B, 224, 224, 3) float32 RGB [0, 255] → (B, 2) logits in :mod:`models.labels` order (trained so),
        calibrated: equal logits at the operating threshold."""
        return self.net(self.input_spec.apply(crops).permute(0, 3, 1, 2))

    def bona_fide_logit(self, crops: torch.Tensor) -> torch.Tensor:
        logits = self.two_class_logits(crops)
        return logits[:, GENUINE] - logits[:, SPOOF]


class FullFaceSpoof(RegionSpoofClassifier):
    region = "full_face"
    crop_spec = CropSpec(size=224, kind="region", region="full_face")
    name = "resnet18-cbam-full_face"
    title = "ResNet18-CBAM, full face (trained here)"


class EyesSpoof(RegionSpoofClassifier):
    region = "eyes"
    crop_spec = CropSpec(size=224, kind="region", region="eyes")
    name = "resnet18-cbam-eyes"
    title = "ResNet18-CBAM, eyes (trained here)"


class NoseSpoof(RegionSpoofClassifier):
    region = "nose"
    crop_spec = CropSpec(size=224, kind="region", region="nose")
    name = "resnet18-cbam-nose"
    title = "ResNet18-CBAM, nose (trained here)"


class MouthSpoof(RegionSpoofClassifier):
    region = "mouth"
    crop_spec = CropSpec(size=224, kind="region", region="mouth")
    name = "resnet18-cbam-mouth"
    title = "ResNet18-CBAM, mouth (trained here)"


REGION_CLASSES = {cls.region: cls for cls in (FullFaceSpoof, EyesSpoof, NoseSpoof, MouthSpoof)}
