"""Memory stability: many successive explanations in one process, and the resident-set growth after warm-up.

Cycles through the studio's explanations (region-wise spoof Grad-CAM, FV-RISE verification, quality gates) on
the sample portraits, like a long classroom session on one server process. Prints RSS after the warm-up and at
the end, the growth in MB (goal: under 50 MB) and the time per explanation.

Run: ``.venv/bin/python bench/bench_stability.py [--runs 100] [--warmup 10]``
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from xai.core.samples import bona_fide_pool  # noqa: E402
from xai.gates import run_gates  # noqa: E402
from xai.spoof.explain import explain_spoof  # noqa: E402
from xai.verify.pipeline import explain_pair, verify_pair  # noqa: E402

SAMPLES = Path(__file__).resolve().parents[1] / "assets" / "samples"


def rss_mb() -> float:
    """Resident set size of this process in MB, from /proc/self/status."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status (Linux only)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--warmup", type=int, default=10)
    args = parser.parse_args()
    pool = bona_fide_pool()
    names = sorted(pool)
    files = {name: (SAMPLES / name).read_bytes() for name in names}

    def explanation(i: int) -> None:
        name, other = names[i % len(names)], names[(i + 1) % len(names)]
        task = i % 3
        if task == 0:
            explain_spoof(pool[name], curve_steps=4)
        elif task == 1:
            result = verify_pair(pool[name], pool[other], "faceres")
            explain_pair(result, "fv-rise", n_masks=128, seed=i)
        else:
            run_gates(files[name])

    start = time.perf_counter()
    for i in range(args.warmup):
        explanation(i)
    gc.collect()
    warm = rss_mb()
    samples = []
    timed_start = time.perf_counter()
    for i in range(args.warmup, args.warmup + args.runs):
        explanation(i)
        if (i + 1) % 10 == 0:
            gc.collect()
            samples.append(rss_mb())
    elapsed = time.perf_counter() - timed_start
    gc.collect()
    end = rss_mb()
    print(f"warm-up: {args.warmup} explanations in {timed_start - start:.0f} s; RSS after warm-up {warm:.0f} MB")
    print("RSS every 10 explanations (MB): " + ", ".join(f"{v:.0f}" for v in samples))
    print(f"{args.runs} explanations in {elapsed:.0f} s ({elapsed / args.runs:.2f} s each); RSS at the end {end:.0f} MB "
          f"→ growth {end - warm:+.1f} MB   (goal: under 50 MB)")


if __name__ == "__main__":
    main()
