"""The face-verification section of an audit report (seed 001): compute it, or assemble it from finished maps.

:func:`build_verify_report` verifies the pair and explains it with FV-RISE or CorrRISE with explicit parameters
(replay, batch explain); :func:`assemble_verify_report` makes the same report from a
:class:`~xai.verify.pipeline.VerificationResult` and the :class:`ExplainedSide` maps already computed (the page's).
:func:`explain_sides` is the compute step between them. The quality gates come from the caller: a
:class:`~xai.report.builder.GateRunner` to compute them, or a :class:`~xai.report.builder.GateSection` already run.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from models.registry import DEFAULT_VERIFIER
from xai.report.builder import (
    AuditReport,
    GateRunner,
    GateSection,
    PlainLanguage,
    ReportInput,
    ReportTask,
    faithfulness_words,
    gate_models_records,
    heatmap_picture,
    input_record,
    limits_text,
    model_record,
    report_software,
    seed_everything,
    sha256_array,
    utc_now,
)
from xai.verify.maps import PairMap
from xai.verify.pipeline import (
    DEFAULT_BATCH,
    EXPLAINERS,
    VerificationResult,
    decision_map,
    default_masks,
    explain_pair,
    map_faithfulness,
    verify_pair,
)

if TYPE_CHECKING:
    from xai.explain.faithfulness import FaithfulnessCurves
    from xai.explain.rise.result import SaliencyResult


@dataclass(frozen=True, slots=True)
class ExplainedSide:
    """One explained direction of a pair.

    Attributes:
        saliency: the FV-RISE / CorrRISE maps over the explained crop (the probe's, or the gallery's when reversed).
        curves: deletion/insertion curves of the map matching the decision (:func:`xai.verify.pipeline.decision_map`).
    """

    saliency: SaliencyResult
    curves: FaithfulnessCurves


def explained_side(shown: PairMap) -> ExplainedSide:
    """The report side of a RISE map already shown (:func:`xai.verify.maps.pair_map`, e.g. the page's).

    Raises:
        ValueError: a map without a RISE result (a similarity CAM): reports explain with FV-RISE or CorrRISE.
    """
    if shown.saliency is None:
        raise ValueError(f"audit reports of verification use {' or '.join(EXPLAINERS)} maps, not {shown.explainer!r}")
    return ExplainedSide(shown.saliency, shown.curves)


def _check_explainer(explainer: str) -> None:
    if explainer not in EXPLAINERS:
        raise ValueError(f"audit reports of verification use {' or '.join(EXPLAINERS)}, not {explainer!r}")


def explain_sides(result: VerificationResult, explainer: str = "fv-rise", n_masks: int | None = None, seed: int = 0,
                  sampling: str = "sobol", precision: str = "auto", both_ways: bool = False,
                  early_stop: bool = False, batch_size: int | None = None, curve_steps: int = 8,
                  loader: Callable | None = None) -> tuple[ExplainedSide, ...]:
    """The maps of a report: probe → gallery, then gallery → probe with ``both_ways``.

    Args: as :func:`build_verify_report` (``n_masks``/``batch_size`` None = the page's defaults).
    """
    from models.registry import load_model

    _check_explainer(explainer)
    load = loader or load_model
    n_masks = default_masks(explainer, load(result.model)) if n_masks is None else n_masks
    batch_size = DEFAULT_BATCH if batch_size is None else batch_size
    sides = []
    for reverse in ([False, True] if both_ways else [False]):
        saliency = explain_pair(result, explainer, n_masks=n_masks, seed=seed, reverse=reverse, batch_size=batch_size,
                                early_stop=early_stop, loader=load, sampling=sampling, precision=precision)
        curves = map_faithfulness(result, decision_map(result, saliency), reverse=reverse, steps=curve_steps,
                                  loader=load)
        sides.append(ExplainedSide(saliency, curves))
    return tuple(sides)


def assemble_verify_report(probe: ReportInput, gallery: ReportInput, result: VerificationResult,
                           sides: Sequence[ExplainedSide], gates: GateSection, explainer: str = "fv-rise",
                           n_masks: int | None = None, seed: int = 0, sampling: str = "sobol",
                           precision: str = "auto", early_stop: bool = False, batch_size: int | None = None,
                           curve_steps: int = 8, loader: Callable | None = None) -> AuditReport:
    """Audit report of a verification and its maps already computed.

    Args:
        probe, gallery: the input files ``result`` was computed from.
        result: :func:`xai.verify.pipeline.verify_pair` of the pair.
        sides: :func:`explain_sides` of ``result`` with the parameters below: one side (probe → gallery), or two
            (then gallery → probe; recorded as ``both_ways``).
        gates: the quality gates of probe and gallery (``records`` empty when they were not run).
        explainer, n_masks, seed, sampling, precision, early_stop, batch_size, curve_steps: the maps' parameters.
        loader: model loader for the model records; None = ``models.registry.load_model``.

    Raises:
        ValueError: an explainer other than FV-RISE/CorrRISE, no or more than two sides, or gates of other inputs.
    """
    _check_explainer(explainer)
    if len(sides) not in (1, 2):
        raise ValueError(f"a verification report explains one or both directions, got {len(sides)} side(s)")
    gates.check_inputs([probe, gallery])
    if n_masks is None:
        from models.registry import load_model

        n_masks = default_masks(explainer, (loader or load_model)(result.model))
    batch_size = DEFAULT_BATCH if batch_size is None else batch_size
    both_ways = len(sides) == 2
    p_rec, g_rec = input_record(probe), input_record(gallery)
    params = {"model": result.model, "explainer": explainer, "n_masks": int(n_masks), "seed": int(seed),
              "sampling": sampling, "precision": precision, "both_ways": both_ways,
              "early_stop": bool(early_stop), "batch_size": int(batch_size), "curve_steps": int(curve_steps),
              "with_gates": gates.ran, "gate_models": list(gates.models)}
    shown = "similarity" if result.same_person else "dissimilarity"
    scores = {"native_score": result.native_score, "threshold": result.threshold, "cosine": result.cosine}
    faith, pictures, used, maps = {}, [], {}, {}
    for reverse, side_result in zip([False, True], sides, strict=False):
        saliency, curves = side_result.saliency, side_result.curves
        side = "gallery" if reverse else "probe"
        crop = result.gallery_crop if reverse else result.probe_crop
        used[side] = saliency.precision
        faith[f"{side}/{shown}"] = {"deletion_auc": curves.deletion_auc, "insertion_auc": curves.insertion_auc}
        scores[f"{side}.reference_score"] = saliency.reference_score
        scores[f"{side}.mean_masked_score"] = saliency.mean_masked_score
        scores[f"{side}.masks_used"] = float(saliency.masks_used)
        other = "gallery" if reverse else "probe"  # the caption wording every earlier report.json has
        for kind, heat in (("similarity", saliency.similarity), ("dissimilarity", saliency.dissimilarity)):
            tag = " (the map matching the decision)" if kind == shown else ""
            pictures.append(heatmap_picture(f"{side}/{kind}", f"{side}: {kind} map of {explainer} vs the {other}"
                                            f"{tag}; {saliency.masks_used} masks, {saliency.precision}", heat, crop))
        maps[side] = {"raw_sha256": sha256_array(saliency.raw), "precision": saliency.precision,
                      "precision_detail": saliency.precision_detail,
                      "masks_used": saliency.masks_used}
    models = (model_record(result.model, loader),)
    models += gate_models_records(gates, loader)
    words = "the same person" if result.same_person else "different people"
    relation = "at or above" if result.metric == "cosine" else "at or below"
    passed = (result.native_score >= result.threshold) if result.metric == "cosine" else \
        (result.native_score <= result.threshold)
    first = faith[f"probe/{shown}"]
    _rating, sentence = faithfulness_words(first["deletion_auc"], first["insertion_auc"])
    calibrated = result.calibration is not None and result.calibration.calibrated
    which = (f"the calibrated threshold of {result.threshold} ({result.calibration.text})" if calibrated
             else f"the model's threshold of {result.threshold}")
    plain = PlainLanguage(
        shows=(f"The system compared two face photos and decided they show {words}: its {result.metric} score of "
               f"{result.native_score:.3f} is {'' if passed else 'not '}{relation} {which}. The {shown} map marks in red the parts of the probe face that pushed the score "
               f"towards this decision, found by hiding random parts of the face {n_masks} times ({explainer}, "
               f"seed {seed})."),
        does_not_show=("The map shows where the model is sensitive, not why two people look alike or different, and "
                       "it is an estimate from random masks (the same seed gives the same map). It does not prove "
                       "identity, and it says nothing about whether the photos are genuine presentations."),
        faithfulness=sentence,
        limits=limits_text(models))
    details = {"verification": {"model": result.model, "metric": result.metric, "native_score": result.native_score,
                                "threshold": result.threshold, "cosine": result.cosine,
                                "same_person": result.same_person, "faces_found": list(result.faces_found)},
               "maps": maps, "precision_used": used, "map_shown": shown}
    return AuditReport("verify", utc_now(), (p_rec, g_rec), models, explainer, params, int(seed), report_software(),
                       {"label": "same person" if result.same_person else "different people",
                        "same_person": result.same_person, "metric": result.metric},
                       scores, tuple(pictures), faith, gates.records, plain, details)


def build_verify_report(probe: ReportInput, gallery: ReportInput, gates: GateRunner, model: str = DEFAULT_VERIFIER,
                        explainer: str = "fv-rise", n_masks: int | None = None, seed: int = 0,
                        sampling: str = "sobol", precision: str = "auto", both_ways: bool = False,
                        early_stop: bool = False, batch_size: int | None = None, curve_steps: int = 8,
                        with_gates: bool = True, gate_models: Sequence[str] | None = None,
                        loader: Callable | None = None) -> AuditReport:
    """Audit report of a face-verification decision and its FV-RISE / CorrRISE maps (seed 001), computed now.

    ``precision`` "auto" may score in bf16 on a CPU with native bfloat16: the precision actually used is recorded
    per map (``details.precision_used``) and :func:`replay_parameters` replays with it. ``n_masks`` and
    ``batch_size`` default to the page's (:func:`xai.verify.pipeline.default_masks`,
    :data:`xai.verify.pipeline.DEFAULT_BATCH`). ``gates`` runs the seed-002 quality gates
    (``xai.gates.report.GATE_RUNNER``, handed on by the caller) when ``with_gates``.

    Raises:
        xai.core.images.ImageInputError, xai.core.faces.FaceError, ValueError: as the pipeline.
    """
    from models.registry import load_model

    _check_explainer(explainer)
    load = loader or load_model
    p_rec, g_rec = input_record(probe), input_record(gallery)
    seed_everything(seed)
    result = verify_pair(p_rec.image, g_rec.image, model, loader=load)
    sides = explain_sides(result, explainer, n_masks=n_masks, seed=seed, sampling=sampling, precision=precision,
                          both_ways=both_ways, early_stop=early_stop, batch_size=batch_size, curve_steps=curve_steps,
                          loader=load)
    return assemble_verify_report(probe, gallery, result, sides, gates.section([probe, gallery], with_gates,
                                                                              gate_models, load),
                                  explainer=explainer, n_masks=n_masks, seed=seed, sampling=sampling,
                                  precision=precision, early_stop=early_stop, batch_size=batch_size,
                                  curve_steps=curve_steps, loader=load)


def replay_parameters(report_json: dict) -> dict:
    """The parameters a replay uses: the recorded ones, with "auto" precision pinned to bf16 when it chose bf16.

    Maps scored in bf16 are replayed in bf16 (an error on a CPU without it, not a silent fp32 map). "auto" that
    chose fp32 stays "auto": its first mask chunk is summed in one piece, so forcing "fp32" (summed batch by batch)
    would change the float32 rounding of the map.
    """
    parameters = dict(report_json["parameters"])
    if parameters.get("precision") == "auto":
        used = set(report_json.get("details", {}).get("precision_used", {}).values())
        if used == {"bf16"}:
            parameters["precision"] = "bf16"
    return parameters


def verify_report_task(gates: GateRunner) -> ReportTask:
    """The verification report's rebuild from recorded parameters, with ``gates`` running the quality gates."""
    return ReportTask("verify", ("probe", "gallery"),
                      lambda inputs, parameters, loader: build_verify_report(inputs[0], inputs[1], gates,
                                                                             loader=loader, **parameters),
                      replay_parameters)
