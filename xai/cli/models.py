"""``python -m xai models [--json]``: every registered model, loaded or missing with the fix (exit 1 if a required
one is missing)."""

from __future__ import annotations

import argparse

from xai.cli.output import print_json


def _cmd_models(args: argparse.Namespace) -> int:
    from models.registry import all_status

    statuses = all_status()
    if args.json:
        print_json([s.as_dict() for s in statuses])
    else:
        width = max(len(s.name) for s in statuses)
        for s in statuses:
            state = "loaded" if s.loaded else ("optional, not enabled" if s.optional else "MISSING")
            print(f"{s.name:<{width}}  {s.role:<9}  {state:<21}  {s.summary}")
            if not s.loaded:
                print(f"{'':<{width}}  fix: {s.message}")
    required_missing = [s.name for s in statuses if not s.loaded and not s.optional]
    return 1 if required_missing else 0


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("models", help="list every registered model: loaded, or missing with the fix")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.set_defaults(func=_cmd_models)
