"""How close our TF.js graph executor runs to this machine's dense FLOP/s, per shipped Human model.

Prints, for each model, the conv/matmul FLOPs per image (counted from the executed graph), the achieved
GFLOP/s at batch 1 and 8, and the ratio to the GFLOP/s of a large ``torch.matmul`` measured in the same run.
A ratio near 1 means the executor adds little over the raw kernels; small models are expected to sit far
below (memory-bound layers, per-op overhead).

Run: ``.venv/bin/python bench/bench_tfjs_runtime.py``
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from models.human import HUMAN_DIR  # noqa: E402
from models.tfjs_graph import GraphNode, load_tfjs_graph  # noqa: E402

MODELS = ("faceres", "mobilefacenet", "gear", "age", "gender-ssrnet-imdb", "antispoof", "liveness")


def matmul_gflops(n: int = 1024, repeats: int = 20) -> float:
    a, b = torch.randn(n, n), torch.randn(n, n)
    a @ b
    start = time.perf_counter()
    for _ in range(repeats):
        a @ b
    return 2 * n**3 * repeats / (time.perf_counter() - start) / 1e9


def graph_flops(graph, x: torch.Tensor) -> int:
    """Multiply-accumulate FLOPs (×2) of the conv and matmul nodes for input ``x``."""
    total = 0

    def count(module: GraphNode, inputs, output) -> None:
        nonlocal total
        op = module.tf_op
        if op in ("Conv2D", "_FusedConv2D"):
            kh, kw, cin, _ = inputs[1].shape
            total += 2 * output.numel() * kh * kw * cin
        elif op in ("DepthwiseConv2dNative", "FusedDepthwiseConv2dNative"):
            kh, kw = inputs[1].shape[:2]
            total += 2 * output.numel() * kh * kw
        elif op in ("MatMul", "_FusedMatMul"):
            total += 2 * output.numel() * inputs[0].shape[-1]

    handles = [m.register_forward_hook(count) for m in graph.layers.values()]
    try:
        with torch.no_grad():
            graph(x)
    finally:
        for h in handles:
            h.remove()
    return total


def seconds_per_batch(graph, x: torch.Tensor, repeats: int) -> float:
    with torch.no_grad():
        graph(x)
        start = time.perf_counter()
        for _ in range(repeats):
            graph(x)
    return (time.perf_counter() - start) / repeats


def main() -> None:
    torch.manual_seed(0)
    peak = matmul_gflops()
    print(f"torch.matmul 1024² on {torch.get_num_threads()} threads: {peak:.1f} GFLOP/s (baseline)")
    print(f"{'model':<20}{'MFLOP/img':>11}{'ms/img b1':>11}{'ms/img b8':>11}{'GFLOP/s b8':>12}{'ratio':>8}")
    for name in MODELS:
        graph = load_tfjs_graph(HUMAN_DIR / f"{name}.json")
        shape = graph.input_shape[1:]
        flops = graph_flops(graph, torch.rand(1, *shape))
        t1 = seconds_per_batch(graph, torch.rand(1, *shape), 10)
        t8 = seconds_per_batch(graph, torch.rand(8, *shape), 5)
        achieved = 8 * flops / t8 / 1e9
        print(f"{name:<20}{flops / 1e6:>11.1f}{t1 * 1e3:>11.2f}{t8 / 8 * 1e3:>11.2f}{achieved:>12.2f}"
              f"{achieved / peak:>8.3f}")


if __name__ == "__main__":
    main()
