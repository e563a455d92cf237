"""What runs in a worker process: the per-process model cache and the task function of every item.

:func:`run_item` is the one function the engine submits. It takes a *job* (a picklable callable of the wiring,
:mod:`xai.batch.jobs`) and an item's :class:`~xai.batch.items.Payload` (inputs by content), and returns the item's
outcome. Errors of the item itself (an unreadable image, no face, a missing model: ``ValueError``, ``OSError``,
:class:`~xai.core.faces.FaceError`, :class:`~models.base.ModelUnavailableError`) are part of the outcome and are not
retried, because they would happen again; any other exception propagates and the engine retries the item.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from models.base import ModelUnavailableError
from xai.batch.items import Payload

#: test hook, for fault tests with real worker deaths: comma-separated ``NAME=ACTION`` rules for the item called
#: NAME. ``exit`` kills the worker process (``os._exit``) every time it starts the item; ``exit-once:MARKER`` kills
#: it the first time only (it creates the file MARKER, so the retry succeeds); ``raise`` raises RuntimeError (an
#: unexpected error, retried by the engine). Workers read it from their environment, inherited from the cluster.
FAULTS_ENV = "XAI_BATCH_FAULTS"
#: exit status of a worker killed by :data:`FAULTS_ENV`
CRASH_STATUS = 70
#: a fault rule kills a worker only once its process is this old (seconds): a worker that dies while its Dask nanny
#: is still starting it is not restarted (the nanny can even hang closing), which a crash in model code, after
#: the models have loaded, never meets; the engine's no-worker limit ends a run that does meet it
SETTLED_S = 4.0


@dataclass(slots=True)
class JobOutput:
    """What a job computes for one item.

    Attributes:
        result: JSON-ready fields of the item's result (decision, scores, heatmap hashes, …).
        files: files for the output folder, path relative to it → bytes (e.g. "NAME/report.html").
        arrays: heatmaps by name, (h, w) float32 in [0, 1], stored as ``_items/<key>.npz``.
        error: the item's own failure, said by the job (e.g. an evaluator that keeps errors per item); None = ok.
    """

    result: dict
    files: dict[str, bytes] = field(default_factory=dict)
    arrays: dict[str, np.ndarray] = field(default_factory=dict)
    error: str | None = None


Job = Callable[[Payload, Callable], JobOutput]
"""job(payload, loader) → :class:`JobOutput`; ``loader(name)`` returns a model from this process's cache."""


class ModelCache:
    """The models of this process, loaded once and kept by (name, weight-file hashes).

    A model whose files changed (a user model registered again) is a new key and is loaded again. :attr:`loads`
    counts, per name, the distinct model objects this process has built (1 when a model loaded once and served
    every item), and :meth:`used` reports what one item asked for.
    """

    def __init__(self, load: Callable | None = None):
        self._load = load
        self._models: dict[tuple[str, str], object] = {}
        self.loads: dict[str, int] = {}
        self._used: dict[str, dict[str, str]] = {}

    def _registry_load(self, name: str):
        from models.registry import load_model

        return (self._load or load_model)(name)

    def __call__(self, name: str):
        model = self._registry_load(name)  # the registry's own per-process cache: cheap after the first call
        hashes = model.file_hashes()
        key = (name, ",".join(f"{k}={v}" for k, v in sorted(hashes.items())))
        if self._models.get(key) is not model:
            self._models[key] = model
            self.loads[name] = self.loads.get(name, 0) + 1
        self._used[name] = dict(hashes)
        return self._models[key]

    def start_item(self) -> None:
        self._used = {}

    def used(self) -> dict[str, dict[str, str]]:
        """Models asked for since :meth:`start_item`, name → {file name → SHA-256}."""
        return dict(self._used)


_CACHE = ModelCache()
_PREPARED = False


def _prepare_process() -> None:
    """Once per process: one torch thread (results do not depend on the thread count, and N workers share cores)."""
    global _PREPARED
    if not _PREPARED:
        import torch

        torch.set_num_threads(1)
        _PREPARED = True


def fault_rules(text: str) -> dict[str, str]:
    """The rules of a :data:`FAULTS_ENV` value, item name → action ('' → none)."""
    pairs = (rule.partition("=") for rule in text.split(",") if rule.strip())
    return {name.strip(): action.strip() for name, _eq, action in pairs}


def _fault_hook(name: str) -> None:
    action = fault_rules(os.environ.get(FAULTS_ENV, "")).get(name)
    if action is None:
        return
    if action == "raise":
        raise RuntimeError(f"fault rule: item {name} always raises")
    kind, _colon, marker = action.partition(":")
    if kind == "exit" or (kind == "exit-once" and marker and not Path(marker).exists()):
        _wait_until_settled()
        if marker:
            Path(marker).write_text(f"worker {os.getpid()} died on {name}\n")
        os._exit(CRASH_STATUS)


def _wait_until_settled() -> None:
    import psutil

    age = time.time() - psutil.Process().create_time()
    if age < SETTLED_S:
        time.sleep(SETTLED_S - age)


def expected_errors() -> tuple[type[BaseException], ...]:
    """Exceptions that are an item's own outcome (not retried)."""
    from xai.core.faces import FaceError

    return (ValueError, OSError, FaceError, ModelUnavailableError)


def run_item(job: Job, payload: Payload) -> dict:
    """Compute one item in this process.

    Returns:
        {"status": "ok" | "failed", "error": str | None, "result": dict, "files": {path: bytes},
        "arrays": {name: (h, w) float32}, "models": {name: {file: sha256}}, "seconds": float, "worker": pid,
        "loads": {name: count}}.
    """
    _prepare_process()
    _fault_hook(payload.name)
    _CACHE.start_item()
    start = time.perf_counter()
    try:
        output = job(payload, _CACHE)
        status, error = ("ok", None) if output.error is None else ("failed", output.error)
    except expected_errors() as exc:
        output, status, error = JobOutput({}), "failed", f"{type(exc).__name__}: {exc}"
    return {"status": status, "error": error, "result": output.result, "files": output.files,
            "arrays": output.arrays, "models": _CACHE.used(), "seconds": time.perf_counter() - start,
            "worker": os.getpid(), "loads": dict(_CACHE.loads)}


def current_model_hashes(names: list[str]) -> dict[str, dict | None]:
    """File hashes of the models called ``names`` as they are now (None for one that does not load)."""
    out: dict[str, dict | None] = {}
    for name in names:
        try:
            out[name] = _CACHE(name).file_hashes()
        except (ValueError, OSError, ModelUnavailableError):
            out[name] = None
    return out
