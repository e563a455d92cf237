"""Class activation maps for any spoof classifier: pytorch-grad-cam's methods, and a fast Grad-CAM.

Grad-CAM (Selvaraju et al. 2017; seed 000 eqs. 7–8): ``α_k = mean_ij ∂y^c/∂A^k_ij``,
``L = ReLU(Σ_k α_k A^k)``, upsampled to the input and min-max scaled to [0, 1].
:func:`fast_grad_cam` computes the same map but back-propagates only down to the hooked layer
(``torch.autograd.grad`` to the activation) instead of through every parameter; its map equals the package's
GradCAM map (tested to 1e-5) and it runs in about half the time (``bench/bench_cam.py``).
"""

from __future__ import annotations

import threading

import numpy as np
import torch
from pytorch_grad_cam import EigenCAM, GradCAM, GradCAMPlusPlus, LayerCAM, ScoreCAM
from pytorch_grad_cam.utils.image import scale_cam_image
from pytorch_grad_cam.utils.model_targets import ClassifierOutputTarget
from torch import nn

from models.base import SpoofClassifier

#: name → pytorch-grad-cam class; "grad-cam" is served by :func:`fast_grad_cam` (same map, faster).
CAM_METHODS = {
    "grad-cam": GradCAM,
    "grad-cam++": GradCAMPlusPlus,
    "score-cam": ScoreCAM,
    "eigen-cam": EigenCAM,
    "layer-cam": LayerCAM,
}
CAM_LABELS = {"grad-cam": "Grad-CAM", "grad-cam++": "Grad-CAM++", "score-cam": "Score-CAM",
              "eigen-cam": "Eigen-CAM", "layer-cam": "LayerCAM"}


class TwoClassModule(nn.Module):
    """A spoof classifier as the NCHW module CAM libraries expect: (B, 3, H, W) RGB [0, 255] → (B, 2) logits."""

    def __init__(self, classifier: SpoofClassifier) -> None:
        super().__init__()
        self.classifier = classifier
        self.inner = classifier.module_for_cam()  # registered so that .parameters() and hooks see it

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier.two_class_logits(x.permute(0, 2, 3, 1))


def _check_crops(crops: torch.Tensor) -> None:
    if crops.dim() != 4 or crops.shape[-1] != 3:
        raise ValueError(f"expected (B, S, S, 3) crops, got {tuple(crops.shape)}")


def grad_cam_with_logits(classifier: SpoofClassifier, crops: torch.Tensor, target_class: int | list[int] | None,
                         layer_name: str | None = None) -> tuple[np.ndarray, torch.Tensor]:
    """Grad-CAM maps and the (B, 2) logits of the same forward pass.

    Args:
        crops: (B, S, S, 3) float32 RGB in [0, 255].
        target_class: class explained per crop; None explains each crop's predicted class.

    Returns:
        (B, S, S) float32 maps in [0, 1], and the detached (B, 2) logits.
    """
    _check_crops(crops)
    layer = classifier.cam_layer(layer_name)
    captured: list[torch.Tensor] = []
    caller = threading.get_ident()

    def keep(_module, _inputs, output):
        # The model is shared by every session (st.cache_resource): keep only this call's own forward pass.
        if threading.get_ident() == caller:
            captured.append(output)

    handle = layer.register_forward_hook(keep)
    try:
        with torch.enable_grad():
            x = crops.detach().clone().requires_grad_(True)  # so the hooked activation joins the graph
            logits = classifier.two_class_logits(x)
            if target_class is None:
                classes = logits.argmax(dim=1).tolist()
            elif isinstance(target_class, int):
                classes = [target_class] * len(crops)
            else:
                classes = list(target_class)
            score = logits[torch.arange(len(classes)), torch.tensor(classes)].sum()
            (grads,) = torch.autograd.grad(score, captured[0])
    finally:
        handle.remove()
    activations = captured[0].detach()
    reshape = classifier.cam_reshape
    if reshape is not None:
        activations, grads = reshape(activations), reshape(grads)
    weights = grads.mean(dim=(2, 3), keepdim=True)
    cam = torch.relu((weights * activations).sum(dim=1)).numpy()
    size = (crops.shape[2], crops.shape[1])
    return scale_cam_image(np.maximum(scale_cam_image(cam, size), 0)), logits.detach()


def fast_grad_cam(classifier: SpoofClassifier, crops: torch.Tensor, target_class: int | list[int] | None,
                  layer_name: str | None = None) -> np.ndarray:
    """Grad-CAM maps for (B, S, S, 3) float32 RGB [0, 255] crops → (B, S, S) float32 in [0, 1]."""
    return grad_cam_with_logits(classifier, crops, target_class, layer_name)[0]


def package_cam(classifier: SpoofClassifier, crops: torch.Tensor, target_class: int | list[int], method: str,
                layer_name: str | None = None, score_cam_batch: int = 32) -> np.ndarray:
    """A pytorch-grad-cam method's maps: (B, S, S, 3) float32 RGB [0, 255] → (B, S, S) float32 in [0, 1]."""
    _check_crops(crops)
    if method not in CAM_METHODS:
        raise ValueError(f"unknown CAM method {method!r}; choose one of: {', '.join(CAM_METHODS)}")
    classes = [target_class] * len(crops) if isinstance(target_class, int) else list(target_class)
    module = TwoClassModule(classifier)
    layer = classifier.cam_layer(layer_name)
    x = crops.detach().permute(0, 3, 1, 2).clone().requires_grad_(True)
    with CAM_METHODS[method](model=module, target_layers=[layer], reshape_transform=classifier.cam_reshape) as cam:
        if method == "score-cam":
            cam.batch_size = score_cam_batch
        with torch.enable_grad():
            maps = cam(input_tensor=x, targets=[ClassifierOutputTarget(c) for c in classes])
    return np.asarray(maps, dtype=np.float32)


def cam_maps(classifier: SpoofClassifier, crops: torch.Tensor, target_class: int | list[int],
             method: str = "grad-cam", layer_name: str | None = None) -> np.ndarray:
    """Maps by ``method`` ("grad-cam" uses :func:`fast_grad_cam`): (B, S, S) float32 in [0, 1]."""
    if method == "grad-cam":
        return fast_grad_cam(classifier, crops, target_class, layer_name)
    return package_cam(classifier, crops, target_class, method, layer_name)

