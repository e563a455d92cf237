"""Command line of the studio. Each sub-command is a function registered in :data:`COMMANDS`.

Later sub-commands (``spoof``, ``verify``, ``gates``, ``idcard``, ``evaluate``, ``report``, ``train``) add one
``add_*`` function here and one line in :data:`COMMANDS`.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
from collections.abc import Callable

os.environ.setdefault("GLOG_minloglevel", "2")  # keep MediaPipe's C++ logging off the terminal
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def _cmd_models(args: argparse.Namespace) -> int:
    from models.registry import all_status

    statuses = all_status()
    if args.json:
        print(json.dumps([s.as_dict() for s in statuses], indent=2))
    else:
        width = max(len(s.name) for s in statuses)
        for s in statuses:
            state = "loaded" if s.loaded else ("optional, not enabled" if s.optional else "MISSING")
            print(f"{s.name:<{width}}  {s.role:<9}  {state:<21}  {s.summary}")
            if not s.loaded:
                print(f"{'':<{width}}  fix: {s.message}")
    required_missing = [s.name for s in statuses if not s.loaded and not s.optional]
    return 1 if required_missing else 0


def add_models(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("models", help="list every registered model: loaded, or missing with the fix")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.set_defaults(func=_cmd_models)


COMMANDS: tuple[Callable[[argparse._SubParsersAction], None], ...] = (add_models,)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m xai", description="Explainability studio for face biometrics")
    sub = parser.add_subparsers(dest="command", required=True)
    for add in COMMANDS:
        add(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    args = build_parser().parse_args(argv)
    return args.func(args)
