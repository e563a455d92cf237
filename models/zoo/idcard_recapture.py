"""VGG16 + FFT ID-card recapture detectors trained here (seed 003): the model and its three ablations."""

from __future__ import annotations

from pathlib import Path

import torch

from models.base import ROOT, CropSpec, InputSpec, ModelUnavailableError, PretrainedModel
from models.fp16_weights import load_fp16, require_weights
from models.idcard import IMAGENET_MEAN, LAST_CONV, IdCardConfig, IdCardNet, spoof_probability

WEIGHTS_DIR = ROOT / "models" / "weights" / "idcard"
CARD_FILE = "idcard-recapture.md"


def weights_path(variant: str) -> Path:
    return WEIGHTS_DIR / f"{variant}.safetensors"


class RecaptureDetector(PretrainedModel):
    """Role "recapture": genuine vs screen-recaptured document photo from the L1/L2 crops at the card centroid.

    ``net(rgb, second)`` takes (B, 3, 224, 224) ImageNet-normalised L1 crops and the second-branch input
    (:func:`xai.idcard.data.branch_inputs` builds both) and returns (B, 2) logits in the trained output order
    (:data:`models.idcard.OUTPUT_LABELS`: 0 = genuine, 1 = spoof); :meth:`spoof_probability` maps it.
    """

    role = "recapture"
    variant: str
    card_file = CARD_FILE
    crop_spec = CropSpec(size=224, kind="card")
    input_spec = InputSpec("RGB", tuple(255 * m for m in IMAGENET_MEAN), 1 / 255)  # then ÷ ImageNet std
    target_layer = f"rgb_branch.{LAST_CONV}"

    def __init__(self) -> None:
        path = weights_path(self.variant)
        require_weights(path, f"python -m xai train idcard --variant {self.variant} --threads 2")
        self.net = IdCardNet(IdCardConfig(self.variant))
        try:
            load_fp16(self.net, path)
        except (RuntimeError, OSError) as exc:
            raise ModelUnavailableError(f"{path.relative_to(ROOT)} does not fit variant {self.variant!r} ({exc}); "
                                        f"retrain with `python -m xai train idcard --variant {self.variant}`") from exc

    def files(self) -> list[Path]:
        return [weights_path(self.variant)]

    def module_for_cam(self) -> torch.nn.Module:
        return self.net

    def cam_layers(self) -> dict[str, str]:
        """Branch name → module name of its last convolution (conv3_3), the Grad-CAM targets."""
        layers = {"rgb": f"rgb_branch.{LAST_CONV}"}
        if self.net.second_branch is not None:
            layers["second"] = f"second_branch.{LAST_CONV}"
        return layers

    def spoof_probability(self, rgb: torch.Tensor, second: torch.Tensor | None) -> torch.Tensor:
        """(B,) probability in [0, 1] of "spoof" (screen recapture)."""
        return spoof_probability(self.net(rgb, second))


class VggFftRecapture(RecaptureDetector):
    variant = "vgg16-fft"
    name = "idcard-vgg16-fft"
    title = "VGG16 + FFT cross-attention, ID-card recapture (trained here)"


class ConcatGapRecapture(RecaptureDetector):
    variant = "concat-gap"
    name = "idcard-concat-gap"
    title = "VGG16 + FFT, ConcatGAP fusion ablation (trained here)"


class TwoRgbRecapture(RecaptureDetector):
    variant = "two-rgb"
    name = "idcard-two-rgb"
    title = "Two RGB VGG16 branches ablation (trained here)"


class VggOnlyRecapture(RecaptureDetector):
    variant = "vgg-only"
    name = "idcard-vgg-only"
    title = "VGG16-only ablation (trained here)"


VARIANT_CLASSES = {c.variant: c for c in (VggFftRecapture, ConcatGapRecapture, TwoRgbRecapture, VggOnlyRecapture)}
