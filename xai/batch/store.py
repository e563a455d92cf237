"""The batch output folder: one result file per item written atomically as it ends, resume, failures, progress.

Layout of ``OUT`` (the only place a batch writes; an evaluation without a folder keeps results in memory)::

    batch.json          the manifest: task, kind, parameters, every item (key, name, input paths, fields), times
    _items/<key>.json   one item's result (written last, so its presence means the item is complete)
    _items/<key>.npz    its heatmaps, float32 (explain), names as in the result's ``heatmaps``
    <name>/report.*     its audit report (explain: report.html, report.json, report.pdf)
    failed.json         every failed item with its error (an unusable input, or retries used up)
    summary.csv         one row per item, sorted by item name (written when the run ends)

Every file is written to a temporary name beside it and renamed into place, so an interrupted run leaves only
whole files. An item's result records the models' file hashes; on resume it is reused only when they still match.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

SCHEMA = "face-xai-batch/1"
MANIFEST, FAILED, SUMMARY, ITEMS = "batch.json", "failed.json", "summary.csv", "_items"
OK, FAILED_STATUS = "ok", "failed"


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder and a rename (never half a file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(temporary, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(temporary, path)


def json_bytes(value) -> bytes:
    return (json.dumps(value, indent=2, ensure_ascii=False, allow_nan=True) + "\n").encode()


@dataclass(frozen=True, slots=True)
class Progress:
    """Where a batch stands, from its stored files: ``done`` items complete (ok), ``failed`` listed failed, of
    ``total``; ``finished`` False while it runs (or after it was interrupted)."""

    total: int
    done: int
    failed: int
    finished: bool

    @property
    def remaining(self) -> int:
        return max(self.total - self.done - self.failed, 0)


class BatchStore:
    """Results of one batch: in ``folder`` (None = in memory only, nothing written)."""

    def __init__(self, folder: str | Path | None):
        self.folder = Path(folder) if folder is not None else None
        self._memory: dict[str, dict] = {}
        self._failures: dict[str, dict] = {}

    # ------------------------------------------------------------------ paths
    def result_path(self, key: str) -> Path:
        return self.folder / ITEMS / f"{key}.json"

    def arrays_path(self, key: str) -> Path:
        return self.folder / ITEMS / f"{key}.npz"

    # ------------------------------------------------------------------ manifest
    def write_manifest(self, manifest: dict) -> None:
        if self.folder is not None:
            atomic_write(self.folder / MANIFEST, json_bytes({"schema": SCHEMA, **manifest}))

    def manifest(self) -> dict:
        """The stored manifest; ValueError when the folder holds none."""
        path = (self.folder or Path()) / MANIFEST
        if self.folder is None or not path.is_file():
            raise ValueError(f"{self.folder} is not a batch output folder (no {MANIFEST})")
        data = json.loads(path.read_text())
        if data.get("schema") != SCHEMA:
            raise ValueError(f"{path} is not a batch manifest ({SCHEMA})")
        return data

    # ------------------------------------------------------------------ results
    def put(self, result: dict, files: dict[str, bytes] | None = None,
            arrays: dict[str, np.ndarray] | None = None) -> None:
        """Store one item's result: its files (relative to the folder), heatmaps, then the result file itself."""
        key = result["key"]
        self._failures.pop(key, None)
        if self.folder is None:
            self._memory[key] = result
            return
        for relative, data in (files or {}).items():
            atomic_write(self.folder / relative, data)
        if arrays:
            import io

            buffer = io.BytesIO()
            np.savez(buffer, **{f"a{i}": np.asarray(a, np.float32) for i, a in enumerate(arrays.values())})
            atomic_write(self.arrays_path(key), buffer.getvalue())
        atomic_write(self.result_path(key), json_bytes(result))
        if result.get("status") == FAILED_STATUS:
            self._write_failed()

    def fail(self, key: str, name: str, error: str, inputs: Iterable[str] = ()) -> None:
        """List an item the engine gave up on (no result stored, so a resumed run tries it again)."""
        self._failures[key] = {"key": key, "name": name, "inputs": list(inputs), "stage": "engine", "error": error}
        self._write_failed()

    def results(self) -> dict[str, dict]:
        """Every stored result by key (a file that does not parse is ignored: it will be computed again)."""
        if self.folder is None:
            return dict(self._memory)
        out = {}
        for path in sorted((self.folder / ITEMS).glob("*.json")) if (self.folder / ITEMS).is_dir() else ():
            try:
                result = json.loads(path.read_text())
            except (OSError, ValueError):
                continue
            if result.get("key") == path.stem:
                out[path.stem] = result
        return out

    def arrays(self, key: str, names: list[str]) -> dict[str, np.ndarray]:
        """The heatmaps of item ``key`` by name ((h, w) float32 in [0, 1])."""
        with np.load(self.arrays_path(key)) as data:
            return {name: data[f"a{i}"] for i, name in enumerate(names)}

    def failures(self) -> list[dict]:
        """Failed items: item errors (stored results) and those the engine gave up on, sorted by name."""
        stored = [{"key": r["key"], "name": r["name"], "inputs": [i["path"] for i in r["inputs"]], "stage": "item",
                   "error": r["error"]} for r in self.results().values() if r.get("status") == FAILED_STATUS]
        engine = [f for f in self._failures.values()]
        if self.folder is not None and not self._failures and (self.folder / FAILED).is_file():
            done = set(self.results())
            try:  # a finished run's engine failures, as listed (unless computed since)
                engine = [f for f in json.loads((self.folder / FAILED).read_text())
                          if f.get("stage") == "engine" and f["key"] not in done]
            except (OSError, ValueError):
                engine = []
        return sorted(stored + engine, key=lambda f: (f["name"], f["key"]))

    def _write_failed(self) -> None:
        if self.folder is not None:
            atomic_write(self.folder / FAILED, json_bytes(self.failures()))

    def finish_failures(self) -> None:
        """Write ``failed.json`` as it stands at the end of a run (an empty list when nothing failed)."""
        self._write_failed()

    # ------------------------------------------------------------------ resume and progress
    @staticmethod
    def is_current(result: dict, model_hashes: dict[str, dict | None]) -> bool:
        """True when every model ``result`` recorded still has the same file hashes (``model_hashes``)."""
        return all(model_hashes.get(name) == hashes for name, hashes in result.get("models", {}).items())

    def progress(self) -> Progress:
        """Done / failed / total from the stored files (the run may still be going)."""
        manifest = self.manifest()
        keys = {i["key"] for i in manifest["items"]}
        results = {k: r for k, r in self.results().items() if k in keys}
        failed = {f["key"] for f in self.failures() if f["key"] in keys}
        done = sum(1 for r in results.values() if r.get("status") == OK)
        return Progress(len(keys), done, len(failed), manifest.get("finished_utc") is not None)
