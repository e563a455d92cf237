"""Quality gates (seed 002): warm time per image on the sample set and the share of time per gate.

One warm-up pass loads MediaPipe and the liveness model(s); then every sample runs ``--repeats`` times and the
median per gate is kept. Prints a table per image (ms per gate) and the share of the total per gate.

Run: ``.venv/bin/python bench/bench_gates.py [--repeats 3] [--model resnet18-cbam-full_face]``
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from xai.core.samples import SAMPLES_DIR, sample_index  # noqa: E402
from xai.gates import DEFAULT_LIVENESS_MODELS, GATES, run_gates  # noqa: E402


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--model", action="append", help="liveness model (repeatable)")
    args = parser.parse_args(argv)
    models = tuple(args.model or DEFAULT_LIVENESS_MODELS)
    files = [e["file"] for e in sample_index()]
    if not files:
        sys.exit("no samples: run `bash scripts/studio.sh setup` first")
    images = {name: (SAMPLES_DIR / name).read_bytes() for name in files}
    for data in images.values():  # warm-up: MediaPipe graph, model weights, first-call allocations
        run_gates(data, models=models)
    per_gate = {gate: [] for gate in GATES}
    print(f"liveness model(s): {', '.join(models)}; {args.repeats} repeats, median per gate (ms)")
    print(f"{'image':<15}" + "".join(f"{g:>12}" for g in GATES) + f"{'total':>10}{'wall':>10}")
    for name, data in images.items():
        runs = []
        for _ in range(args.repeats):
            start = time.perf_counter()
            result = run_gates(data, models=models)
            wall = time.perf_counter() - start
            runs.append((result.timings, wall))
        medians = {g: statistics.median(r[0].get(g, 0.0) for r in runs) for g in GATES}
        for g in GATES:
            per_gate[g].append(medians[g])
        wall = statistics.median(r[1] for r in runs)
        print(f"{name:<15}" + "".join(f"{medians[g] * 1e3:>12.1f}" for g in GATES)
              + f"{sum(medians.values()) * 1e3:>10.1f}{wall * 1e3:>10.1f}")
    totals = {g: sum(v) for g, v in per_gate.items()}
    grand = sum(totals.values())
    print(f"{'mean / image':<15}" + "".join(f"{totals[g] / len(files) * 1e3:>12.1f}" for g in GATES)
          + f"{grand / len(files) * 1e3:>10.1f}")
    print(f"{'share':<15}" + "".join(f"{totals[g] / grand:>12.1%}" for g in GATES))


if __name__ == "__main__":
    main()
