"""Run every work item of a batch on Dask distributed and store each result the moment it arrives.

The default is a local cluster on this machine's cores: worker *processes* (one thread each) on 127.0.0.1, no
dashboard, nothing to start by hand. ``cluster="tcp://HEAD:8786"`` sends the same items to a running scheduler.
At most :attr:`EngineSettings.window` items are in flight, so a protocol of thousands of pairs never sits in
memory at once; results are taken in completion order (``as_completed``) and stored by key, so order and worker
count change nothing in the outputs. A worker that dies has its items rescheduled by Dask (up to
``allowed_failures`` deaths per item); an item whose task raises is retried ``retries`` times; an item that still
fails is listed in ``failed.json`` and the run goes on.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import time
import warnings
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from xai.batch.items import WorkItem
from xai.batch.store import FAILED_STATUS, OK, BatchStore
from xai.batch.worker import Job, current_model_hashes, run_item

ItemDone = Callable[[WorkItem, dict], None]
"""on_done(item, stored result): called on the client after each item is stored (progress bars)."""

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True, slots=True)
class EngineSettings:
    """How a batch runs.

    Attributes:
        workers: local worker processes; None = every core of this machine (never more than the items to do);
            0 = no cluster, every item in this process (same task function, same store).
        cluster: address of a running Dask scheduler (e.g. "tcp://head:8786"); ``workers`` is then ignored.
        resume: reuse stored results whose inputs, parameters and model files are unchanged.
        retries: extra attempts of an item whose task raised an unexpected exception.
        allowed_failures: worker deaths one item may cause before it is listed failed (local clusters; a remote
            scheduler uses its own ``distributed.scheduler.allowed-failures``).
        window: items in flight at once; None = 4 per worker thread (at least 8).
        timeout_s: the whole run's limit in seconds (None = none); items not done by then are listed failed.
        no_worker_s: how long the cluster may have no worker at all while items wait; after that they are listed
            failed and the run ends (a Dask nanny whose worker dies while it is being started is not restarted,
            so an item that kills workers can leave a cluster with none).
    """

    workers: int | None = None
    cluster: str | None = None
    resume: bool = False
    retries: int = 2
    allowed_failures: int = 2
    window: int | None = None
    timeout_s: float | None = None
    no_worker_s: float = 120.0


@dataclass(frozen=True, slots=True)
class BatchRun:
    """What a run did: ``computed`` items sent to workers, ``reused`` taken from a previous run, ``failed`` of
    ``total`` listed failed, on ``workers`` worker threads (0 = in this process)."""

    total: int
    computed: int
    reused: int
    failed: int
    workers: int


def local_worker_count(requested: int | None, n_items: int) -> int:
    """Worker processes of a local cluster: ``requested``, else every core, never more than ``n_items`` (≥ 1)."""
    wanted = requested if requested else (os.cpu_count() or 1)
    return max(1, min(wanted, max(n_items, 1)))


def _dask_config(settings: EngineSettings) -> dict:
    # no spilling: task arguments hold image bytes, which must never reach a worker's disk
    return {"distributed.scheduler.allowed-failures": settings.allowed_failures,
            "distributed.worker.memory.target": False, "distributed.worker.memory.spill": False,
            "distributed.worker.memory.pause": False, "distributed.worker.memory.terminate": False}


def start_local_cluster(n_workers: int, scratch: Path, settings: EngineSettings = EngineSettings()):
    """A ``distributed.LocalCluster`` as the engine starts it: ``n_workers`` processes of one thread on 127.0.0.1,
    no dashboard, no memory limit and no spilling, worker files under ``scratch``; the caller closes it."""
    import dask
    from distributed import LocalCluster

    path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)
    with dask.config.set(_dask_config(settings)), warnings.catch_warnings():
        # dashboard off; the scheduler's small HTTP server (health checks) takes a free port on 127.0.0.1
        warnings.filterwarnings("ignore", message="Port .* is already in use", category=UserWarning)
        return LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                            dashboard_address=None, memory_limit=0, local_directory=str(scratch),
                            env={"PYTHONPATH": path, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"})


class _Cluster:
    """A Dask client on a local cluster (started and closed here) or on a running scheduler."""

    def __init__(self, settings: EngineSettings, n_items: int, scratch: Path):
        from distributed import Client

        self.cluster = None
        if settings.cluster:
            self.client = Client(settings.cluster, timeout="30s")
        else:
            self.cluster = start_local_cluster(local_worker_count(settings.workers, n_items), scratch, settings)
            self.client = Client(self.cluster)

    @property
    def threads(self) -> int:
        return sum(w.get("nthreads", 1) for w in self.client.scheduler_info()["workers"].values()) or 1

    def close(self) -> None:
        self.client.close(timeout=10)
        if self.cluster is not None:
            self.cluster.close(timeout=10)


def _record(item: WorkItem, kind: str, task: str, outcome: dict) -> dict:
    """The stored result of ``item`` from a worker's outcome (``run_item``'s dict)."""
    return {"key": item.key, "name": item.name, "task": task, "kind": kind, "status": outcome["status"],
            "error": outcome["error"],
            "inputs": [{"path": str(i.path), "role": i.role, "sha256": i.sha256} for i in item.inputs],
            "fields": item.fields, **outcome["result"], "models": outcome["models"],
            "timing": {"seconds": outcome["seconds"], "worker": outcome["worker"], "loads": outcome["loads"]}}


def _unreadable(item: WorkItem, error: str) -> dict:
    return {"status": FAILED_STATUS, "error": error, "result": {}, "models": {}, "seconds": 0.0, "worker": os.getpid(),
            "loads": {}}


def run_batch(items: Sequence[WorkItem], job: Job, store: BatchStore, task: str, kind: str, manifest: dict,
              settings: EngineSettings = EngineSettings(), on_done: ItemDone | None = None) -> BatchRun:
    """Compute every item (or reuse it with ``settings.resume``) and store its result as it arrives.

    Args:
        items: the batch, keys and names unique (:func:`xai.batch.items.make_items`).
        job: what one item computes, run in the workers (:mod:`xai.batch.jobs`); must pickle.
        store: where results go (:class:`~xai.batch.store.BatchStore`).
        task, kind: recorded in each result and the manifest.
        manifest: extra manifest fields (parameters, source, …).
        settings: cluster, resume, retries (:class:`EngineSettings`).
        on_done: called after each stored item, in completion order.

    Returns:
        what was done (:class:`BatchRun`). Ctrl-C stops the run; everything stored so far stays.
    """
    from xai.report.builder import utc_now

    store.write_manifest({"task": task, "kind": kind, "created_utc": utc_now(), "finished_utc": None,
                          **manifest, "items": [{"key": i.key, "name": i.name, "inputs": [str(p.path) for p in i.inputs],
                                                 "fields": i.fields} for i in items]})
    todo, reused = _plan(items, store, settings.resume)
    for item in items:
        if item.key in reused and on_done:
            on_done(item, reused[item.key])
    scratch = Path(tempfile.mkdtemp(prefix="xai-batch-")) if store.folder is None else store.folder / "_dask"
    scratch.mkdir(parents=True, exist_ok=True)
    workers = 0
    try:
        if settings.workers == 0 and not settings.cluster:
            _run_here(todo, job, store, task, kind, settings, on_done)
        elif todo:
            levels = quiet_dask_logs()
            cluster = _Cluster(settings, len(todo), scratch)
            try:
                workers = cluster.threads
                _run_on(cluster.client, workers, todo, job, store, task, kind, settings, on_done)
            finally:
                cluster.close()
                for name, level in levels.items():
                    logging.getLogger(name).setLevel(level)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    store.finish_failures()
    failed = len(store.failures())
    store.write_manifest({**store_manifest(store, task, kind, manifest, items), "finished_utc": utc_now()})
    return BatchRun(len(items), len(todo), len(reused), failed, workers)


def quiet_dask_logs() -> dict[str, int]:
    """Raise Dask's loggers to ERROR for the run (worker restarts are reported per item, not as log noise);
    returns their levels to restore."""
    import distributed  # noqa: F401 — its import configures the loggers set here

    names = ["distributed", *(n for n in logging.root.manager.loggerDict if n.startswith("distributed."))]
    levels = {n: logging.getLogger(n).level for n in names}
    for n in names:
        logging.getLogger(n).setLevel(logging.ERROR)
    return levels


def store_manifest(store: BatchStore, task: str, kind: str, manifest: dict, items: Sequence[WorkItem]) -> dict:
    try:
        stored = store.manifest()
    except ValueError:
        stored = {"task": task, "kind": kind, **manifest,
                  "items": [{"key": i.key, "name": i.name, "inputs": [str(p.path) for p in i.inputs],
                             "fields": i.fields} for i in items]}
    stored.pop("schema", None)
    return stored


def _plan(items: Sequence[WorkItem], store: BatchStore, resume: bool) -> tuple[list[WorkItem], dict[str, dict]]:
    """(items to compute, reusable stored results by key)."""
    if not resume:
        return list(items), {}
    stored = store.results()
    candidates = {i.key: stored[i.key] for i in items if i.key in stored}
    names = sorted({m for r in candidates.values() for m in r.get("models", {})})
    hashes = current_model_hashes(names) if names else {}
    reused = {k: r for k, r in candidates.items() if store.is_current(r, hashes)}
    return [i for i in items if i.key not in reused], reused


def _store(store: BatchStore, item: WorkItem, task: str, kind: str, outcome: dict, on_done: ItemDone | None) -> None:
    record = _record(item, kind, task, outcome)
    store.put(record, outcome["files"] if outcome["status"] == OK else None,
              outcome["arrays"] if outcome["status"] == OK else None)
    if on_done:
        on_done(item, record)


def _give_up(store: BatchStore, item: WorkItem, error: str, on_done: ItemDone | None) -> None:
    store.fail(item.key, item.name, error, [str(i.path) for i in item.inputs])
    if on_done:
        on_done(item, {"key": item.key, "name": item.name, "status": FAILED_STATUS, "error": error})


def _raised(exc: BaseException, attempts: int) -> str:
    """The listed error of an item whose task raised ``exc`` on each of its ``attempts``."""
    return f"{type(exc).__name__}: {exc} (after {attempts} attempts)"


def _timed_out(settings: EngineSettings) -> str:
    """The listed error of an item not done within the run's limit."""
    return f"TimeoutError: not done within {settings.timeout_s} s"


def _run_here(todo: list[WorkItem], job: Job, store: BatchStore, task: str, kind: str, settings: EngineSettings,
              on_done: ItemDone | None) -> None:
    deadline = None if settings.timeout_s is None else time.monotonic() + settings.timeout_s
    for item in todo:
        if deadline is not None and time.monotonic() > deadline:
            _give_up(store, item, _timed_out(settings), on_done)
            continue
        if item.unreadable:
            _store(store, item, task, kind, _unreadable(item, item.unreadable), on_done)
            continue
        for attempt in range(settings.retries + 1):
            try:
                outcome = run_item(job, item.payload())
            except OSError as exc:  # the input vanished since it was hashed
                outcome = _unreadable(item, f"{type(exc).__name__}: {exc}")
            except Exception as exc:  # noqa: BLE001 — retried, then listed; never fatal to the run
                if attempt == settings.retries:
                    _give_up(store, item, _raised(exc, attempt + 1), on_done)
                continue
            _store(store, item, task, kind, outcome, on_done)
            break


def _run_on(client, threads: int, todo: list[WorkItem], job: Job, store: BatchStore, task: str, kind: str,
            settings: EngineSettings, on_done: ItemDone | None) -> None:
    from distributed import KilledWorker, as_completed

    pending = deque(todo)
    in_flight: dict[str, WorkItem] = {}
    # with_results: a result is fetched as its task ends, so no later wait can hang on a worker that died since
    completed = as_completed([], with_results=True, raise_errors=False)
    deadline = None if settings.timeout_s is None else time.monotonic() + settings.timeout_s
    watch = _WorkerWatch(client, settings.no_worker_s)

    def submit_next() -> None:
        while pending:
            item = pending.popleft()
            if item.unreadable:
                _store(store, item, task, kind, _unreadable(item, item.unreadable), on_done)
                continue
            try:
                payload = item.payload()
            except OSError as exc:
                _store(store, item, task, kind, _unreadable(item, f"{type(exc).__name__}: {exc}"), on_done)
                continue
            future = client.submit(run_item, job, payload, key=f"xai-item-{item.key}", retries=settings.retries,
                                   pure=False)
            in_flight[future.key] = item
            completed.add(future)
            return

    def give_up_the_rest(error: str) -> None:
        for item in [*in_flight.values(), *pending]:
            _give_up(store, item, error, on_done)
        in_flight.clear()
        pending.clear()

    for _ in range(settings.window or max(8, 4 * threads)):
        submit_next()
    while in_flight:  # each pass stores what has ended, or waits 0.05 s under the deadline and the no-worker limit
        batch = completed.next_batch(block=False)
        if not batch:
            if deadline is not None and time.monotonic() > deadline:
                give_up_the_rest(_timed_out(settings))
            elif watch.workerless_for() > settings.no_worker_s:
                give_up_the_rest(_no_workers(settings))
            else:
                time.sleep(0.05)
            continue
        for future, result in batch:
            item = in_flight.pop(future.key)
            # the result, not future.status: the future may be "lost" again by now if its worker died since
            if isinstance(result, dict):
                _store(store, item, task, kind, result, on_done)
            elif isinstance(result, tuple) and isinstance(result[1], KilledWorker):  # died allowed_failures + 1 times
                _give_up(store, item, f"KilledWorker: {result[1]}", on_done)
            elif isinstance(result, tuple):  # (type, exception, traceback): raised on every attempt, never fatal
                _give_up(store, item, _raised(result[1], settings.retries + 1), on_done)
            else:  # a CancelledError, e.g. from another client of a shared scheduler
                _give_up(store, item, f"CancelledError: the task was cancelled on the cluster ({result})", on_done)
            future.release()
            submit_next()


def _no_workers(settings: EngineSettings) -> str:
    """The listed error of an item still waiting when the cluster had had no worker for the stated time."""
    return (f"NoWorkersError: the cluster had no worker for {settings.no_worker_s:g} s (its workers died and none "
            "came back); the item did not run")


class _WorkerWatch:
    """How long the scheduler has had no worker, asked at most every 2 s (a cheap scheduler call)."""

    def __init__(self, client, limit_s: float):
        self._client, self._clock = client, time.monotonic
        self._asked = self._since = None
        self._every = min(2.0, limit_s / 4)

    def workerless_for(self) -> float:
        """Seconds since the scheduler was first seen with no worker (0 while it has one)."""
        now = self._clock()
        if self._asked is None or now - self._asked >= self._every:
            self._asked = now
            try:
                workers = self._client.scheduler_info(n_workers=-1)["workers"]
            except Exception:  # noqa: BLE001 — an unreachable scheduler counts as no worker
                workers = {}
            if workers:
                self._since = None
            elif self._since is None:
                self._since = now
        return 0.0 if self._since is None else now - self._since
