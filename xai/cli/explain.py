"""``python -m xai explain --task spoof|verify|gates|idcard --input DIR --out DIR``: one audit report per item
(report.html, report.pdf, report.json in ``OUT/<item>/``) and ``OUT/summary.csv``, on the batch engine.

The task table (:mod:`xai.tasks`) says how each task's batch is read (every image under ``--input``; verify: the
pairs of a CSV) and how the options become report parameters; :mod:`xai.batch` runs the items on a local Dask
cluster (``--workers``) or a running one (``--cluster``), stores each result as it ends (``--resume`` reuses them)
and lists failures in ``OUT/failed.json``. Inputs are biometric data: nothing is written except into ``--out``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from xai.cli.output import write_table


def add_engine_options(parser: argparse.ArgumentParser) -> None:
    """``--workers``, ``--cluster``, ``--resume`` of the batch engine (:mod:`xai.batch.engine`)."""
    group = parser.add_argument_group("batch engine (Dask distributed)")
    group.add_argument("--workers", type=int, default=None,
                       help="local worker processes (default: every core; 0 = no cluster, run in this process)")
    group.add_argument("--cluster", default=None, metavar="ADDRESS",
                       help="run on a running Dask scheduler, e.g. tcp://head:8786 (see the README)")
    group.add_argument("--resume", action="store_true",
                       help="skip items whose stored result has the same inputs, parameters and model files")
    group.add_argument("--retries", type=int, default=2, help="extra attempts of an item whose task raised")
    group.add_argument("--timeout", type=float, default=None, metavar="SECONDS",
                       help="limit of the whole run; items not done by then are listed failed (default: none)")
    group.add_argument("--no-worker-timeout", type=float, default=120.0, metavar="SECONDS",
                       help="how long the cluster may have no worker at all while items wait; they are then "
                            "listed failed and the run ends (default: 120)")


def engine_settings(args: argparse.Namespace):
    from xai.batch.engine import EngineSettings

    if args.workers is not None and args.workers < 0:
        raise ValueError("--workers must be 0 (in this process) or more")
    if args.no_worker_timeout <= 0:
        raise ValueError("--no-worker-timeout must be more than 0 seconds")
    return EngineSettings(workers=args.workers, cluster=args.cluster, resume=args.resume, retries=args.retries,
                          timeout_s=args.timeout, no_worker_s=args.no_worker_timeout)


def progress_bar(total: int, what: str, quiet: bool = False):
    """A tqdm bar with rate and ETA, fed by items completing, and the ``on_done`` callback that advances it."""
    from tqdm import tqdm

    bar = tqdm(total=total, desc=what, unit="item", file=sys.stderr, disable=quiet, smoothing=0.1)

    def on_done(item, result) -> None:
        bar.update(1)
        if result.get("status") != "ok":
            bar.set_postfix_str(f"last failed: {item.name}", refresh=False)

    return bar, on_done


def interrupted(store) -> int:
    """Ctrl-C: what is stored stays; say how to go on (exit status 130)."""
    done = len(store.results())
    where = f" in {store.folder}; run the same command with --resume to go on" if store.folder else ""
    print(f"interrupted: {done} item(s) stored{where}", file=sys.stderr)
    return 130


def _cmd_explain(args: argparse.Namespace) -> int:
    from xai.batch.engine import run_batch
    from xai.batch.jobs import EXPLAIN, SUMMARY_COLUMNS, ExplainJob, explain_items, summary_rows
    from xai.batch.store import BatchStore
    from xai.tasks import TASKS

    task = TASKS[args.task]
    parameters = task.batch_parameters(vars(args))
    try:
        settings = engine_settings(args)
        items = explain_items(args.task, Path(args.input), parameters)
    except (ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    store = BatchStore(out)
    job = ExplainJob(args.task, parameters, args.redact, not args.no_pdf)
    bar, on_done = progress_bar(len(items), f"{args.task} reports", args.quiet)
    try:
        with bar:
            run = run_batch(items, job, store, args.task, EXPLAIN,
                            {"parameters": parameters, "source": str(args.input), "redact": args.redact,
                             "pdf": not args.no_pdf}, settings, on_done)
    except KeyboardInterrupt:
        return interrupted(store)
    entries = [{"key": i.key, "name": i.name, "inputs": [str(p.path) for p in i.inputs]} for i in items]
    rows = summary_rows(entries, store.results(), store.failures())
    write_table(rows, out / "summary.csv", list(SUMMARY_COLUMNS))
    failures = [r for r in rows if r["status"] != "ok"]
    reused = f" ({run.reused} reused from an earlier run)" if run.reused else ""
    print(f"{len(rows) - len(failures)} of {len(rows)} item(s) reported into {out}{reused}; summary: "
          f"{out / 'summary.csv'}")
    if failures:
        print(f"{len(failures)} failure(s) (listed in {out / 'failed.json'}):")
        for f in failures:
            print(f"  {f['item']}: {f['error']}")
    return 0 if not failures else 1


def register(sub: argparse._SubParsersAction) -> None:
    from models.registry import verification_embedders
    from xai.explain.cam import CAM_METHODS
    from xai.spoof.explain import spoof_families
    from xai.tasks import TASKS

    parser = sub.add_parser("explain", help="batch: one audit report (HTML, PDF, JSON) per item and a summary CSV")
    parser.add_argument("--task", required=True, choices=list(TASKS))
    parser.add_argument("--input", required=True, help="folder of images (verify: a CSV probe,gallery or a folder "
                                                       "with pairs.csv)")
    parser.add_argument("--out", required=True, help="output folder (the only place anything is written)")
    parser.add_argument("--redact", action="store_true", help="pixelated thumbnails, heatmaps without faces")
    parser.add_argument("--no-pdf", action="store_true", help="skip the PDFs (faster)")
    parser.add_argument("--no-gates", action="store_true", help="spoof/verify: do not run the quality gates")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--spoof-model", default=TASKS["spoof"].default_model, choices=list(spoof_families()))
    parser.add_argument("--cam", default="grad-cam", choices=list(CAM_METHODS))
    parser.add_argument("--mask-top", type=float, default=10.0)
    parser.add_argument("--steps", type=int, default=8)
    parser.add_argument("--verify-model", default=TASKS["verify"].default_model, choices=verification_embedders())
    parser.add_argument("--explainer", default="fv-rise", choices=["fv-rise", "corr-rise"])
    parser.add_argument("--masks", type=int, default=512)
    parser.add_argument("--sampling", default="sobol", choices=["sobol", "random"])
    parser.add_argument("--precision", default="auto", choices=["auto", "fp32", "bf16"])
    parser.add_argument("--both-ways", action="store_true")
    parser.add_argument("--idcard-model", default=TASKS["idcard"].default_model)
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    add_engine_options(parser)
    parser.set_defaults(func=_cmd_explain)
