"""``python -m xai evaluate …``: global analyses over a labelled set or a protocol.

* ``evaluate spoof|verify|idcard --data DIR_OR_CSV``: every metric of the task's pipeline over a labelled set
  (:mod:`xai.evaluation` through the task table :mod:`xai.tasks`), the per-item scores with ``--out``; the items
  are scored on the batch engine (:mod:`xai.batch`: ``--workers``, ``--cluster``, ``--store DIR``, ``--resume``).
* ``evaluate idcard`` (no ``--data``): Tables 1–2 of the shipped weights on the held-out synthetic split, or on
  DLC-2021 with ``--dlc ROOT`` (seed 003).
* ``evaluate esb --pairs CSV``: seed 001 Table I (soft biometrics by verification outcome), on the batch engine.

Inputs are biometric data: nothing is written except into ``--out``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from xai.cli.output import print_json, write_table
from xai.cli.train import DEFAULT_HELDOUT


def _cmd_evaluate(args: argparse.Namespace) -> int:
    if args.what == "esb":
        return _cmd_esb(args)
    if args.what == "idcard" and not args.data:
        return _cmd_idcard_tables(args)
    return _cmd_scores(args)


def register(sub: argparse._SubParsersAction) -> None:
    from models.registry import verification_embedders
    from xai.tasks import EVALUATED, TASKS

    parser = sub.add_parser("evaluate", help="global analyses over a protocol (esb: seed 001 Table I)")
    parser.add_argument("what", choices=["esb", *sorted(EVALUATED)])
    parser.add_argument("--pairs", help="CSV: probe, gallery, same [, probe_age, probe_gender, …]")
    parser.add_argument("--model", default=TASKS["verify"].default_model, choices=verification_embedders())
    parser.add_argument("--out", help="write the table as CSV")
    _add_idcard_table_options(parser)
    _add_score_options(parser)
    parser.set_defaults(func=_cmd_evaluate)


# ---------------------------------------------------------------------------------------------- evaluate esb


def _cmd_esb(args: argparse.Namespace) -> int:
    """``evaluate esb --pairs CSV``: every pair verified with both faces' soft biometrics on the batch engine
    (``--store DIR`` keeps each pair's result, ``--resume`` reuses them), then seed 001 Table I."""
    if not args.pairs:
        print("error: evaluate esb needs --pairs CSV", file=sys.stderr)
        return 2
    from xai.batch.engine import run_batch
    from xai.batch.jobs import esb_items
    from xai.batch.store import BatchStore
    from xai.cli.explain import engine_settings, interrupted, progress_bar
    from xai.tasks import verify_esb_records
    from xai.verify.esb import esb_table

    try:
        settings = engine_settings(args)
        items, job = esb_items(Path(args.pairs), args.model)
        if items and "same" not in items[0].fields:
            raise ValueError(f"{args.pairs} lacks the column(s) ['same']")
    except (ValueError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    store = BatchStore(args.store)
    bar, on_done = progress_bar(len(items), "pairs")
    try:
        with bar:
            run_batch(items, job, store, "verify", "esb", {"parameters": {"model": args.model},
                                                          "source": str(args.pairs)}, settings, on_done)
    except KeyboardInterrupt:
        return interrupted(store)
    cells = esb_table(verify_esb_records(list(store.results().values())))
    print(f"{'estimator':<20}{'group':<14}{'gender acc %':>13}{'n':>5}{'age MAE':>9}{'n':>5}")
    for c in cells:
        print(f"{c.estimator:<20}{c.group:<14}{c.gender_accuracy:>13.2f}{c.gender_n:>5}{c.age_mae:>9.2f}{c.age_n:>5}")
    base = Path(args.pairs).parent
    failed = store.failures()
    if failed:
        def shown(path: str) -> str:
            return str(Path(path).relative_to(base)) if Path(path).is_relative_to(base) else path

        print(f"{len(failed)} pair(s) skipped: " + "; ".join(" / ".join(shown(p) for p in f["inputs"])
                                                           + f": {f['error']}" for f in failed))
    if args.out:
        rows = [{k: getattr(c, k) for k in c.__slots__} for c in cells]
        write_table(rows, args.out, None if rows else ["estimator"])
        print(f"table written to {args.out}")
    return 0


# ---------------------------------------------------------------------------------------------- evaluate TASK --data


def _add_score_options(parser: argparse.ArgumentParser) -> None:
    """Options of ``evaluate spoof|verify|idcard --data`` (``--model`` and ``--out`` are shared)."""
    from xai.spoof.explain import spoof_families
    from xai.tasks import TASKS

    group = parser.add_argument_group("spoof / verify / idcard --data")
    group.add_argument("--data", help="labelled folder (bona_fide/, attack/) or CSV image,label; verify: CSV "
                                      "probe,gallery,same")
    group.add_argument("--spoof-model", default=TASKS["spoof"].default_model, choices=list(spoof_families()))
    group.add_argument("--idcard-model", default=TASKS["idcard"].default_model)
    group.add_argument("--threshold", type=float, default=None,
                       help="operating threshold (default 0.5; verify: the model's own)")
    group.add_argument("--apcer", type=float, default=0.05, help="APCER target of BPCER@APCER (default 0.05)")
    group.add_argument("--store", default=None, metavar="DIR",
                       help="keep each item's result in DIR as it ends (resume with --resume; open on the "
                            "Evaluation page); default: in memory only")
    from xai.cli.explain import add_engine_options

    add_engine_options(parser)


def _cmd_scores(args: argparse.Namespace) -> int:
    """``evaluate spoof|verify|idcard --data``: metrics table, per-item CSV (``--out``) and failures.

    The items are scored on the batch engine (:mod:`xai.batch`); ``--store DIR`` keeps each item's result there as
    it ends (``--resume`` reuses them), otherwise results stay in memory.
    """
    from models.base import ModelUnavailableError
    from xai.batch.engine import run_batch
    from xai.batch.jobs import EVALUATE, evaluate_items, evaluation_of
    from xai.batch.store import BatchStore
    from xai.cli.explain import engine_settings, interrupted, progress_bar
    from xai.evaluation.summary import metric_rows
    from xai.tasks import get_task

    if not args.data:
        print(f"error: evaluate {args.what} needs --data DIR_OR_CSV", file=sys.stderr)
        return 2
    task = get_task(args.what)
    model = getattr(args, task.evaluate_model_option)
    try:
        settings = engine_settings(args)
        items, job = evaluate_items(args.what, args.data, model, args.threshold)
    except (ValueError, FileNotFoundError, ModelUnavailableError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    store = BatchStore(args.store)
    bar, on_done = progress_bar(len(items), f"{args.what} items")
    try:
        with bar:
            run_batch(items, job, store, args.what, EVALUATE,
                      {"parameters": {"model": job.model, "threshold": job.threshold}, "source": str(args.data)},
                      settings, on_done)
    except KeyboardInterrupt:
        return interrupted(store)
    results = store.results()
    for failure in store.failures():  # retries used up: kept with their error like an unusable item
        results.setdefault(failure["key"], {"status": "failed", "error": failure["error"]})
    manifest_items = [{"key": i.key, "name": i.name, "fields": i.fields} for i in items]
    result = evaluation_of(args.what, manifest_items, results, job.model, args.apcer)
    if result is None:
        from xai.evaluation.scoring import ScoredItem, summarize_scored

        scored = [ScoredItem(i.name, i.fields["label"], None, None, (results.get(i.key) or {}).get("error"))
                  for i in items]
        result = summarize_scored(args.what, job.model, scored, job.threshold, "bona fide score", args.apcer,
                                  task.evaluation.class_names)
    print(f"{args.what} with {result.model}: {len(result.scored)} of {len(result.items)} item(s) scored "
          f"({result.score_name})")
    extra = task.evaluation.extra_rows
    if result.summary is None:
        print(f"error: no metrics: {result.problem}", file=sys.stderr)
    else:
        for row in metric_rows(result.summary, extra):
            print(f"{row['metric']:<24}{row['value']:>10.4f}  {row['definition']}")
        c = result.summary.counts
        print(f"confusion (positive = attack): TP {c.tp}  FN {c.fn}  FP {c.fp}  TN {c.tn}")
    for item in result.failed:
        print(f"skipped {item.name}: {item.error}")
    if args.out:
        write_table(result.rows(), args.out)
        if result.summary is not None:
            metrics_path = Path(args.out).with_name(Path(args.out).stem + "_metrics.csv")
            write_table(metric_rows(result.summary, extra), metrics_path)
            print(f"scores written to {args.out}, metrics to {metrics_path}")
    return 0 if result.summary is not None else 2


# ---------------------------------------------------------------------------------------------- evaluate idcard


def _add_idcard_table_options(parser: argparse.ArgumentParser) -> None:
    """Options of ``evaluate idcard`` (Tables 1–2)."""
    from models.idcard import VARIANTS

    group = parser.add_argument_group("idcard")
    group.add_argument("--variant", nargs="+", default=list(VARIANTS), choices=list(VARIANTS),
                       help="idcard: shipped variants to evaluate (default: all that are shipped)")
    group.add_argument("--dlc", help="idcard: DLC-2021 root with screen_positive_test.lst / screen_negative_test.lst")
    group.add_argument("--heldout-cards", type=int, default=DEFAULT_HELDOUT,
                       help="idcard: size of the held-out synthetic split")
    group.add_argument("--limit", type=int, default=None, help="idcard: evaluate only the first N list entries")
    group.add_argument("--json", action="store_true", help="idcard: machine-readable output")


def _cmd_idcard_tables(args: argparse.Namespace) -> int:
    from models.base import ModelUnavailableError
    from models.registry import load_model
    from xai.idcard.data import synthetic_cropset
    from xai.idcard.dlc2021 import DlcError, dlc_cropset
    from xai.idcard.evaluate import evaluate_model, format_table
    from xai.idcard.synth import HELD_OUT_SEED

    try:
        if args.dlc:
            data = dlc_cropset(Path(args.dlc), limit=args.limit, progress=lambda m: print(m, file=sys.stderr))
            source = f"DLC-2021 test lists in {args.dlc}"
        else:
            data = synthetic_cropset(HELD_OUT_SEED, args.heldout_cards)
            source = f"held-out synthetic split (seed {HELD_OUT_SEED}, {args.heldout_cards} cards)"
        rows, missing = [], []
        for variant in args.variant:
            try:
                model = load_model(f"idcard-{variant}")
            except ModelUnavailableError as exc:
                missing.append(f"{variant}: {exc}")
                continue
            rows.append(evaluate_model(model.net, data))
    except (ValueError, DlcError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print_json({"source": source, "models": [m.as_dict() for m in rows], "missing": missing})
        return 0
    print(f"{source}: {data.counts['spoof']} spoof (positive), {data.counts['genuine']} genuine")
    print(format_table(rows))
    for m in missing:
        print(f"not available: {m}")
    return 0
