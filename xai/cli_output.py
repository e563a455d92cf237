"""What the explain commands (``spoof``, ``idcard``) do with a finished explanation: ``--out`` files and ``--json``."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path


def write_outputs(summary: dict, out_dir: str | None, as_json: bool, save_pictures: Callable[[Path], None]) -> bool:
    """Write the ``--out`` folder and print the ``--json`` summary.

    Args:
        summary: the explanation as JSON-ready dict.
        out_dir: ``--out``; when given it is created, ``save_pictures`` fills it and ``explanation.json`` is added.
        as_json: ``--json``: print ``summary`` as indented JSON on stdout.
        save_pictures: writes the command's pictures into the folder it is given.

    Returns:
        ``as_json``: True when stdout got the JSON, and the command prints nothing more.
    """
    if out_dir:
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        save_pictures(out)
        (out / "explanation.json").write_text(json.dumps(summary, indent=2) + "\n")
    if as_json:
        print(json.dumps(summary, indent=2))
    return as_json
