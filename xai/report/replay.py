"""Replay an audit report: recompute everything from ``report.json`` and its inputs, and compare.

1. Each input is found (``--inputs DIR``, the report's folder, or the sample folder) by its file name, else by its
   SHA-256 among the folder's files; a file whose SHA-256 differs from the recorded one is flagged **before**
   anything is recomputed.
2. The recorded parameters are checked against their recorded SHA-256 (an edited parameter is flagged).
3. The pipeline runs again with those parameters (its task's :class:`~xai.report.builder.ReportTask` may adjust
   them: a verification map that "auto" scored in bf16 is replayed in bf16); every number (decision, scores, faithfulness, gate JSON except timings) and every
   heatmap hash is compared **exactly**: "identical" or "differs" with the old and new values.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from xai.core.samples import SAMPLES_DIR
from xai.report.builder import (
    VOLATILE_KEYS,
    AuditReport,
    ReportInput,
    ReportTask,
    canonical_json,
    report_task,
    sha256_bytes,
)


@dataclass(frozen=True, slots=True)
class ReplayItem:
    """One compared quantity: ``kind`` is "input", "parameters", "number" or "heatmap"."""

    kind: str
    key: str
    old: object
    new: object
    identical: bool

    @property
    def verdict(self) -> str:
        return "identical" if self.identical else "differs"


@dataclass(frozen=True, slots=True)
class ReplayResult:
    """Every comparison of a replay; ``report`` is the recomputed report (None when it could not be rebuilt)."""

    items: tuple[ReplayItem, ...]
    report: AuditReport | None
    error: str | None = None

    @property
    def identical(self) -> bool:
        return self.error is None and all(i.identical for i in self.items)

    @property
    def differences(self) -> list[ReplayItem]:
        return [i for i in self.items if not i.identical]

    def summary(self) -> str:
        """One line per item, then the verdict."""
        lines = [f"{i.verdict:<9} {i.kind:<10} {i.key}" + ("" if i.identical else f": {i.old!r} → {i.new!r}")
                 for i in self.items]
        if self.error:
            lines.append(f"error: {self.error}")
        n = len(self.items)
        lines.append(f"{'IDENTICAL' if self.identical else 'DIFFERS'}: {n - len(self.differences)} of {n} items "
                     "identical")
        return "\n".join(lines)


def flatten(value, prefix: str = "") -> dict[str, object]:
    """Nested dicts/lists → {"a.b[0].c": scalar}, without the run-dependent keys (timings)."""
    out: dict[str, object] = {}
    if isinstance(value, dict):
        for k, v in value.items():
            if k in VOLATILE_KEYS:
                continue
            out.update(flatten(v, f"{prefix}.{k}" if prefix else str(k)))
    elif isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            out.update(flatten(v, f"{prefix}[{i}]"))
    else:
        out[prefix] = value
    return out


def replayed_numbers(report_json: dict) -> dict[str, object]:
    """The quantities a replay compares, from a report's JSON."""
    numbers = {}
    for section in ("decision", "scores", "faithfulness"):
        numbers.update(flatten(report_json.get(section, {}), section))
    for gate in report_json.get("gates", []):
        numbers.update(flatten(gate.get("verdicts", []), f"gates.{gate['input']}.verdicts"))
        numbers.update(flatten(gate.get("response", {}), f"gates.{gate['input']}.response"))
    return numbers


def _same(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return a == b


def _find_input(record: dict, folders: list[Path]) -> tuple[bytes | None, str]:
    for folder in folders:
        path = folder / record["name"]
        if path.is_file():
            return path.read_bytes(), str(path)
    for folder in folders:  # renamed file: look it up by its hash
        if not folder.is_dir():
            continue
        for path in sorted(folder.iterdir()):
            if path.is_file() and path.stat().st_size == record.get("bytes"):
                data = path.read_bytes()
                if hashlib.sha256(data).hexdigest() == record["sha256"]:
                    return data, str(path)
    return None, ""


def replay_report(report_json: dict | str | Path, tasks: Mapping[str, ReportTask], inputs_dir: str | Path | None = None,
                  inputs: dict[str, bytes] | None = None, loader: Callable | None = None) -> ReplayResult:
    """Recompute a report and compare it with the recorded one.

    Args:
        report_json: the parsed ``report.json``, or its path.
        tasks: task name → how its report is rebuilt (the task table's, :mod:`xai.tasks`).
        inputs_dir: folder of the inputs (default: the report's folder, then the sample folder).
        inputs: input bytes by recorded file name (overrides the folders; for in-memory use).
        loader: model loader.

    Returns:
        The :class:`ReplayResult`; ``identical`` is True only when every input, the parameters, every number and
        every heatmap hash are identical.
    """
    base: Path | None = None
    if not isinstance(report_json, dict):
        base = Path(report_json).resolve().parent
        report_json = json.loads(Path(report_json).read_text())
    folders = [Path(inputs_dir)] if inputs_dir else []
    folders += [f for f in (base, SAMPLES_DIR) if f is not None]
    items: list[ReplayItem] = []
    given: list[ReportInput] = []
    for record in report_json["inputs"]:
        data = (inputs or {}).get(record["name"])
        if data is None:
            data, _where = _find_input(record, folders)
        if data is None:
            return ReplayResult(tuple(items), None, f"input {record['name']!r} not found in "
                                                    f"{', '.join(str(f) for f in folders)}; pass --inputs DIR")
        new_hash = sha256_bytes(data)
        items.append(ReplayItem("input", f"{record['role']} {record['name']} sha256", record["sha256"], new_hash,
                                new_hash == record["sha256"]))
        given.append(ReportInput(record["name"], record["role"], data))
    recorded = report_json.get("integrity", {}).get("parameters_sha256")
    now = sha256_bytes(canonical_json(report_json["parameters"]).encode())
    items.append(ReplayItem("parameters", "parameters sha256", recorded, now, recorded == now))
    try:
        task = report_task(tasks, report_json["task"])
        rebuilt = task.build(given, task.replay_parameters(report_json), loader=loader)
    except (ValueError, OSError) as exc:
        return ReplayResult(tuple(items), None, f"{type(exc).__name__}: {exc}")
    new_json = rebuilt.to_json()
    old_numbers, new_numbers = replayed_numbers(report_json), replayed_numbers(new_json)
    for key in sorted(set(old_numbers) | set(new_numbers)):
        old, new = old_numbers.get(key, "(absent)"), new_numbers.get(key, "(absent)")
        items.append(ReplayItem("number", key, old, new, _same(old, new)))
    old_maps = {m["name"]: m["sha256"] for m in report_json.get("heatmaps", [])}
    new_maps = {m["name"]: m["sha256"] for m in new_json["heatmaps"]}
    for key in sorted(set(old_maps) | set(new_maps)):
        old, new = old_maps.get(key, "(absent)"), new_maps.get(key, "(absent)")
        items.append(ReplayItem("heatmap", key, old, new, old == new))
    return ReplayResult(tuple(items), rebuilt)
