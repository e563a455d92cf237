"""Grad-CAM speed on a region model: our gradient-to-the-layer Grad-CAM vs pytorch-grad-cam's GradCAM.

Prints, measured in one run on this machine: ResNet18-CBAM forward time, the package's GradCAM time, our
``fast_grad_cam`` time and their ratio (target ≤ 0.5), the largest difference between the two maps (must be
≤ 1e-5), and the warm time of the full 4-region explanation (face pipeline, CAM, masking, SSIM,
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
from xai.cam import fast_grad_cam, package_cam  # noqa: E402
from xai.faithfulness import DEFAULT_CURVE_STEPS  # noqa: E402
from xai.spoof_explain import explain_spoof  # noqa: E402
from xai.spoof_pool import bona_fide_pool  # noqa: E402


def main() -> None:
    image = bona_fide_pool()["obama.jpg"]
    model = load_model("resnet18-cbam-full_face")
    x = model.to_batch(model.crop(image)[None])
    with torch.no_grad():
        forward = timed(lambda: model.two_class_logits(x), 10)
    package = timed(lambda: package_cam(model, x, 1, "grad-cam"), 10)
    ours = timed(lambda: fast_grad_cam(model, x, 1), 10)
    difference = float(np.abs(fast_grad_cam(model, x, 1) - package_cam(model, x, 1, "grad-cam")).max())
    full = {steps: timed(lambda steps=steps: explain_spoof(image, curve_steps=steps), 3)
            for steps in sorted({4, DEFAULT_CURVE_STEPS, 16})}
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    print(f"ResNet18-CBAM forward, batch 1:           {forward * 1e3:7.1f} ms")
    print(f"pytorch-grad-cam GradCAM:                 {package * 1e3:7.1f} ms")
    print(f"fast_grad_cam (grad to the layer only):   {ours * 1e3:7.1f} ms")
    print(f"ratio ours / package:                     {ours / package:7.2f}   (target <= 0.5)")
    print(f"max |map difference|:                     {difference:9.2e} (target <= 1e-5)")
    for steps, seconds in full.items():
        default = " (default)" if steps == DEFAULT_CURVE_STEPS else ""
        print(f"full 4-region explanation, {steps:2d} curve steps{default}: {seconds:6.2f} s   (target <= 1 s warm)")


if __name__ == "__main__":
    main()
