"""``python -m xai gates IMAGE...``: the seed 002 passive-liveness gates, one JSON response per image.

Registered in :data:`xai.cli.main.COMMANDS` by :func:`register`.
"""

from __future__ import annotations

import argparse
import sys

from xai.cli.output import print_json


def _read(path: str) -> tuple[bytes | None, str | None]:
    from xai.core.images import MAX_BYTES

    try:
        with open(path, "rb") as fh:
            return fh.read(MAX_BYTES + 1), None
    except OSError as exc:
        return None, f"{path}: {exc.strerror or exc}"


def _cmd_gates(args: argparse.Namespace) -> int:
    from models.base import ModelUnavailableError
    from xai.gates import DEFAULT_LIVENESS_MODELS, GateResult, GateThresholds, build_response, run_gates

    try:
        thresholds = GateThresholds().with_changes(min_face_w=args.min_face[0], min_face_h=args.min_face[1])
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    models = tuple(args.model or DEFAULT_LIVENESS_MODELS)
    failed = 0
    for path in args.images:
        data, problem = _read(path)
        if data is None:
            result = GateResult(False, problem, job_id=path, thresholds=thresholds, models=models,
                                error="ImageInputError")
        else:
            try:
                result = run_gates(data, thresholds, models=models, job_id=args.job_id or path)
            except (ValueError, ModelUnavailableError) as exc:
                result = GateResult(False, f"{path}: {exc}", job_id=path, thresholds=thresholds, models=models,
                                    error=type(exc).__name__)
        failed += not result.ok
        response = build_response(result, with_explanations=not args.seed_only)
        print_json(response, indent=args.indent, ensure_ascii=False)
    return 1 if failed else 0


def register(sub: argparse._SubParsersAction) -> None:
    from models.registry import names

    parser = sub.add_parser("gates", help="passive-liveness quality gates and live/spoof/doubt decision (seed 002)",
                            description="Prints one JSON response per image (the seed's fields plus 'explanations'). "
                                        "Exit status 1 when any image could not be judged (ok: false).")
    parser.add_argument("images", nargs="+", metavar="IMAGE")
    parser.add_argument("--model", action="append", choices=names("spoof"),
                        help="liveness model (repeatable; the score is their mean; default resnet18-cbam-full_face)")
    parser.add_argument("--min-face", nargs=2, type=int, default=(300, 300), metavar=("W", "H"),
                        help="minimum face size in pixels (default: the seed's 300 300)")
    parser.add_argument("--seed-only", action="store_true", help="only the seed's fields, no 'explanations'")
    parser.add_argument("--indent", type=int, default=None, help="pretty-print with this indent (default: one line)")
    parser.add_argument("--job-id", default=None, help="job.id of the response (default: the image path)")
    parser.set_defaults(func=_cmd_gates)
