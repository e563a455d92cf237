"""Grad-CAM speed on a region model: our gradient-to-the-layer Grad-CAM vs pytorch-grad-cam's GradCAM.

Prints, measured in one run on this machine: ResNet18-CBAM forward time, the package's GradCAM time (its own
hooks and its backward through every parameter), our Grad-CAM (:func:`xai.explain.cam.cam_maps` through
:func:`xai.spoof.explain.spoof_cam`) time and their ratio (target ≤ 0.5), the largest difference between the
two maps (must be ≤ 1e-5), and the warm time of the full 4-region explanation (face pipeline, CAM, masking, SSIM,
deletion/insertion at the stated steps; target ≤ 1 s).

Run: ``.venv/bin/python bench/bench_cam.py``
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.timing import timed  # noqa: E402
from models.registry import load_model  # noqa: E402
from xai.core.crops import model_crop  # noqa: E402
from xai.core.faces import largest_face  # noqa: E402
from xai.core.samples import bona_fide_pool  # noqa: E402
from xai.explain.cam import ScoreModule  # noqa: E402
from xai.explain.faithfulness import DEFAULT_CURVE_STEPS  # noqa: E402
from xai.spoof.explain import explain_spoof, spoof_cam  # noqa: E402


def package_grad_cam(model, x: torch.Tensor, target: int) -> np.ndarray:
    """pytorch-grad-cam's GradCAM run its own way: the reference for time and for the map."""
    from pytorch_grad_cam import GradCAM
    from pytorch_grad_cam.utils.model_targets import ClassifierOutputTarget

    module = ScoreModule(model.two_class_logits, model.module_for_cam())
    cam = GradCAM(model=module, target_layers=[model.cam_layer()], reshape_transform=model.cam_reshape)
    try:
        with torch.enable_grad():
            return cam(input_tensor=x.permute(0, 3, 1, 2).clone().requires_grad_(True),
                       targets=[ClassifierOutputTarget(target)] * len(x))
    finally:
        cam.activations_and_grads.release()


def main() -> None:
    image = bona_fide_pool()["obama.jpg"]
    model = load_model("resnet18-cbam-full_face")
    x = model.to_batch(model_crop(model, image, largest_face(image)[0])[None])
    with torch.no_grad():
        forward = timed(lambda: model.two_class_logits(x), 10)
    package = timed(lambda: package_grad_cam(model, x, 1), 10)
    ours = timed(lambda: spoof_cam(model, x, 1), 10)
    difference = float(np.abs(spoof_cam(model, x, 1).maps - package_grad_cam(model, x, 1)).max())
    full = {steps: timed(lambda steps=steps: explain_spoof(image, curve_steps=steps), 3)
            for steps in sorted({4, DEFAULT_CURVE_STEPS, 16})}
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    print(f"ResNet18-CBAM forward, batch 1:           {forward * 1e3:7.1f} ms")
    print(f"pytorch-grad-cam GradCAM:                 {package * 1e3:7.1f} ms")
    print(f"cam_maps Grad-CAM (grad to the layer):    {ours * 1e3:7.1f} ms")
    print(f"ratio ours / package:                     {ours / package:7.2f}   (target <= 0.5)")
    print(f"max |map difference|:                     {difference:9.2e} (target <= 1e-5)")
    for steps, seconds in full.items():
        default = " (default)" if steps == DEFAULT_CURVE_STEPS else ""
        print(f"full 4-region explanation, {steps:2d} curve steps{default}: {seconds:6.2f} s   (target <= 1 s warm)")


if __name__ == "__main__":
    main()
