"""Command line of audit reports, batch explanations and score evaluations.

* ``python -m xai report --replay report.json [--inputs DIR]``: recompute a report, say what is identical.
* ``python -m xai explain --task spoof|verify|gates|idcard --input DIR --out DIR``: one report per item
  (report.html, report.pdf, report.json in ``OUT/<item>/``) and ``OUT/summary.csv``.
* ``python -m xai evaluate spoof|verify|idcard --data DIR_OR_CSV``: every metric over a labelled set.

Inputs are biometric data: nothing is written except into ``--out``.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

from xai.evaluation import IMAGE_SUFFIXES

# ---------------------------------------------------------------------------------------------- report --replay


def _cmd_report(args: argparse.Namespace) -> int:
    from xai.report.replay import replay_report

    try:
        result = replay_report(args.replay, inputs_dir=args.inputs)
    except (ValueError, OSError, KeyError, json.JSONDecodeError) as exc:
        print(f"error: cannot replay {args.replay}: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps({"identical": result.identical, "error": result.error,
                          "items": [{"kind": i.kind, "key": i.key, "verdict": i.verdict, "old": i.old, "new": i.new}
                                    for i in result.items]}, indent=2, default=str))
    else:
        print(result.summary())
    if result.error:
        return 2
    return 0 if result.identical else 1


def add_report(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("report", help="replay an audit report: recompute it and compare every number and hash")
    parser.add_argument("--replay", required=True, metavar="REPORT_JSON", help="the report.json to replay")
    parser.add_argument("--inputs", metavar="DIR", help="folder of the inputs (default: the report's folder, "
                                                        "then the sample folder)")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.set_defaults(func=_cmd_report)


# ---------------------------------------------------------------------------------------------- explain (batch)


def batch_items(task: str, source: Path) -> list[tuple[str, list[Path]]]:
    """(item name, input paths) of a batch: every image under ``source``; verify: the pairs of a CSV
    (``probe,gallery``; ``source`` itself or ``source/pairs.csv``)."""
    if task == "verify":
        path = source / "pairs.csv" if source.is_dir() else source
        if not path.is_file():
            raise ValueError(f"verify batches need a CSV with columns probe,gallery (given {source}; looked for "
                             f"{path})")
        with open(path, newline="") as fh:
            rows = list(csv.DictReader(fh))
        if not rows or not {"probe", "gallery"} <= set(rows[0]):
            raise ValueError(f"{path} needs the columns probe,gallery")
        return [(f"{Path(r['probe']).stem}__{Path(r['gallery']).stem}",
                 [path.parent / r["probe"], path.parent / r["gallery"]]) for r in rows]
    if source.is_file():
        return [(source.stem, [source])]
    if not source.is_dir():
        raise ValueError(f"{source} is neither a folder nor a file")
    images = sorted(p for p in source.rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)
    if not images:
        raise ValueError(f"no image ({', '.join(IMAGE_SUFFIXES)}) under {source}")
    return [(str(p.relative_to(source).with_suffix("")).replace("/", "__"), [p]) for p in images]


def batch_parameters(args: argparse.Namespace) -> dict:
    """The report parameters of the chosen task from the command-line options."""
    if args.task == "spoof":
        return {"family": args.spoof_model, "cam_method": args.cam, "mask_top_percent": args.mask_top,
                "curve_steps": args.steps, "target_layer": None, "seed": args.seed, "with_gates": not args.no_gates}
    if args.task == "verify":
        return {"model": args.verify_model, "explainer": args.explainer, "n_masks": args.masks, "seed": args.seed,
                "sampling": args.sampling, "precision": args.precision, "both_ways": args.both_ways,
                "with_gates": not args.no_gates}
    if args.task == "gates":
        return {}
    return {"model": args.idcard_model, "seed": args.seed}


def write_report_files(report, folder: Path, redact: bool, pdf: bool = True) -> list[Path]:
    """report.html, report.pdf and report.json of ``report`` into ``folder``."""
    from xai.report.html import render_html

    folder.mkdir(parents=True, exist_ok=True)
    written = [folder / "report.html", folder / "report.json"]
    written[0].write_text(render_html(report, redact=redact), encoding="utf-8")
    written[1].write_text(report.json_text(), encoding="utf-8")
    if pdf:
        from xai.report.pdf import render_pdf

        written.append(folder / "report.pdf")
        written[-1].write_bytes(render_pdf(report, redact=redact))
    return written


def _main_score(report) -> str:
    for key in ("full_face.bona_fide_probability", "face.bona_fide_probability", "native_score", "liveness",
                "p_spoof"):
        if key in report.scores:
            return f"{key}={report.scores[key]:.6g}"
    return ""


def _cmd_explain(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from models.base import ModelUnavailableError
    from xai.faces import FaceError
    from xai.report.builder import INPUT_ROLES, ReportInput, build_report

    try:
        items = batch_items(args.task, Path(args.input))
    except (ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    parameters = batch_parameters(args)
    rows, failures = [], []
    for name, paths in tqdm(items, desc=f"{args.task} reports", unit="item", file=sys.stderr, disable=args.quiet):
        row = {"item": name, "inputs": " | ".join(str(p) for p in paths), "status": "ok", "decision": "",
               "score": "", "report": "", "error": ""}
        try:
            inputs = [ReportInput(p.name, role, p.read_bytes()) for p, role in zip(paths, INPUT_ROLES[args.task],
                                                                                   strict=True)]
            report = build_report(args.task, inputs, parameters)
            write_report_files(report, out / name, args.redact, pdf=not args.no_pdf)
            row.update(decision=str(report.decision.get("label")), score=_main_score(report),
                       report=str(out / name / "report.html"))
        except (ValueError, OSError, FaceError, ModelUnavailableError) as exc:
            row.update(status="failed", error=f"{type(exc).__name__}: {exc}")
            failures.append(row)
        rows.append(row)
    with open(out / "summary.csv", "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    print(f"{len(rows) - len(failures)} of {len(rows)} item(s) reported into {out}; summary: {out / 'summary.csv'}")
    if failures:
        print(f"{len(failures)} failure(s):")
        for f in failures:
            print(f"  {f['item']}: {f['error']}")
    return 0 if not failures else 1


def add_explain(sub: argparse._SubParsersAction) -> None:
    from xai.cam import CAM_METHODS
    from xai.spoof_explain import SPOOF_FAMILIES

    parser = sub.add_parser("explain", help="batch: one audit report (HTML, PDF, JSON) per item and a summary CSV")
    parser.add_argument("--task", required=True, choices=["spoof", "verify", "gates", "idcard"])
    parser.add_argument("--input", required=True, help="folder of images (verify: a CSV probe,gallery or a folder "
                                                       "with pairs.csv)")
    parser.add_argument("--out", required=True, help="output folder (the only place anything is written)")
    parser.add_argument("--redact", action="store_true", help="pixelated thumbnails, heatmaps without faces")
    parser.add_argument("--no-pdf", action="store_true", help="skip the PDFs (faster)")
    parser.add_argument("--no-gates", action="store_true", help="spoof/verify: do not run the quality gates")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--spoof-model", default="resnet18-cbam-regions", choices=list(SPOOF_FAMILIES))
    parser.add_argument("--cam", default="grad-cam", choices=list(CAM_METHODS))
    parser.add_argument("--mask-top", type=float, default=10.0)
    parser.add_argument("--steps", type=int, default=8)
    parser.add_argument("--verify-model", default="faceres")
    parser.add_argument("--explainer", default="fv-rise", choices=["fv-rise", "corr-rise"])
    parser.add_argument("--masks", type=int, default=512)
    parser.add_argument("--sampling", default="sobol", choices=["sobol", "random"])
    parser.add_argument("--precision", default="auto", choices=["auto", "fp32", "bf16"])
    parser.add_argument("--both-ways", action="store_true")
    parser.add_argument("--idcard-model", default="idcard-vgg16-fft")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.set_defaults(func=_cmd_explain)


# ---------------------------------------------------------------------------------------------- evaluate scores


def add_evaluate_score_options(parser: argparse.ArgumentParser) -> None:
    """Options of ``evaluate spoof|verify|idcard --data`` (``--model`` and ``--out`` are shared)."""
    from xai.spoof_explain import SPOOF_FAMILIES

    group = parser.add_argument_group("spoof / verify / idcard --data")
    group.add_argument("--data", help="labelled folder (bona_fide/, attack/) or CSV image,label; verify: CSV "
                                      "probe,gallery,same")
    group.add_argument("--spoof-model", default="resnet18-cbam-regions", choices=list(SPOOF_FAMILIES))
    group.add_argument("--idcard-model", default="idcard-vgg16-fft")
    group.add_argument("--threshold", type=float, default=None,
                       help="operating threshold (default 0.5; verify: the model's own)")
    group.add_argument("--apcer", type=float, default=0.05, help="APCER target of BPCER@APCER (default 0.05)")


def cmd_evaluate_scores(args: argparse.Namespace) -> int:
    """``evaluate spoof|verify|idcard --data``: metrics table, per-item CSV (``--out``) and failures."""
    from tqdm import tqdm

    from models.base import ModelUnavailableError
    from xai.evaluation import evaluate, metric_rows, write_csv

    if not args.data:
        print(f"error: evaluate {args.what} needs --data DIR_OR_CSV", file=sys.stderr)
        return 2
    model = {"spoof": args.spoof_model, "verify": args.model, "idcard": args.idcard_model}[args.what]
    try:
        with tqdm(desc=f"{args.what} items", file=sys.stderr) as bar:
            def advance(done, total, _name):
                bar.total = total
                bar.update(done - bar.n)

            result = evaluate(args.what, args.data, model, args.threshold, args.apcer, progress=advance)
    except (ValueError, FileNotFoundError, ModelUnavailableError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"{args.what} with {result.model}: {len(result.scored)} of {len(result.items)} item(s) scored "
          f"({result.score_name})")
    if result.summary is None:
        print(f"error: no metrics: {result.problem}", file=sys.stderr)
    else:
        for row in metric_rows(result.summary, args.what):
            print(f"{row['metric']:<24}{row['value']:>10.4f}  {row['definition']}")
        c = result.summary.counts
        print(f"confusion (positive = attack): TP {c.tp}  FN {c.fn}  FP {c.fp}  TN {c.tn}")
    for item in result.failed:
        print(f"skipped {item.name}: {item.error}")
    if args.out:
        write_csv(result.rows(), args.out)
        if result.summary is not None:
            metrics_path = Path(args.out).with_name(Path(args.out).stem + "_metrics.csv")
            write_csv(metric_rows(result.summary, args.what), metrics_path)
            print(f"scores written to {args.out}, metrics to {metrics_path}")
    return 0 if result.summary is not None else 2
