"""``python -m xai explain --task spoof|verify|gates|idcard --input DIR --out DIR``: one audit report per item
(report.html, report.pdf, report.json in ``OUT/<item>/``) and ``OUT/summary.csv``.

The task table (:mod:`xai.tasks`) says how each task's batch is read (every image under ``--input``; verify: the
pairs of a CSV) and how the options become report parameters. Inputs are biometric data: nothing is written
except into ``--out``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from xai.cli.output import write_table


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
    from xai.core.faces import FaceError
    from xai.report.builder import ReportInput
    from xai.tasks import TASKS

    task = TASKS[args.task]
    try:
        items = task.batch_items(Path(args.input))
    except (ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    parameters = task.batch_parameters(vars(args))
    rows, failures = [], []
    for name, paths in tqdm(items, desc=f"{args.task} reports", unit="item", file=sys.stderr, disable=args.quiet):
        row = {"item": name, "inputs": " | ".join(str(p) for p in paths), "status": "ok", "decision": "",
               "score": "", "report": "", "error": ""}
        try:
            inputs = [ReportInput(p.name, role, p.read_bytes()) for p, role in zip(paths, task.input_roles,
                                                                                   strict=True)]
            report = task.report.build(inputs, parameters)
            write_report_files(report, out / name, args.redact, pdf=not args.no_pdf)
            row.update(decision=str(report.decision.get("label")), score=_main_score(report),
                       report=str(out / name / "report.html"))
        except (ValueError, OSError, FaceError, ModelUnavailableError) as exc:
            row.update(status="failed", error=f"{type(exc).__name__}: {exc}")
            failures.append(row)
        rows.append(row)
    write_table(rows, out / "summary.csv")
    print(f"{len(rows) - len(failures)} of {len(rows)} item(s) reported into {out}; summary: {out / 'summary.csv'}")
    if failures:
        print(f"{len(failures)} failure(s):")
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
    parser.set_defaults(func=_cmd_explain)
