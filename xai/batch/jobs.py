"""The batch wiring (a composition root, like :mod:`xai.tasks`): what one item of each task computes in a worker,
and what a batch's stored results add up to (summary rows, metrics, a task's own tables).

Everything task-specific comes from the task table: the report builder (``explain``), the evaluation adapter
(``evaluate``), and a task's optional batch hooks (``batch_extra``, ``batch_tables``: verification adds both faces'
soft biometrics and seed 001 Table I). Jobs are small frozen dataclasses, pickled by reference to the workers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from xai.batch.items import Payload, WorkItem, make_items
from xai.batch.store import OK, BatchStore, Progress
from xai.batch.worker import JobOutput
from xai.evaluation.items import batch_fields
from xai.evaluation.scoring import Evaluation, ScoredItem, summarize_scored
from xai.tasks import TASKS, evaluation_task, get_task

EXPLAIN, EVALUATE = "explain", "evaluate"
#: the report score shown in the summary's ``score`` column: the first of these a report has
MAIN_SCORES = ("full_face.bona_fide_probability", "face.bona_fide_probability", "native_score", "liveness", "p_spoof")
SUMMARY_COLUMNS = ("item", "inputs", "status", "decision", "score", "report", "error", "key")


def main_score(scores: dict) -> str:
    """``name=value`` of the report's main score (:data:`MAIN_SCORES`), '' when it has none."""
    key = next((k for k in MAIN_SCORES if k in scores), None)
    return f"{key}={scores[key]:.6g}" if key else ""


# ---------------------------------------------------------------------------------------------- explain


@dataclass(frozen=True, slots=True)
class ExplainJob:
    """One audit report per item: ``NAME/report.{html,json,pdf}``, the heatmaps, decision and scores."""

    task: str
    parameters: dict
    redact: bool = False
    pdf: bool = True

    def __call__(self, payload: Payload, loader) -> JobOutput:
        from xai.report.builder import ReportInput
        from xai.report.html import render_html

        task = get_task(self.task)
        inputs = [ReportInput(name, role, data) for name, role, data in payload.inputs]
        report = task.report.build(inputs, self.parameters, loader)
        files = {f"{payload.name}/report.html": render_html(report, redact=self.redact).encode(),
                 f"{payload.name}/report.json": report.json_text().encode()}
        if self.pdf:
            from xai.report.pdf import render_pdf

            files[f"{payload.name}/report.pdf"] = render_pdf(report, redact=self.redact)
        heatmaps = [p for p in report.pictures if p.heatmap is not None]
        result = {"decision": str(report.decision.get("label")), "score": main_score(report.scores),
                  "scores": report.scores, "report": f"{payload.name}/report.html",
                  "heatmaps": {p.name: p.sha256 for p in heatmaps}}
        if task.batch_extra is not None:
            result.update(task.batch_extra(report, loader))
        return JobOutput(result, files, {p.name: p.heatmap for p in heatmaps})


def explain_items(task: str, source: Path, parameters: dict) -> list[WorkItem]:
    """The work items of ``python -m xai explain --task TASK --input SOURCE`` (ValueError/OSError as the readers)."""
    spec = get_task(task)
    rows = spec.batch_items(source)
    fields = batch_fields(source, rows)
    return make_items(task, EXPLAIN, [(n, p, f) for (n, p), f in zip(rows, fields, strict=True)], spec.input_roles,
                      parameters)


def explain_row(item_name: str, result: dict | None) -> dict:
    """One summary.csv row (:data:`SUMMARY_COLUMNS`) of a stored explain result (None: not done)."""
    if result is None:
        return {"item": item_name, "inputs": "", "status": "missing", "decision": "", "score": "", "report": "",
                "error": "", "key": ""}
    ok = result.get("status") == OK
    return {"item": result["name"], "inputs": " | ".join(i["path"] for i in result.get("inputs", [])),
            "status": result["status"], "decision": result.get("decision", "") if ok else "",
            "score": result.get("score", "") if ok else "", "report": result.get("report", "") if ok else "",
            "error": result.get("error") or "", "key": result["key"]}


def summary_rows(entries: Sequence[dict], results: dict[str, dict], failures: Sequence[dict]) -> list[dict]:
    """summary.csv rows of manifest ``entries`` (key, name, inputs), sorted by (name, key): stored results, and
    the items the engine gave up on (no result) as failed with their error."""
    given_up = {f["key"]: f for f in failures}
    rows = []
    for entry in sorted(entries, key=lambda e: (e["name"], e["key"])):
        row = explain_row(entry["name"], results.get(entry["key"]))
        if row["status"] == "missing" and entry["key"] in given_up:
            row.update(inputs=" | ".join(entry.get("inputs", [])), status="failed",
                       error=given_up[entry["key"]]["error"], key=entry["key"])
        rows.append(row)
    return rows


# ---------------------------------------------------------------------------------------------- evaluate


@dataclass(frozen=True, slots=True)
class EvaluateJob:
    """The bona fide score of one labelled item (the task's evaluator on a set of one)."""

    task: str
    model: str
    threshold: float

    def __call__(self, payload: Payload, loader) -> JobOutput:
        from xai.evaluation.items import LabelledItem

        item = LabelledItem(payload.name, tuple(Path(name) for name, _r, _d in payload.inputs),
                            int(payload.fields["label"]), tuple(data for _n, _r, data in payload.inputs))
        evaluation = evaluation_task(self.task).evaluate([item], self.model, self.threshold, 0.05, loader, None)
        scored = evaluation.items[0]
        return JobOutput({"bona_fide_score": scored.score, "accepted": scored.accepted, "threshold": self.threshold,
                          "score_name": evaluation.score_name}, error=scored.error)


def evaluate_items(task: str, source: str | Path, model: str | None,
                   threshold: float | None) -> tuple[list[WorkItem], EvaluateJob]:
    """Work items and job of ``python -m xai evaluate TASK --data SOURCE`` (model/threshold None = defaults)."""
    evaluation = evaluation_task(task)
    model = model or evaluation.default_model
    threshold = evaluation.default_threshold(model) if threshold is None else float(threshold)
    labelled = evaluation.load_items(source)
    roles = get_task(task).input_roles
    parameters = {"model": model, "threshold": threshold}
    items = make_items(task, EVALUATE, [(i.name, list(i.paths), {"label": i.label}) for i in labelled], roles,
                       parameters)
    return items, EvaluateJob(task, model, threshold)


@dataclass(frozen=True, slots=True)
class EsbJob:
    """``evaluate esb``: one pair verified and both faces' soft biometrics (seed 001 §III.E), no map."""

    model: str

    def __call__(self, payload: Payload, loader) -> JobOutput:
        from xai.core.images import decode_image
        from xai.verify.esb import pair_soft_biometrics
        from xai.verify.evaluate import score_sign
        from xai.verify.pipeline import verify_pair

        probe, gallery = (decode_image(data) for _n, _r, data in payload.inputs)
        verdict = verify_pair(probe, gallery, self.model, loader=loader)
        estimates = pair_soft_biometrics(probe, gallery, loader=loader, faces=(verdict.probe_face,
                                                                               verdict.gallery_face))
        sign = score_sign(self.model)
        return JobOutput({"accepted": bool(verdict.same_person), "score": verdict.native_score,
                          "bona_fide_score": sign * verdict.native_score, "threshold": sign * verdict.threshold,
                          "soft_biometrics": [{"estimator": e.estimator,
                                               "probe": {"gender": e.probe.gender, "age": float(e.probe.age)},
                                               "gallery": {"gender": e.gallery.gender, "age": float(e.gallery.age)}}
                                              for e in estimates]})


def esb_items(pairs_csv: Path, model: str) -> tuple[list[WorkItem], EsbJob]:
    """Work items and job of ``python -m xai evaluate esb --pairs CSV``."""
    from xai.evaluation.items import pair_batch

    rows = pair_batch(pairs_csv)
    fields = batch_fields(pairs_csv, rows)
    items = make_items("verify", "esb", [(n, p, f) for (n, p), f in zip(rows, fields, strict=True)],
                       get_task("verify").input_roles, {"model": model})
    return items, EsbJob(model)


# ---------------------------------------------------------------------------------------------- results


def _label(fields: dict) -> int | None:
    value = fields.get("label")
    return int(value) if value in (0, 1) else None


def evaluation_of(task: str, items: Sequence[dict], results: dict[str, dict], model: str | None = None,
                  apcer_target: float = 0.05) -> Evaluation | None:
    """The metrics of a batch's labelled items from their stored results, in manifest order.

    Items without a label or a bona fide score (an unlabelled explain batch, a task that records none) are left
    out; None when no item is both labelled and scored or failed. Failed items are kept with their error.
    """
    spec = TASKS.get(task)
    if spec is None or spec.evaluation is None:
        return None
    scored, threshold, score_name = [], None, "bona fide score"
    for entry in items:
        label, result = _label(entry.get("fields", {})), results.get(entry["key"])
        if label is None or result is None:
            continue
        if result.get("status") == OK and result.get("bona_fide_score") is not None:
            threshold = result["threshold"] if threshold is None else threshold
            score_name = result.get("score_name", score_name)
            scored.append(ScoredItem(entry["name"], label, float(result["bona_fide_score"]),
                                     bool(result["bona_fide_score"] >= result["threshold"])))
        elif result.get("status") != OK:
            scored.append(ScoredItem(entry["name"], label, None, None, result.get("error")))
    if not any(s.score is not None for s in scored):
        return None
    return summarize_scored(task, model or spec.evaluation.default_model, scored, threshold, score_name, apcer_target,
                            spec.evaluation.class_names)


@dataclass(frozen=True, slots=True)
class BatchView:
    """A batch output folder as the Evaluation page shows it.

    Attributes:
        folder: the folder; manifest: its ``batch.json``; progress: done / failed / total.
        rows: one row per item in name order (explain: the summary columns; evaluate: item, label, score, …).
        failures: failed items with their error (``failed.json``'s entries).
        evaluation: metrics of the labelled items, or None.
        tables: the task's own tables by title (verification: seed 001 Table I), rows as dicts.
    """

    folder: Path
    manifest: dict
    progress: Progress
    rows: list[dict]
    failures: list[dict]
    evaluation: Evaluation | None
    tables: dict[str, list[dict]]


def open_batch(folder: str | Path, apcer_target: float = 0.05) -> BatchView:
    """Read a batch output folder (it may still be running).

    Raises:
        ValueError: not a batch folder.
    """
    store = BatchStore(Path(folder).expanduser())
    manifest = store.manifest()
    results = store.results()
    task = manifest["task"]
    entries = sorted(manifest["items"], key=lambda i: (i["name"], i["key"]))
    failures = store.failures()
    rows = summary_rows(entries, results, failures)
    evaluation = evaluation_of(task, manifest["items"], results, manifest.get("parameters", {}).get("model"),
                               apcer_target)
    spec = TASKS.get(task)
    done = [results[e["key"]] for e in entries if e["key"] in results]
    tables = spec.batch_tables(done) if spec is not None and spec.batch_tables is not None else {}
    return BatchView(Path(folder), manifest, store.progress(), rows, failures, evaluation, tables)


def batch_running(folder: str | Path) -> bool:
    """Whether ``folder`` holds a batch whose manifest says it has not finished (running, or interrupted);
    False for a finished batch or a folder that holds none. Reads the manifest only."""
    try:
        return BatchStore(Path(folder).expanduser()).manifest().get("finished_utc") is None
    except (ValueError, OSError):
        return False
