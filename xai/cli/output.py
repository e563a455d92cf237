"""The one place CLI commands write their results: ``--json`` on stdout, ``--out`` folders and CSV tables.

Every command that prints JSON or writes ``--out`` goes through these functions, so the formats stay the same
everywhere (JSON indented by 2, ASCII-escaped unless a command says otherwise; CSV headers from the rows).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from pathlib import Path

from xai.evaluation.tables import write_csv


def strict_json(value):
    """``value`` with every NaN or infinite float replaced by None, so that it serialises as strict JSON (null)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: strict_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [strict_json(v) for v in value]
    return value


def print_json(value, indent: int | None = 2, ensure_ascii: bool = True, default: Callable | None = None) -> None:
    """Print ``value`` as JSON on stdout (``json.dumps`` with these arguments)."""
    print(json.dumps(value, indent=indent, ensure_ascii=ensure_ascii, default=default))


def write_outputs(summary: dict, out_dir: str | None, as_json: bool, save_pictures: Callable[[Path], None],
                  json_name: str = "explanation.json") -> bool:
    """Write the ``--out`` folder and print the ``--json`` summary.

    Args:
        summary: the result as JSON-ready dict.
        out_dir: ``--out``; when given it is created, ``save_pictures`` fills it and ``json_name`` is added.
        as_json: ``--json``: print ``summary`` as indented JSON on stdout.
        save_pictures: writes the command's pictures into the folder it is given.
        json_name: file name of the summary in the folder.

    Returns:
        ``as_json``: True when stdout got the JSON, and the command prints nothing more.
    """
    if out_dir:
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        save_pictures(out)
        (out / json_name).write_text(json.dumps(summary, indent=2) + "\n")
    if as_json:
        print_json(summary)
    return as_json


def write_table(rows: Sequence[dict], path: str | Path, fieldnames: Sequence[str] | None = None) -> None:
    """Rows (dicts with the same keys) to the CSV file ``path`` (header: ``fieldnames``, else the first row's keys)."""
    write_csv(rows, path, fieldnames)
