"""Command line of the studio: one parser built from one module per command group.

Each module in :data:`COMMANDS` registers its sub-command(s) with a ``register(sub)`` function and writes its
results through :mod:`xai.cli.output`; task-specific choices come from the task table :mod:`xai.tasks`. A new
command group is one new module and one line here.
"""

from __future__ import annotations

import argparse
import logging
import os
from collections.abc import Callable

from xai.cli import evaluate, explain, gates, idcard, models, report, spoof, train, verify

os.environ.setdefault("GLOG_minloglevel", "2")  # keep MediaPipe's C++ logging off the terminal
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

#: sub-command registrations, in the order ``--help`` lists them
COMMANDS: tuple[Callable[[argparse._SubParsersAction], None], ...] = (
    models.register, spoof.register, verify.register, verify.register_calibrate, evaluate.register, train.register,
    idcard.register, gates.register, report.register, explain.register)


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
