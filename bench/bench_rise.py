"""FV-RISE / CorrRISE speed and convergence on faceres, measured in one run (seed 001 explainers).

Prints, for the issue's targets:
* mask generation + accumulation per 4000 masks at the model's input size (target ≤ 0.1 s);
* FV-RISE at the page's defaults (``DEFAULT_MASKS``, Sobol sampling, precision "auto") in seconds per map
  (target ≤ 5 s) and its Spearman rank correlation with an 8000-mask fp32 reference map (target ≥ 0.97),
  with the same for i.i.d. random masks for comparison;
* CorrRISE with 1000 masks, seconds per map (target ≤ 5 s);
* throughput of our scoring (fused graph, batches of 16, chosen precision) against a naive loop that embeds
  one masked probe at a time through the unfused graph in fp32 (target ≥ 20×), and as a share of the ceiling
  = machine GFLOP/s (1024² fp32 matmul, same run) ÷ faceres GFLOP per image;
* the precision "auto" picked on this CPU and the full-map correlation of bf16 with fp32.

Run: ``.venv/bin/python bench/bench_rise.py [--reference 8000]`` (about 3 minutes on 2 quiet cores).
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
from xai.precision import native_bf16  # noqa: E402
from xai.rise import RiseMaskSampler, _Accumulator, corr_rise, fv_rise  # noqa: E402
from xai.spoof_pool import bona_fide_pool  # noqa: E402
from xai.verify import DEFAULT_MASKS, DEFAULT_PRECISION, DEFAULT_SAMPLING, similarity_to, verify_pair  # noqa: E402


def timed(fn):
    start = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - start


def masks_and_accumulation(sampling: str) -> float:
    sampler = RiseMaskSampler(224, 224, sampling=sampling)
    draw, acc = sampler.stream(seed=0), _Accumulator(224, 224)
    scores = torch.rand(64, generator=torch.Generator().manual_seed(0))
    _Accumulator(224, 224).add(draw(64), scores)  # warm-up
    start = time.perf_counter()
    for _ in range(4000 // 64):
        acc.add(draw(64), scores)
    acc.rise(0.5, float(scores.mean()))
    return time.perf_counter() - start


def rank(a: np.ndarray, b: np.ndarray) -> float:
    return float(spearmanr(a.ravel(), b.ravel()).statistic)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reference", type=int, default=8000, help="masks of the fp32 reference map")
    parser.add_argument("--seeds", type=int, default=3, help="seeds averaged for the rank correlations")
    args = parser.parse_args()
    torch.manual_seed(0)
    peak = matmul_gflops()
    embedder = load_model("faceres")
    pool = bona_fide_pool()
    result = verify_pair(pool["obama.jpg"], pool["obama2.jpg"], "faceres")
    probe = torch.from_numpy(result.probe_crop.astype(np.float32))
    score = similarity_to(embedder, result.gallery_crop)
    n_default = DEFAULT_MASKS["fv-rise"]

    print(f"masks generated + accumulated, 4000 at 224²: random {masks_and_accumulation('random'):.3f} s, "
          f"sobol {masks_and_accumulation('sobol'):.3f} s   (target <= 0.1 s)")

    fv_rise(probe, score, n_masks=64, precision=DEFAULT_PRECISION)  # warm-up (graph freeze, oneDNN kernels)
    runs = [timed(lambda s=s: fv_rise(probe, score, n_masks=n_default, seed=s, sampling=DEFAULT_SAMPLING,
                                      precision=DEFAULT_PRECISION)) for s in range(1, args.seeds + 1)]
    random_runs = [fv_rise(probe, score, n_masks=n_default, seed=s, sampling="random", precision=DEFAULT_PRECISION)
                   for s in range(1, args.seeds + 1)]
    reference, reference_time = timed(lambda: fv_rise(probe, score, n_masks=args.reference, seed=1000,
                                                      sampling="sobol", precision="fp32", batch_size=32))
    ranks = [rank(r.raw, reference.raw) for r, _ in runs]
    random_ranks = [rank(r.raw, reference.raw) for r in random_runs]
    used = runs[0][0].precision
    seconds = float(np.mean([t for _, t in runs]))
    print(f"FV-RISE page default ({n_default} {DEFAULT_SAMPLING} masks, precision {DEFAULT_PRECISION} → {used}): "
          f"{seconds:.2f} s per map   (target <= 5 s)")
    print(f"  Spearman rank correlation with a {args.reference}-mask fp32 map ({reference_time:.0f} s): "
          f"mean {np.mean(ranks):.3f}, min {min(ranks):.3f} over {len(ranks)} seeds   (target >= 0.97); "
          f"random masks: mean {np.mean(random_ranks):.3f}, min {min(random_ranks):.3f}")

    corr, corr_time = timed(lambda: corr_rise(probe, score, n_masks=1000, seed=1, precision=DEFAULT_PRECISION))
    print(f"CorrRISE, 1000 masks (precision {corr.precision}): {corr_time:.2f} s per map   (target <= 5 s)")

    batch = probe[None] * RiseMaskSampler(224, 224).sample(32, torch.Generator().manual_seed(0))[..., None]
    with torch.no_grad():
        naive_embed = embedder.embed  # unfused graph, fp32, one image per call
        naive_embed(batch[:1])
        _, naive = timed(lambda: [naive_embed(batch[i:i + 1]) for i in range(16)])
        naive /= 16
        score(batch[:16])
        _, batched = timed(lambda: [score(batch[i:i + 16]) for i in range(0, 32, 16)])
        batched /= 32
    peak = max(peak, matmul_gflops(2048, 5))
    gflop = graph_flops(embedder.graph, torch.rand(1, 224, 224, 3)) / 1e9
    ceiling = peak / gflop
    print(f"machine: {peak:.0f} GFLOP/s (best fp32 matmul, {torch.get_num_threads()} threads); "
          f"faceres {gflop:.2f} GFLOP/image → ceiling {ceiling:.0f} images/s")
    print(f"per masked probe: naive loop (unfused graph, fp32, batch 1) {naive * 1e3:.1f} ms; ours (fused graph, "
          f"batch 16, fp32) {batched * 1e3:.1f} ms → {naive / batched:.1f}× (target >= 20×)")
    print(f"throughput {1 / batched:.0f} images/s = {(1 / batched) / ceiling:.0%} of the fp32 ceiling")

    if native_bf16():
        reduced = score.in_bf16()
        with torch.no_grad():
            reduced(batch[:16])
            _, bf16_time = timed(lambda: [reduced(batch[i:i + 16]) for i in range(0, 32, 16)])
        bf16_time /= 32
        exact = fv_rise(probe, score, n_masks=256, seed=1, sampling=DEFAULT_SAMPLING)
        approx = fv_rise(probe, reduced, n_masks=256, seed=1, sampling=DEFAULT_SAMPLING)
        r = float(np.corrcoef(exact.raw.ravel(), approx.raw.ravel())[0, 1])
        print(f"bf16 autocast ({native_bf16()}): {bf16_time * 1e3:.1f} ms per masked probe "
              f"({batched / bf16_time:.2f}× fp32's speed); same 256 masks: map Pearson r = {r:.5f} (needs >= 0.999)")
    else:
        print("bf16: this CPU has neither amx_bf16 nor avx512_bf16, so it is never used")


if __name__ == "__main__":
    main()
