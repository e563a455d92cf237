"""The quality-gates section of an audit report (seed 002), and the gate records other tasks' reports hold.

:func:`build_gates_report` runs :func:`xai.gates.run_gates` with explicit thresholds and models (replay, batch
explain); :func:`assemble_gates_report` makes the same report from a :class:`~xai.gates.GateResult` already
computed (the page's). :data:`GATE_RUNNER` is how a spoof or verification report runs the gates without importing
this package (the composition root :mod:`xai.tasks` hands it on); :func:`gate_section` turns results already
computed (a page's gate strip) into a report's gate section.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Sequence

from xai.gates import DEFAULT_LIVENESS_MODELS, GateResult, GateThresholds, build_response, gate_strip, run_gates
from xai.gates.overlay import evidence_overlay, residual_picture, spectrum_picture
from xai.report.builder import (
    VOLATILE_KEYS,
    AuditReport,
    GateRecord,
    GateRunner,
    GateSection,
    PlainLanguage,
    ReportInput,
    ReportTask,
    gates_card_record,
    input_record,
    limits_text,
    model_record,
    rendered_picture,
    report_software,
    utc_now,
)

#: the ``job.id`` of every gate response in a report, whoever ran the gates (a page's run has its own id)
REPORT_JOB_ID = "audit-report"


def gate_record(input_name: str, result: GateResult) -> GateRecord:
    """The report record of one input's gate result: compact verdicts and the seed-002 JSON (``job.id`` =
    :data:`REPORT_JOB_ID`, so a report does not depend on who ran the gates)."""
    result = dataclasses.replace(result, job_id=REPORT_JOB_ID)
    return GateRecord(input_name, tuple({"key": c.key, "label": c.label, "verdict": c.verdict, "text": c.text}
                                        for c in gate_strip(result)), build_response(result))


def run_gate_record(item: ReportInput, models: Sequence[str], loader: Callable | None = None) -> GateRecord:
    """Run the gates with the seed's thresholds and ``models`` on one input and record them."""
    return gate_record(item.name, run_gates(item.data, models=tuple(models), loader=loader, job_id=REPORT_JOB_ID))


#: runs the gates for spoof and verification reports (default thresholds, the seed's liveness models by default)
GATE_RUNNER = GateRunner(tuple(DEFAULT_LIVENESS_MODELS), run_gate_record)


def gate_section(inputs: Sequence[ReportInput], results: Sequence[GateResult]) -> GateSection:
    """The gate section of a report from gate results already computed, one per input (same models each).

    Raises:
        ValueError: not one result per input, results with different models or thresholds other than the seed's
            (a spoof or verification report records only ``gate_models``, so a replay runs the seed's thresholds).
    """
    if len(inputs) != len(results):
        raise ValueError(f"{len(results)} gate result(s) for {len(inputs)} input(s)")
    models = {r.models for r in results}
    if len(models) != 1:
        raise ValueError(f"the gate results used different liveness models: {sorted(models)}")
    if any(r.thresholds != GateThresholds() for r in results):
        raise ValueError("a spoof or verification report records gates run with the seed's thresholds only")
    return GateSection(models.pop(), tuple(gate_record(i.name, r) for i, r in zip(inputs, results, strict=True)))


def assemble_gates_report(image: ReportInput, result: GateResult, loader: Callable | None = None) -> AuditReport:
    """Audit report of the seed-002 quality gates already run on one image (its thresholds and models recorded).

    Args:
        image: the input file ``result`` was computed from.
        result: :func:`xai.gates.run_gates` of ``image.data``.
        loader: model loader for the model records; None = ``models.registry.load_model``.
    """
    record = input_record(image)
    models = list(result.models)
    params = {"thresholds": json.loads(json.dumps(dataclasses.asdict(result.thresholds))), "models": models,
              "seed": 0}
    gate = gate_record(image.name, result)
    response = gate.response
    record_models = (gates_card_record(), *(model_record(n, loader) for n in models))
    scores: dict[str, float] = {}
    pictures = []
    if result.ok:
        scores = {"liveness": result.liveness.liveness, "artifact": result.components.artifact,
                  "spoof_edge": result.components.spoof_edge, "deformation": result.components.deformation,
                  "sharpness": result.quality.sharpness, "contrast": result.quality.contrast,
                  "brightness": result.quality.brightness}
        scores.update({f"liveness.{k}": v for k, v in result.liveness.per_model.items()})
    if result.appearance is not None and result.components is not None:
        pictures = [rendered_picture("evidence", "face box, pose axes, regions, border lines, glare and moiré patch",
                                     evidence_overlay(result), True),
                    rendered_picture("spectrum", "spectrum excess of the face patch; circles: strongest peaks",
                                     spectrum_picture(result), False),
                    rendered_picture("deformation", "mirror landmark pairs: where a rigid symmetric face would differ",
                                     residual_picture(result), False)]
    outcome = result.decision.outcome if result.decision is not None else "not judged"
    reasons = list(result.decision.reasons) if result.decision is not None else [result.message]
    failing = [c["label"] for c in gate.verdicts if c["verdict"] in ("reject", "doubt")]
    plain = PlainLanguage(
        shows=(f"The photo went through a checklist of measurable requirements (file, face size and pose, image "
               f"sharpness, contrast and brightness, signs of paper or screen) and a liveness model. The outcome is "
               f"'{outcome}'" + (f"; the checks that raised a doubt or a rejection: {', '.join(failing)}." if failing
                                 else ".") + (" Reasons: " + "; ".join(reasons) if reasons else "")),
        does_not_show=("The checks are hand-made measures calibrated on a few sample portraits; a pass does not "
                       "certify that the photo is a live person, and a doubt does not prove an attack. They do not "
                       "identify the person."),
        faithfulness=("Every number is a direct measurement with the threshold printed beside it in the checklist; "
                      "no saliency map is involved, so no deletion/insertion faithfulness applies. The evidence "
                      "pictures show where each measure looked."),
        limits=limits_text(record_models))
    details = {k: v for k, v in response.get("explanations", {}).items() if k not in VOLATILE_KEYS}
    return AuditReport("gates", utc_now(), (record,), record_models, "quality gates (seed 002)", params, 0,
                       report_software(),
                       {"label": outcome, "code": result.decision.code if result.decision is not None else None,
                        "message": result.message, "ok": result.ok},
                       scores, tuple(pictures), {}, (gate,), plain, details)


def build_gates_report(image: ReportInput, thresholds: dict | None = None, models: Sequence[str] | None = None,
                       loader: Callable | None = None) -> AuditReport:
    """Audit report of the seed-002 quality gates and live/spoof/doubt decision of one image, computed now.

    Args:
        thresholds: changes to :class:`xai.gates.GateThresholds` (field name → value); None = the seed's defaults.
        models: liveness models (None = the gates' default).
        loader: model loader; None = ``models.registry.load_model``.

    Raises:
        xai.core.images.ImageInputError: the bytes are not a usable image.
        ValueError: an unknown threshold name.
    """
    from models.registry import load_model

    load = loader or load_model
    input_record(image)  # an unreadable file fails here, as every report's input does
    changes = {k: tuple(v) if isinstance(v, list) else v for k, v in (thresholds or {}).items()}
    t = GateThresholds().with_changes(**changes)
    result = run_gates(image.data, t, models=tuple(models or DEFAULT_LIVENESS_MODELS), loader=load,
                       job_id=REPORT_JOB_ID)
    return assemble_gates_report(image, result, loader=load)


def _rebuild(inputs: Sequence[ReportInput], parameters: dict, loader: Callable | None) -> AuditReport:
    parameters = {k: v for k, v in parameters.items() if k != "seed"}  # recorded for uniformity; the gates use none
    return build_gates_report(inputs[0], loader=loader, **parameters)


def gates_report_task() -> ReportTask:
    """The gates report's rebuild from recorded parameters."""
    return ReportTask("gates", ("image",), _rebuild)
