"""Batch engine (Dask distributed): items per second on 1 worker vs every local core, and the engine's overhead.

Builds ``--items`` real portraits (the five samples, mirrored and rescaled) in ``--work`` and explains each with
the anti-spoofing CAM (``--family``, ``--steps`` curve steps, no gates, no PDF). It measures, in one run:

* a plain loop in this process (one torch thread): the same job called item after item, nothing stored;
* the engine on a warm local cluster of 1 worker process, then of every core (warm-up items first, so model
  loading and worker start-up are not timed), each result stored in an output folder as the CLI does.

Prints items/s, the scaling efficiency (rate on N workers / (N × rate on 1)) and the overhead ratio (engine's
seconds per item on 1 worker / the plain loop's), with the overhead per item in ms.

Run: ``.venv/bin/python bench/bench_batch.py [--items 40] [--family human-liveness] [--steps 2]``
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from xai.batch.engine import EngineSettings, quiet_dask_logs, run_batch, start_local_cluster  # noqa: E402
from xai.batch.jobs import EXPLAIN, ExplainJob, explain_items  # noqa: E402
from xai.batch.store import BatchStore  # noqa: E402
from xai.core.samples import SAMPLES_DIR, sample_index  # noqa: E402


def portraits(folder: Path, n: int) -> None:
    """``n`` distinct real portraits: the samples at scales 1.0, 0.95, … and mirrored."""
    from PIL import Image, ImageOps

    folder.mkdir(parents=True, exist_ok=True)
    files = [SAMPLES_DIR / e["file"] for e in sample_index()]
    if not files:
        sys.exit("no samples: run `bash scripts/studio.sh setup` first")
    for i in range(n):
        image = Image.open(files[i % len(files)]).convert("RGB")
        step = i // len(files)
        scale = 1.0 - 0.05 * (step // 2)
        image = image.resize((int(image.width * scale), int(image.height * scale)))
        (ImageOps.mirror(image) if step % 2 else image).save(folder / f"p{i:03d}.png")


def timed_batch(items, job, out: Path, address: str) -> float:
    """Seconds to compute and store ``items`` on the running cluster at ``address``."""
    shutil.rmtree(out, ignore_errors=True)
    start = time.perf_counter()
    run = run_batch(items, job, BatchStore(out), job.task, EXPLAIN, {"parameters": job.parameters},
                    EngineSettings(cluster=address))
    elapsed = time.perf_counter() - start
    if run.failed:
        sys.exit(f"{run.failed} item(s) failed: see {out / 'failed.json'}")
    return elapsed


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=40)
    parser.add_argument("--family", default="human-liveness")
    parser.add_argument("--steps", type=int, default=2, help="deletion/insertion curve steps")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="the 'all cores' worker count")
    parser.add_argument("--work", type=Path, default=ROOT / ".cache" / "bench_batch")
    args = parser.parse_args(argv)
    import torch

    from models.registry import load_model
    from xai.batch.worker import run_item

    torch.set_num_threads(1)
    source = args.work / "in"
    shutil.rmtree(args.work, ignore_errors=True)
    portraits(source, args.items)
    parameters = {"family": args.family, "cam_method": "grad-cam", "mask_top_percent": 10.0,
                  "curve_steps": args.steps, "target_layer": None, "seed": 0, "with_gates": False}
    items = explain_items("spoof", source, parameters)
    job = ExplainJob("spoof", parameters, pdf=False)
    warm = [items[0]]
    print(f"{len(items)} items: spoof {args.family}, Grad-CAM, {args.steps} curve steps, no gates, no PDF; "
          f"{os.cpu_count()} cores")

    for item in warm:  # plain loop: the job itself, nothing stored
        job(item.payload(), load_model)
    start = time.perf_counter()
    for item in items:
        job(item.payload(), load_model)
    plain = time.perf_counter() - start
    start = time.perf_counter()
    for item in items:  # the worker's task function in this process: model cache, error handling, no store
        run_item(job, item.payload())
    task_fn = time.perf_counter() - start

    rates = {}
    quiet_dask_logs()
    for n in sorted({1, args.workers}):
        cluster = start_local_cluster(n, args.work / f"dask-{n}")
        try:
            timed_batch(items[: 2 * n], job, args.work / f"warm-{n}", cluster.scheduler_address)  # load models
            rates[n] = len(items) / timed_batch(items, job, args.work / f"out-{n}", cluster.scheduler_address)
        finally:
            cluster.close(timeout=30)
    plain_rate = len(items) / plain
    print(f"plain loop in this process:         {plain_rate:7.2f} items/s ({plain / len(items) * 1e3:.0f} ms/item)")
    print(f"task function in this process:      {len(items) / task_fn:7.2f} items/s")
    for n, rate in rates.items():
        print(f"engine, {n} worker process(es):      {rate:7.2f} items/s ({1e3 / rate:.0f} ms/item, stored)")
    n = max(rates)
    if n > 1:
        print(f"scaling efficiency {n} vs 1 worker:  {rates[n] / (n * rates[1]):.2f} "
              f"(speed-up {rates[n] / rates[1]:.2f}× on {n} workers)")
    per_item = 1 / rates[1] - plain / len(items)
    print(f"overhead ratio engine(1) / plain:   {(1 / rates[1]) / (plain / len(items)):.2f} "
          f"({per_item * 1e3:+.0f} ms per item: scheduling, transfer of inputs and results, atomic writes)")


if __name__ == "__main__":
    main()
