"""The task table: the composition root that wires each task's pipeline, evaluation and report (may import all).

A :class:`Task` says everything a caller (CLI, pages, replay) needs about one task: its name and title, the roles
of its inputs, its default model, how its report is rebuilt (:class:`~xai.report.builder.ReportTask`), how a batch
of unlabelled inputs is read and how batch options become report parameters, and, for tasks scored over a
labelled set, its :class:`~xai.evaluation.adapter.TaskEvaluation` (class names, evaluator, demo set, …).
:data:`TASKS` lists them; :func:`get_task` and :func:`evaluation_task` look one up and raise ``ValueError``
naming the valid ones. Adding a task adds one entry here, never an ``if task == …`` elsewhere.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from xai.evaluation.adapter import TaskEvaluation
from xai.evaluation.items import BatchItem, image_batch, pair_batch
from xai.evaluation.scoring import Evaluation, ProgressFn
from xai.idcard.evaluate import EVALUATION as IDCARD_EVALUATION
from xai.spoof.evaluate import EVALUATION as SPOOF_EVALUATION
from xai.verify.evaluate import EVALUATION as VERIFY_EVALUATION

# isort: split
# ---- report builders (xai/<task>/report.py): every report import of the table is here, in one place
from xai.gates.report import GATE_RUNNER, gates_report_task
from xai.idcard.report import idcard_report_task
from xai.report.builder import AuditReport, ReportInput, ReportTask
from xai.spoof.report import spoof_report_task
from xai.verify.report import verify_report_task

BatchOptions = Mapping[str, Any]
"""The batch command's options by name (``vars(args)`` of ``python -m xai explain``)."""


@dataclass(frozen=True, slots=True)
class Task:
    """One task of the studio.

    Attributes:
        name: the key recorded in reports and typed on the command line ("spoof", "verify", "gates", "idcard").
        title: its name for people, with the seed it implements.
        default_model: the model (family) used when none is named; None when the task has no model choice.
        report: how its audit report is rebuilt from inputs and recorded parameters (replay, batch explain).
        batch_items: folder/CSV/file → (item name, input paths) of a batch to explain, paths in ``input_roles``
            order.
        batch_parameters: batch options (:data:`BatchOptions`) → the report parameters.
        evaluation: how it is scored over a labelled set; None when it is not (the gates).
        evaluate_model_option: the ``python -m xai evaluate`` option (dest) that names its model, when evaluated.
        batch_extra: (report, model loader) → fields a batch stores beside each item's report (run in the worker);
            None = none.
        batch_tables: a batch's stored results → the task's own tables, title → rows; None = none.
    """

    name: str
    title: str
    default_model: str | None
    report: ReportTask
    batch_items: Callable[[Path], list[BatchItem]]
    batch_parameters: Callable[[BatchOptions], dict]
    evaluation: TaskEvaluation | None = None
    evaluate_model_option: str | None = None
    batch_extra: Callable[[AuditReport, Callable | None], dict] | None = None
    batch_tables: Callable[[Sequence[dict]], dict[str, list[dict]]] | None = None

    @property
    def input_roles(self) -> tuple[str, ...]:
        """The roles of its inputs, in order (e.g. ("probe", "gallery"))."""
        return self.report.input_roles

    @property
    def class_names(self) -> tuple[str, str] | None:
        """Words for label 0 (attack) and label 1 (bona fide) of its evaluation; None when not evaluated."""
        return self.evaluation.class_names if self.evaluation is not None else None


def _spoof_parameters(o: BatchOptions) -> dict:
    return {"family": o["spoof_model"], "cam_method": o["cam"], "mask_top_percent": o["mask_top"],
            "curve_steps": o["steps"], "target_layer": None, "seed": o["seed"], "with_gates": not o["no_gates"]}


def _verify_parameters(o: BatchOptions) -> dict:
    return {"model": o["verify_model"], "explainer": o["explainer"], "n_masks": o["masks"], "seed": o["seed"],
            "sampling": o["sampling"], "precision": o["precision"], "both_ways": o["both_ways"],
            "with_gates": not o["no_gates"]}


def _idcard_parameters(o: BatchOptions) -> dict:
    return {"model": o["idcard_model"], "seed": o["seed"]}


def _verify_batch_extra(report: AuditReport, loader: Callable | None) -> dict:
    """A verified pair in a batch: its bona fide score (signed similarity) and both faces' soft biometrics (ESB)."""
    from models.registry import load_model
    from xai.verify.esb import pair_soft_biometrics
    from xai.verify.evaluate import score_sign

    sign = score_sign(report.parameters["model"])
    probe, gallery = (record.image for record in report.inputs)
    return {"bona_fide_score": sign * report.scores["native_score"], "threshold": sign * report.scores["threshold"],
            "accepted": bool(report.decision["same_person"]),
            "score_name": "cosine similarity" if sign > 0 else "negated Euclidean distance",
            "soft_biometrics": [{"estimator": e.estimator, **{side: {"gender": est.gender, "age": float(est.age)}
                                                              for side, est in (("probe", e.probe),
                                                                                ("gallery", e.gallery))}}
                                for e in pair_soft_biometrics(probe, gallery, loader=loader or load_model)]}


def verify_esb_records(results: Sequence[dict]) -> list:
    """The :class:`~xai.verify.esb.EsbRecord` of each face of a batch's pairs that have a ``same`` column."""
    from xai.verify.esb import EsbRecord, fv_category

    records = []
    for r in results:
        fields = r.get("fields", {})
        if r.get("status") != "ok" or fields.get("label") not in (0, 1) or "soft_biometrics" not in r:
            continue
        category = fv_category(fields["label"] == 1, bool(r["accepted"]))
        for estimate in r["soft_biometrics"]:
            for side in ("probe", "gallery"):
                age, gender = fields.get(f"{side}_age") or None, (fields.get(f"{side}_gender") or "").strip().lower()
                records.append(EsbRecord(category, estimate["estimator"], estimate[side]["gender"],
                                         estimate[side]["age"], gender or None, float(age) if age else None))
    return records


def _verify_batch_tables(results: Sequence[dict]) -> dict[str, list[dict]]:
    """Seed 001 Table I over a batch's pairs that have a ``same`` column (ground-truth ages/genders optional)."""
    from xai.verify.esb import esb_table
    from xai.verify.evaluate import esb_rows

    records = verify_esb_records(results)
    return {"ESB: soft biometrics by face-verification outcome (seed 001 Table I)": esb_rows(esb_table(records))} \
        if records else {}


TASKS: dict[str, Task] = {t.name: t for t in (
    Task("spoof", "Face anti-spoofing (seed 000)", SPOOF_EVALUATION.default_model, spoof_report_task(GATE_RUNNER),
         image_batch, _spoof_parameters, SPOOF_EVALUATION, "spoof_model"),
    Task("verify", "Face verification (seed 001)", VERIFY_EVALUATION.default_model, verify_report_task(GATE_RUNNER),
         pair_batch, _verify_parameters, VERIFY_EVALUATION, "model", _verify_batch_extra, _verify_batch_tables),
    Task("gates", "Passive-liveness quality gates (seed 002)", None, gates_report_task(), image_batch,
         lambda _options: {}),
    Task("idcard", "ID-card recapture (seed 003)", IDCARD_EVALUATION.default_model, idcard_report_task(),
         image_batch, _idcard_parameters, IDCARD_EVALUATION, "idcard_model"),
)}
#: the tasks scored over a labelled set, in table order
EVALUATED: tuple[str, ...] = tuple(name for name, t in TASKS.items() if t.evaluation is not None)


def get_task(name: str) -> Task:
    """``TASKS[name]``.

    Raises:
        ValueError: unknown name (the message lists the valid ones).
    """
    if name not in TASKS:
        raise ValueError(f"unknown task {name!r}; choose one of: {', '.join(TASKS)}")
    return TASKS[name]


def evaluation_task(name: str) -> TaskEvaluation:
    """The evaluation of task ``name``.

    Raises:
        ValueError: unknown name, or a task not scored over a labelled set (the message lists those that are).
    """
    task = TASKS.get(name)
    if task is None or task.evaluation is None:
        raise ValueError(f"unknown task {name!r}; choose one of: {', '.join(EVALUATED)}")
    return task.evaluation


def evaluate(task: str, source: str | Path | Sequence, model: str | None = None, threshold: float | None = None,
             apcer_target: float = 0.05, loader: Callable | None = None,
             progress: ProgressFn | None = None) -> Evaluation:
    """Run the pipeline of ``task`` over ``source`` (a folder or CSV path, or labelled items); model None = its
    default, threshold None = its default (0.5, or a verification model's own)."""
    return evaluation_task(task).run(source, model, threshold, apcer_target, loader, progress)


def build_report(task: str, inputs: Sequence[ReportInput], parameters: dict,
                 loader: Callable | None = None) -> AuditReport:
    """Rebuild a ``task`` report from its inputs (in ``input_roles`` order) and recorded ``parameters``.

    Raises:
        ValueError: unknown task, wrong number of inputs, or unknown parameter names.
    """
    return get_task(task).report.build(inputs, parameters, loader)


#: every task's report rebuild, by name (what :func:`xai.report.replay.replay_report` needs)
REPORT_TASKS: dict[str, ReportTask] = {name: t.report for name, t in TASKS.items()}
