"""The anti-spoofing section of an audit report (seed 000): compute it, or assemble it from a finished explanation.

:func:`build_spoof_report` runs :func:`xai.spoof.explain.explain_spoof` with explicit parameters (replay, batch
explain); :func:`assemble_spoof_report` makes the same report from a :class:`~xai.spoof.explain.SpoofExplanation`
already computed with those parameters (the page's). The quality gates come from the caller: a
:class:`~xai.report.builder.GateRunner` to compute them, or a :class:`~xai.report.builder.GateSection` already run.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

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
    utc_now,
)
from xai.spoof.explain import SpoofExplanation, explain_spoof, explanation_to_dict, family_units


def assemble_spoof_report(image: ReportInput, explanation: SpoofExplanation, gates: GateSection,
                          family: str = "resnet18-cbam-regions", cam_method: str = "grad-cam",
                          mask_top_percent: float = 10.0, curve_steps: int = 8, target_layer: str | None = None,
                          seed: int = 0, loader: Callable | None = None) -> AuditReport:
    """Audit report of a region-wise anti-spoofing explanation already computed.

    Args:
        image: the input file ``explanation`` was computed from.
        explanation: :func:`xai.spoof.explain.explain_spoof` of ``image`` with the parameters below.
        gates: the quality gates of ``image`` (``records`` empty when they were not run).
        family, cam_method, mask_top_percent, curve_steps, target_layer: the parameters of ``explanation``.
        seed: recorded (CAM methods use no randomness).
        loader: model loader for the model records (a page's cached one); None = ``models.registry.load_model``.

    Raises:
        ValueError: unknown family, or gate records of other inputs.
    """
    units = family_units(family, loader)  # ValueError for an unknown family
    gates.check_inputs([image])
    record = input_record(image)
    params = {"family": family, "cam_method": cam_method, "mask_top_percent": float(mask_top_percent),
              "curve_steps": int(curve_steps), "target_layer": target_layer, "seed": int(seed),
              "with_gates": gates.ran, "gate_models": list(gates.models)}
    details = explanation_to_dict(explanation)
    details.pop("seconds", None)
    models = tuple(model_record(name, loader) for _region, name in units)
    models += gate_models_records(gates, loader, known=models)
    d = explanation.decision
    scores, faith, pictures = {}, {}, []
    for r in explanation.regions:
        scores[f"{r.region}.confidence"] = r.confidence
        scores[f"{r.region}.bona_fide_probability"] = r.bona_fide_probability
        faith[r.region] = {"confidence_drop": r.confidence_drop, "masked_confidence": r.masked_confidence,
                           "ssim": r.ssim, "deletion_auc": r.curves.deletion_auc,
                           "insertion_auc": r.curves.insertion_auc}
        pictures.append(heatmap_picture(f"{r.region}/heatmap", f"{r.region.replace('_', ' ')}: {cam_method} of "
                                        f"'{r.label}' ({r.confidence:.2f})", r.heatmap, r.crop))
    _rating, sentence = faithfulness_words(d.curves.deletion_auc, d.curves.insertion_auc)
    label = "genuine (bona fide)" if d.predicted == 1 else "spoof (presentation attack)"
    plain = PlainLanguage(
        shows=(f"The system judged this photo to be {label}, with a confidence of {d.confidence:.0%} from its "
               f"{d.region.replace('_', ' ')} model. Each coloured map marks, in red, the parts of a face region that "
               f"most influenced that model's answer ({cam_method}); blue parts influenced it least. Hiding the top "
               f"{mask_top_percent:g}% of the red pixels changed the confidence by {-d.confidence_drop:+.2f}."),
        does_not_show=("The maps show where the model looked, not what it saw there (e.g. paper texture or a screen "
                       "pattern), and not why that evidence means spoof or genuine. They are not a proof that the "
                       "photo is or is not an attack, and they say nothing about who the person is."),
        faithfulness=sentence,
        limits=limits_text(models))
    return AuditReport("spoof", utc_now(), (record,), models, cam_method, params, int(seed), report_software(),
                       {"label": d.label, "predicted": d.predicted, "by": d.region, "confidence": d.confidence,
                        "faces_found": explanation.face.faces_found},
                       scores, tuple(pictures), faith, gates.records, plain, details)


def build_spoof_report(image: ReportInput, gates: GateRunner, family: str = "resnet18-cbam-regions",
                       cam_method: str = "grad-cam", mask_top_percent: float = 10.0, curve_steps: int = 8,
                       target_layer: str | None = None, seed: int = 0, with_gates: bool = True,
                       gate_models: Sequence[str] | None = None, loader: Callable | None = None) -> AuditReport:
    """Audit report of the region-wise anti-spoofing explanation (seed 000) of one image, computed now.

    Args:
        image: the input file.
        gates: runs the seed-002 quality gates (``xai.gates.report.GATE_RUNNER``, handed on by the caller).
        family, cam_method, mask_top_percent, curve_steps, target_layer: as :func:`xai.spoof.explain.explain_spoof`.
        seed: recorded and set (CAM methods use no randomness).
        with_gates: also run the quality gates on the input.
        gate_models: liveness models of the gates (None = the gates' default).
        loader: model loader; None = ``models.registry.load_model``.

    Raises:
        xai.core.images.ImageInputError, xai.core.faces.FaceError, ValueError: as the pipeline.
    """
    from models.registry import load_model

    load = loader or load_model
    record = input_record(image)
    seed_everything(seed)
    explanation = explain_spoof(record.image, family=family, cam_method=cam_method, mask_top_percent=mask_top_percent,
                                curve_steps=curve_steps, target_layer=target_layer, loader=load)
    return assemble_spoof_report(image, explanation, gates.section([image], with_gates, gate_models, load),
                                 family=family, cam_method=cam_method, mask_top_percent=mask_top_percent,
                                 curve_steps=curve_steps, target_layer=target_layer, seed=seed, loader=load)


def spoof_report_task(gates: GateRunner) -> ReportTask:
    """The spoof report's rebuild from recorded parameters, with ``gates`` running the quality gates."""
    return ReportTask("spoof", ("image",),
                      lambda inputs, parameters, loader: build_spoof_report(inputs[0], gates, loader=loader,
                                                                            **parameters))
