"""Table rows (lists of dicts with the same keys) to CSV: a file (CLI ``--out``) or text (download buttons)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO


def _write(rows: Sequence[dict], fh: TextIO, fieldnames: Sequence[str] | None) -> None:
    writer = csv.DictWriter(fh, fieldnames=list(fieldnames or (list(rows[0]) if rows else ["empty"])))
    writer.writeheader()
    writer.writerows(rows)


def write_csv(rows: Sequence[dict], path: str | Path, fieldnames: Sequence[str] | None = None) -> None:
    """Rows to a CSV file; the header is ``fieldnames``, else the first row's keys (``empty`` for no row)."""
    with open(path, "w", newline="") as fh:
        _write(rows, fh, fieldnames)


def csv_text(rows: Sequence[dict], fieldnames: Sequence[str] | None = None) -> str:
    """Rows as CSV text (for download buttons); header as :func:`write_csv`."""
    buffer = io.StringIO()
    _write(rows, buffer, fieldnames)
    return buffer.getvalue()
