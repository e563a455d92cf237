"""``python -m xai report --replay report.json [--inputs DIR]``: recompute an audit report and say what is identical
(exit 0 identical, 1 differs, 2 could not replay)."""

from __future__ import annotations

import argparse
import json
import sys

from xai.cli.output import print_json


def _cmd_report(args: argparse.Namespace) -> int:
    from xai.report.replay import replay_report
    from xai.tasks import REPORT_TASKS

    try:
        result = replay_report(args.replay, REPORT_TASKS, inputs_dir=args.inputs)
    except (ValueError, OSError, KeyError, json.JSONDecodeError) as exc:
        print(f"error: cannot replay {args.replay}: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print_json({"identical": result.identical, "error": result.error,
                    "items": [{"kind": i.kind, "key": i.key, "verdict": i.verdict, "old": i.old, "new": i.new}
                              for i in result.items]}, default=str)
    else:
        print(result.summary())
    if result.error:
        return 2
    return 0 if result.identical else 1


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("report", help="replay an audit report: recompute it and compare every number and hash")
    parser.add_argument("--replay", required=True, metavar="REPORT_JSON", help="the report.json to replay")
    parser.add_argument("--inputs", metavar="DIR", help="folder of the inputs (default: the report's folder, "
                                                        "then the sample folder)")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.set_defaults(func=_cmd_report)
