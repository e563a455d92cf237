"""Export shipped models to ONNX (``torch.onnx.export``, opset 17, dynamic batch): worked examples of user models.

A user model is normally the deployed system's own file; these exports let a newcomer (and the tests) run the whole
"bring your own model" path on a model whose native maps are known, and compare the two:

* :func:`export_faceres_onnx`: faceres' descriptor graph, input ``image`` (B, 224, 224, 3) float32 RGB in
  [0, 255] (NHWC; faceres' own BGR mean subtraction is inside the graph), output ``descriptor`` (B, 1024);
* :func:`export_region_onnx`: a ResNet18-CBAM region spoof net, input ``image`` (B, 3, 224, 224) RGB in [0, 1]
  (NCHW), output ``logits`` (B, 2) in (spoof, bona fide) order.
"""

from __future__ import annotations

from pathlib import Path

import torch

from models.registry import load_model


class _Descriptors(torch.nn.Module):
    """faceres' ``descriptors`` as a module: (B, 224, 224, 3) RGB [0, 255] → (B, 1024)."""

    def __init__(self, embedder) -> None:
        super().__init__()
        self.embedder = embedder
        self.graph = embedder.graph  # registered so that the exporter sees the weights

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.embedder.descriptors(x)


def _export(module: torch.nn.Module, example: torch.Tensor, path: Path, output: str) -> Path:
    with torch.no_grad():
        torch.onnx.export(module.eval(), (example,), str(path), input_names=["image"], output_names=[output],
                          dynamic_axes={"image": {0: "batch"}, output: {0: "batch"}}, opset_version=17, dynamo=False)
    return path


def export_faceres_onnx(path: Path) -> Path:
    """Write the shipped faceres descriptor graph to ``path`` as ONNX; returns ``path``."""
    return _export(_Descriptors(load_model("faceres")), torch.full((1, 224, 224, 3), 127.5), Path(path),
                   "descriptor")


def export_region_onnx(path: Path, region: str = "full_face") -> Path:
    """Write the shipped ResNet18-CBAM ``region`` spoof net to ``path`` as ONNX; returns ``path``."""
    return _export(load_model(f"resnet18-cbam-{region}").net, torch.full((1, 3, 224, 224), 0.5), Path(path), "logits")
