"""Export shipped models to ONNX (``torch.onnx.export``, opset 17, dynamic batch): worked examples of user models.

A user model is normally the deployed system's own file; these exports let a newcomer (and the tests) run the whole
"bring your own model" path on a model whose native maps are known, and compare the two:

* :func:`export_faceres_onnx`: faceres' descriptor graph, input ``image`` (B, 224, 224, 3) float32 RGB in
  [0, 255] (NHWC; faceres' own BGR mean subtraction is inside the graph), output ``descriptor`` (B, 1024);
* :func:`export_region_onnx`: a ResNet18-CBAM region spoof net, input ``image`` (B, 3, 224, 224) RGB in [0, 1]
  (NCHW), output ``logits`` (B, 2) in (spoof, bona fide) order;
* :func:`export_recapture_onnx`: the single-input ID-card recapture net ``idcard-vgg-only``, input ``image``
  (B, 3, 224, 224) ImageNet-normalised RGB (the L1 card crop), output ``logits`` (B, 2) in (genuine, recapture)
  order;
* :func:`export_gear_onnx`: the GEAR estimator's graph, input ``image`` (B, 198, 198, 3) RGB in [0, 1] (NHWC),
  outputs ``age`` (B, 7) probabilities over GEAR's age bins, ``gender`` (B, 2) probabilities (male, female) and
  ``race`` (B, 5);
* :func:`export_ssrnet_onnx`: SSR-Net's two graphs as one, input ``image`` (B, 64, 64, 3) BGR in [0, 255] (NHWC),
  outputs ``age`` (B, 1) in years and ``gender`` (B, 1) p(male).
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


class _SingleInputRecapture(torch.nn.Module):
    """The vgg-only ID-card net as a one-input module: (B, 3, 224, 224) normalised L1 crop → (B, 2) logits."""

    def __init__(self, net: torch.nn.Module) -> None:
        super().__init__()
        self.net = net

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x, None)


class _Outputs(torch.nn.Module):
    """TF.js graphs as one module: NHWC input → the named nodes of each graph, in order."""

    def __init__(self, graphs: list[tuple[torch.nn.Module, str]]) -> None:
        super().__init__()
        self.graphs = torch.nn.ModuleList([g for g, _ in graphs])
        self.nodes = [n for _, n in graphs]

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, ...]:
        return tuple(g(x, [n])[n] for g, n in zip(self.graphs, self.nodes, strict=True))


def _export(module: torch.nn.Module, example: torch.Tensor, path: Path, output: str | list[str]) -> Path:
    outputs = [output] if isinstance(output, str) else list(output)
    axes = {"image": {0: "batch"}, **{o: {0: "batch"} for o in outputs}}
    with torch.no_grad():
        torch.onnx.export(module.eval(), (example,), str(path), input_names=["image"], output_names=outputs,
                          dynamic_axes=axes, opset_version=17, dynamo=False)
    return path


def export_faceres_onnx(path: Path) -> Path:
    """Write the shipped faceres descriptor graph to ``path`` as ONNX; returns ``path``."""
    return _export(_Descriptors(load_model("faceres")), torch.full((1, 224, 224, 3), 127.5), Path(path),
                   "descriptor")


def export_region_onnx(path: Path, region: str = "full_face") -> Path:
    """Write the shipped ResNet18-CBAM ``region`` spoof net to ``path`` as ONNX; returns ``path``."""
    return _export(load_model(f"resnet18-cbam-{region}").net, torch.full((1, 3, 224, 224), 0.5), Path(path), "logits")


def export_recapture_onnx(path: Path, model: str = "idcard-vgg-only") -> Path:
    """Write the single-input ID-card recapture net ``model`` (the vgg-only ablation) to ``path`` as ONNX."""
    detector = load_model(model)
    if detector.net.second_branch is not None:
        raise ValueError(f"{model} has two inputs (L1 and L2 crops); only idcard-vgg-only takes one image")
    return _export(_SingleInputRecapture(detector.net), torch.zeros((1, 3, 224, 224)), Path(path), "logits")


def export_gear_onnx(path: Path) -> Path:
    """Write the shipped GEAR graph (age bins, gender, race) to ``path`` as ONNX; returns ``path``."""
    from models.zoo.gear import AGE, GENDER, RACE

    graph = load_model("gear").graph
    module = _Outputs([(graph, AGE), (graph, GENDER), (graph, RACE)])
    return _export(module, torch.full((1, 198, 198, 3), 0.5), Path(path), ["age", "gender", "race"])


def export_ssrnet_onnx(path: Path) -> Path:
    """Write the shipped SSR-Net age and gender graphs to ``path`` as one ONNX; returns ``path``."""
    from models.zoo.ssrnet import OUTPUT

    ssrnet = load_model("ssrnet")
    module = _Outputs([(ssrnet.age_graph, OUTPUT), (ssrnet.gender_graph, OUTPUT)])
    return _export(module, torch.full((1, 64, 64, 3), 127.5), Path(path), ["age", "gender"])
