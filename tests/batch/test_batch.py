"""The batch engine on a real local Dask cluster (loopback, worker processes of one thread) over 20 sample pairs.

Every pair of the five sample portraits in both orders is explained with FV-RISE (faceres, 16 masks, fp32) and
its soft biometrics, so each item is a real model run. The tests check what the issue asks: the same summary CSV
and heatmap SHA-256 with 1 worker and with 2; worker processes that die mid-run (an item's ``os._exit``, a SIGKILL
from outside, an item that kills every worker it lands on) without losing or duplicating an item; an item that
raises on every attempt listed failed after its retries; a resumed run that recomputes nothing; and a bad item
listed failed while the rest completes.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import shutil
import signal
import threading
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from itertools import combinations
from pathlib import Path

import numpy as np
import pytest

from xai.batch.engine import EngineSettings, run_batch, start_local_cluster
from xai.batch.items import make_items
from xai.batch.jobs import EXPLAIN, ExplainJob, explain_items, open_batch
from xai.batch.store import BatchStore
from xai.batch.worker import FAULTS_ENV
from xai.cli.main import main as cli_main

SAMPLES = Path(__file__).resolve().parents[2] / "assets" / "samples"
#: cheap explanations: the one-unit liveness CAM with 2 curve steps (spoof), 16 FV-RISE masks in fp32 (verify)
SPOOF = ["--task", "spoof", "--spoof-model", "human-liveness", "--steps", "2", "--no-gates", "--no-pdf", "--quiet"]
VERIFY = ["--task", "verify", "--verify-model", "faceres", "--masks", "16", "--precision", "fp32", "--no-gates",
          "--no-pdf", "--quiet"]
#: items with a fault rule (test hook of xai.batch.worker): the first attempt of VICTIM kills its worker process,
#: every attempt of DOOMED kills its worker, every attempt of CURSED raises. Items are submitted in name order:
#: CURSED first (its attempts are over before DOOMED starts, so no worker DOOMED kills is running it), DOOMED last
VICTIM, DOOMED, CURSED = "victim", "zz-doomed", "aa-cursed"
RUN_LIMIT_S = 240


def _portraits(folder: Path) -> Path:
    """20 real portraits: each of the five samples as shipped, mirrored, scaled to 80 % and re-encoded (JPEG 80)."""
    from PIL import Image, ImageOps

    folder.mkdir(parents=True)
    for path in sorted(p for p in SAMPLES.iterdir() if p.suffix in (".jpg", ".png")):
        image = Image.open(path).convert("RGB")
        shutil.copy(path, folder / f"{path.stem}-as-shipped{path.suffix}")
        ImageOps.mirror(image).save(folder / f"{path.stem}-mirrored.png")
        image.resize((image.width * 4 // 5, image.height * 4 // 5)).save(folder / f"{path.stem}-scaled.png")
        image.save(folder / f"{path.stem}-jpeg80.jpg", quality=80)
    return folder


def _pairs_folder(folder: Path, sample_index: list[dict]) -> Path:
    """The samples and pairs.csv with each unordered pair (10), same = same identity, the ground-truth genders."""
    folder.mkdir(parents=True)
    identity = {s["file"]: s.get("identity") for s in sample_index}
    gender = {f: "female" if f == "astronaut.png" else "male" for f in identity}
    for name in identity:
        shutil.copy(SAMPLES / name, folder / name)
    rows = ["probe,gallery,same,probe_gender,gallery_gender"]
    rows += [f"{a},{b},{int(identity[a] == identity[b])},{gender[a]},{gender[b]}"
             for a, b in combinations(sorted(identity), 2)]
    (folder / "pairs.csv").write_text("\n".join(rows) + "\n")
    return folder


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """Two worker processes on 127.0.0.1 with the fault rules of ``VICTIM``, ``DOOMED`` and ``CURSED``."""
    marker = tmp_path_factory.mktemp("fault") / "died"
    # inherited by the spawned worker processes (and by those the nannies restart)
    os.environ[FAULTS_ENV] = f"{VICTIM}=exit-once:{marker},{DOOMED}=exit,{CURSED}=raise"
    local = start_local_cluster(2, tmp_path_factory.mktemp("dask"))
    try:
        yield local, marker
    finally:
        os.environ.pop(FAULTS_ENV, None)
        local.close(timeout=30)


def _explain(options: list[str], source: Path, out: Path, *engine: str) -> int:
    return cli_main(["explain", *options, "--input", str(source), "--out", str(out), "--timeout", str(RUN_LIMIT_S),
                     *engine])


def _heatmap_hashes(out: Path) -> dict[str, dict[str, str]]:
    """item name → heatmap name → SHA-256 of the stored float32 array (recomputed from the .npz)."""
    store = BatchStore(out)
    found = {}
    for key, result in store.results().items():
        arrays = store.arrays(key, list(result["heatmaps"]))
        found[result["name"]] = {n: hashlib.sha256(np.ascontiguousarray(a, np.float32).tobytes()).hexdigest()
                                 for n, a in arrays.items()}
        assert found[result["name"]] == result["heatmaps"]  # the recorded hash is the stored array's
    return found


def test_one_and_two_workers_give_the_same_summary_and_heatmaps(cluster, tmp_path, capsys):
    local, _marker = cluster
    source = _portraits(tmp_path / "in")
    assert _explain(SPOOF, source, tmp_path / "two", "--cluster", local.scheduler_address) == 0
    assert _explain(SPOOF, source, tmp_path / "one", "--workers", "1") == 0
    assert capsys.readouterr().out.count("20 of 20 item(s) reported") == 2
    two, one = (tmp_path / "two" / "summary.csv").read_bytes(), (tmp_path / "one" / "summary.csv").read_bytes()
    assert two == one
    rows = list(csv.DictReader(open(tmp_path / "two" / "summary.csv")))
    assert [r["item"] for r in rows] == sorted(r["item"] for r in rows) and len(rows) == 20
    assert all(r["score"].startswith("face.bona_fide_probability=") for r in rows)
    hashes = _heatmap_hashes(tmp_path / "two")
    assert hashes == _heatmap_hashes(tmp_path / "one") and len(hashes) == 20
    assert len({h["face/heatmap"] for h in hashes.values()}) == 20  # 20 different maps, not one repeated
    results = BatchStore(tmp_path / "two").results().values()
    assert len({r["timing"]["worker"] for r in results}) == 2  # both workers took items
    # each model is loaded once per worker process and serves every later item there
    assert all(set(r["timing"]["loads"].values()) == {1} for r in results)


def test_a_worker_killed_mid_run_loses_and_duplicates_nothing_and_a_bad_item_is_listed(cluster, tmp_path, capsys):
    local, marker = cluster
    source = _portraits(tmp_path / "in")
    # the victim is a real portrait with bytes of its own (another key than obama-as-shipped)
    (source / f"{VICTIM}.jpg").write_bytes((SAMPLES / "obama.jpg").read_bytes() + b"victim")
    (source / "broken.jpg").write_bytes(b"this is not an image")
    out = tmp_path / "out"
    code = _explain(SPOOF, source, out, "--cluster", local.scheduler_address)
    printed = capsys.readouterr().out
    assert code == 1 and marker.is_file(), printed  # a worker process really died on the victim's first attempt
    assert "21 of 22 item(s) reported" in printed
    rows = list(csv.DictReader(open(out / "summary.csv")))
    assert len(rows) == len({r["item"] for r in rows}) == 22  # none lost, none duplicated
    status = {r["item"]: r["status"] for r in rows}
    assert status[VICTIM] == "ok" and status["broken"] == "failed"
    assert sum(s == "ok" for s in status.values()) == 21
    failed = json.loads((out / "failed.json").read_text())
    assert [f["name"] for f in failed] == ["broken"] and failed[0]["error"].startswith("ImageInputError")
    assert len(list((out / "_items").glob("*.json"))) == 22 and (out / VICTIM / "report.html").is_file()
    assert not (out / "_dask").exists()  # the workers' scratch folder is gone


@contextmanager
def own_cluster(n_workers: int, scratch: Path) -> Iterator:
    """A local cluster for one test that may leave it without workers; closed afterwards (a nanny left closing
    by Dask is warned about, not fatal: its daemonic worker processes end with pytest)."""
    local = start_local_cluster(n_workers, scratch)
    try:
        yield local
    finally:
        try:
            local.close(timeout=30)
        except Exception as exc:  # noqa: BLE001
            warnings.warn(f"the test's cluster did not close in 30 s: {exc!r}", stacklevel=1)


def explain_in_background(*arguments) -> tuple[threading.Thread, list[int]]:
    """Start ``_explain(*arguments)`` in a thread; (the thread, the list its exit code is appended to)."""
    codes: list[int] = []
    run = threading.Thread(target=lambda: codes.append(_explain(*arguments)))
    run.start()
    return run, codes


def wait_for_stored(out: Path, count: int, run: threading.Thread) -> int:
    """Wait (at most RUN_LIMIT_S) until ``count`` results are stored in ``out`` or ``run`` ended; how many are."""
    deadline = time.monotonic() + RUN_LIMIT_S
    while len(list(out.glob("_items/*.json"))) < count and run.is_alive() and time.monotonic() < deadline:
        time.sleep(0.05)
    return len(list(out.glob("_items/*.json")))


@pytest.fixture
def cluster_to_wreck(cluster, tmp_path):
    """A 2-process cluster of its own (the fault rules of :func:`cluster`) for a test that kills workers repeatedly:
    after several deaths Dask's nannies may not restart a worker (seen on CI: the shared cluster was left with none
    and the next tests found no worker), so the damage stays in this test."""
    with own_cluster(2, tmp_path / "dask-wrecked") as local:
        yield local


def test_a_worker_killed_from_outside_and_items_that_keep_failing_end_listed_never_lost(cluster_to_wreck, tmp_path,
                                                                                       capsys):
    """SIGKILL one worker process after the third stored result; DOOMED kills each worker it lands on until Dask
    gives up on it (allowed failures); CURSED raises on each of its 1 + 2 retried attempts."""
    from distributed import Client

    local = cluster_to_wreck
    source = _portraits(tmp_path / "in")
    for name in (DOOMED, CURSED):  # real portraits with bytes of their own (keys of their own)
        (source / f"{name}.jpg").write_bytes((SAMPLES / "biden.jpg").read_bytes() + name.encode())
    out = tmp_path / "out"
    with Client(local.scheduler_address, timeout="30s") as client:
        target_pid = next(iter(client.run(os.getpid).values()))
    run, codes = explain_in_background(SPOOF, source, out, "--cluster", local.scheduler_address,
                                       "--no-worker-timeout", "90")
    stored_at_kill = wait_for_stored(out, 3, run)
    os.kill(target_pid, signal.SIGKILL)
    run.join(RUN_LIMIT_S + 60)
    assert not run.is_alive() and codes == [1], capsys.readouterr().out
    assert 3 <= stored_at_kill < 22  # the kill fell mid-run
    rows = list(csv.DictReader(open(out / "summary.csv")))
    assert len(rows) == len({r["item"] for r in rows}) == 22  # none lost, none duplicated
    status = {r["item"]: r["status"] for r in rows}
    assert set(status.values()) <= {"ok", "failed"} and status[DOOMED] == status[CURSED] == "failed"
    # an item that ran beside DOOMED when its workers died may be given up too, but not most of them
    assert sum(s == "ok" for s in status.values()) >= 18
    failed = {f["name"]: f["error"] for f in json.loads((out / "failed.json").read_text())}
    assert set(failed) == {name for name, s in status.items() if s == "failed"}
    assert failed[DOOMED].startswith("KilledWorker") and "died" in failed[DOOMED]
    assert failed[CURSED] == f"RuntimeError: fault rule: item {CURSED} always raises (after 3 attempts)"
    assert len(list((out / "_items").glob("*.json"))) == sum(s == "ok" for s in status.values())


def test_resume_recomputes_nothing_done_and_only_what_is_missing(cluster, tmp_path, capsys):
    local, _marker = cluster
    source = _portraits(tmp_path / "in")
    out = tmp_path / "out"
    assert _explain(SPOOF, source, out, "--cluster", local.scheduler_address) == 0
    stamps = {p.name: p.stat().st_mtime_ns for p in (out / "_items").iterdir()}
    summary = (out / "summary.csv").read_bytes()
    assert _explain(SPOOF, source, out, "--resume") == 0  # nothing to do: no cluster is even started
    assert "(20 reused from an earlier run)" in capsys.readouterr().out
    assert {p.name: p.stat().st_mtime_ns for p in (out / "_items").iterdir()} == stamps
    assert (out / "summary.csv").read_bytes() == summary
    gone = sorted(out.glob("_items/*.json"))[:2]  # as if the run had been killed before these two ended
    for path in gone:
        path.unlink()
    assert _explain(SPOOF, source, out, "--resume", "--cluster", local.scheduler_address) == 0
    assert "(18 reused from an earlier run)" in capsys.readouterr().out
    after = {p.name: p.stat().st_mtime_ns for p in (out / "_items").iterdir()}
    recomputed = {p.stem for p in gone}  # their result and heatmaps, nothing else
    assert {name for name in after if after[name] != stamps.get(name)} == {f"{k}.{e}" for k in recomputed
                                                                           for e in ("json", "npz")}
    assert (out / "summary.csv").read_bytes() == summary


def test_a_verification_batch_gives_the_metrics_and_table_one_from_its_stored_results(cluster, sample_index,
                                                                                       tmp_path):
    local, _marker = cluster
    out = tmp_path / "out"
    assert _explain(VERIFY, _pairs_folder(tmp_path / "in", sample_index), out, "--cluster",
                    local.scheduler_address) == 0
    assert all(len(h) == 2 for h in _heatmap_hashes(out).values())  # similarity and dissimilarity maps
    view = open_batch(out)  # what the Evaluation page shows, from the stored files only
    assert (view.progress.done, view.progress.failed, view.progress.total, view.progress.finished) == (10, 0, 10, True)
    evaluation = view.evaluation
    assert evaluation is not None and evaluation.summary.n == 10
    assert evaluation.summary.n_bona_fide == 3  # the three Obama portraits pair up three ways
    # each pair's decision agrees with its stored score and threshold
    assert all(i.accepted == (i.score >= evaluation.summary.threshold) for i in evaluation.items)
    (table,) = view.tables.values()
    groups = {(r["estimator"], r["group"]): r for r in table}
    for estimator in {r["estimator"] for r in table}:
        assert groups[(estimator, "FV Match")]["gender n"] == 2 * 3  # both faces of each genuine pair
        assert groups[(estimator, "FV Non-Match")]["gender n"] == 2 * 7
        assert sum(groups[(estimator, c)]["gender n"] for c in ("FV-TP", "FV-FN", "FV-FP", "FV-TN")) == 20


def test_changed_parameters_or_inputs_change_the_key(tmp_path):
    image = tmp_path / "a.jpg"
    image.write_bytes((SAMPLES / "obama.jpg").read_bytes())
    rows = [("a", [image], {})]
    base = make_items("gates", EXPLAIN, rows, ("image",), {"seed": 0})[0].key
    assert make_items("gates", EXPLAIN, rows, ("image",), {"seed": 0})[0].key == base
    assert make_items("gates", EXPLAIN, rows, ("image",), {"seed": 1})[0].key != base
    assert make_items("spoof", EXPLAIN, rows, ("image",), {"seed": 0})[0].key != base
    image.write_bytes((SAMPLES / "obama2.jpg").read_bytes())
    assert make_items("gates", EXPLAIN, rows, ("image",), {"seed": 0})[0].key != base
    twice = make_items("gates", EXPLAIN, [("a", [image], {}), ("a", [image], {}), ("a", [SAMPLES / "biden.jpg"], {})],
                       ("image",), {})
    assert [i.name for i in twice] == ["a", "a~2"]  # the same inputs listed twice are one item; names stay unique


def test_in_process_run_stores_the_same_results_as_the_cluster_would(sample_index, tmp_path, monkeypatch):
    """--workers 0: no cluster, the same task function and store (what the bench's plain loop is compared with)."""
    source = tmp_path / "in"
    source.mkdir()
    shutil.copy(SAMPLES / "obama.jpg", source / "obama.jpg")
    (source / "bad.png").write_bytes(b"\x89PNG broken")
    shutil.copy(SAMPLES / "biden.jpg", source / f"{CURSED}.jpg")
    monkeypatch.setenv(FAULTS_ENV, f"{CURSED}=raise")  # read by run_item in this very process
    items = explain_items("gates", source, {})
    store = BatchStore(tmp_path / "out")
    seen = []
    run = run_batch(items, ExplainJob("gates", {}, pdf=False), store, "gates", EXPLAIN, {"parameters": {}},
                    EngineSettings(workers=0, timeout_s=RUN_LIMIT_S), lambda item, result: seen.append(item.name))
    assert (run.total, run.computed, run.failed, run.workers) == (3, 3, 2, 0)
    assert sorted(seen) == [CURSED, "bad", "obama"]
    view = open_batch(tmp_path / "out")
    assert [(r["item"], r["status"]) for r in view.rows] == [(CURSED, "failed"), ("bad", "failed"), ("obama", "ok")]
    assert view.evaluation is None
    errors = {f["name"]: f["error"] for f in view.failures}
    assert errors["bad"].startswith("ImageInputError")  # the item's own error: not retried
    assert errors[CURSED] == f"RuntimeError: fault rule: item {CURSED} always raises (after 3 attempts)"


def test_a_cluster_left_without_workers_ends_the_run_with_the_waiting_items_listed(tmp_path, capsys):
    """Its own one-worker cluster, closed after the second stored result: the run ends within the no-worker limit
    (not hanging on the scheduler), every item is ok or listed with the reason, none lost or duplicated."""
    source = _portraits(tmp_path / "in")
    out = tmp_path / "out"
    with own_cluster(1, tmp_path / "dask") as local:
        run, codes = explain_in_background(SPOOF, source, out, "--cluster", local.scheduler_address,
                                           "--no-worker-timeout", "3")
        wait_for_stored(out, 2, run)
        local.scale(0)  # the nanny and its worker process are closed; nothing restarts them
        run.join(60)  # 3 s without a worker, plus the last items the closing worker may still finish
        assert not run.is_alive() and codes == [1], capsys.readouterr().out
    rows = list(csv.DictReader(open(out / "summary.csv")))
    assert len(rows) == len({r["item"] for r in rows}) == 20
    status = {r["item"]: r["status"] for r in rows}
    assert set(status.values()) == {"ok", "failed"} and sum(s == "ok" for s in status.values()) >= 2
    failed = {f["name"]: f["error"] for f in json.loads((out / "failed.json").read_text())}
    assert set(failed) == {name for name, s in status.items() if s == "failed"}
    assert all(e.startswith("NoWorkersError: the cluster had no worker for 3 s") for e in failed.values()), failed
