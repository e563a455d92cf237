"""FV-RISE / CorrRISE speed and convergence on faceres, measured in one run (seed 001 explainers).

Prints: mask generation + accumulation time per 4000 masks at the model's input size (target ≤ 0.1 s);
FV-RISE time per map at the page's default (300 masks) and its Spearman rank correlation with a reference map
of ``--reference`` masks (target ≥ 0.97 against 8000); CorrRISE time with 1000 masks (target ≤ 5 s); batched
throughput against a naive loop that embeds one masked probe at a time (target ≥ 20×); and the throughput as
a share of the ceiling = machine GFLOP/s (1024² matmul) ÷ the model's GFLOP per image.

Run: ``.venv/bin/python bench/bench_rise.py [--reference 8000]``
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import torch
from scipy.stats import spearmanr

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.bench_tfjs_runtime import graph_flops, matmul_gflops  # noqa: E402
from models.registry import load_model  # noqa: E402
from xai.rise import RiseMaskSampler, _Accumulator, corr_rise, fv_rise  # noqa: E402
from xai.spoof_pool import bona_fide_pool  # noqa: E402
from xai.verify import similarity_to, verify_pair  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reference", type=int, default=2000, help="masks of the reference map")
    args = parser.parse_args()
    torch.manual_seed(0)
    peak = matmul_gflops()
    embedder = load_model("faceres")
    pool = bona_fide_pool()
    result = verify_pair(pool["obama.jpg"], pool["obama2.jpg"], "faceres")
    probe = torch.from_numpy(result.probe_crop.astype(np.float32))
    score = similarity_to(embedder, result.gallery_crop)

    start = time.perf_counter()
    sampler, generator, acc = RiseMaskSampler(224, 224), torch.Generator().manual_seed(0), _Accumulator(224, 224)
    for _ in range(4000 // 64):
        masks = sampler.sample(64, generator)
        acc.add(masks, torch.rand(64))
    masks_time = time.perf_counter() - start

    start = time.perf_counter()
    default = fv_rise(probe, score, n_masks=300, batch_size=16, seed=1)
    default_time = time.perf_counter() - start
    reference = fv_rise(probe, score, n_masks=args.reference, batch_size=32, seed=2)
    rank = spearmanr(default.raw.ravel(), reference.raw.ravel()).statistic
    start = time.perf_counter()
    corr_rise(probe, score, n_masks=1000, batch_size=32, seed=1)
    corr_time = time.perf_counter() - start

    batch = probe[None] * sampler.sample(32, generator)[..., None]
    with torch.no_grad():
        score(batch[:1])
        start = time.perf_counter()
        for i in range(16):
            score(batch[i:i + 1])
        naive = (time.perf_counter() - start) / 16
        start = time.perf_counter()
        score(batch)
        batched = (time.perf_counter() - start) / 32
    gflop = graph_flops(embedder.graph, torch.rand(1, 224, 224, 3)) / 1e9
    ceiling = peak / gflop
    print(f"machine: {peak:.0f} GFLOP/s (1024² matmul, {torch.get_num_threads()} threads); faceres {gflop:.2f} GFLOP/image")
    print(f"masks generated + accumulated, 4000 at 224²: {masks_time:.3f} s   (target <= 0.1 s)")
    print(f"FV-RISE, 300 masks (page default): {default_time:.1f} s per map   (target <= 5 s)")
    print(f"  Spearman rank correlation with a {args.reference}-mask map: {rank:.3f}   (target >= 0.97 vs 8000)")
    print(f"CorrRISE, 1000 masks: {corr_time:.1f} s   (target <= 5 s)")
    print(f"per masked probe: naive loop {naive * 1e3:.1f} ms, batched {batched * 1e3:.1f} ms "
          f"→ {naive / batched:.1f}× (target >= 20×)")
    print(f"batched throughput {1 / batched:.0f} images/s = {(1 / batched) / ceiling:.1%} of the ceiling "
          f"({ceiling:.0f} images/s)")


if __name__ == "__main__":
    main()
