"""The ID-card section of an audit report (seed 003): compute it, or assemble it from a finished explanation.

:func:`build_idcard_report` runs :func:`xai.idcard.explain.explain_idcard` with explicit parameters (replay, batch
explain); :func:`assemble_idcard_report` makes the same report from an
:class:`~xai.idcard.explain.IdCardExplanation` already computed with those parameters (the page's).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from xai.idcard.explain import IdCardExplanation, explain_idcard, explanation_to_dict
from xai.report.builder import (
    AuditReport,
    PlainLanguage,
    ReportInput,
    ReportTask,
    heatmap_picture,
    input_record,
    limits_text,
    model_record,
    rendered_picture,
    report_software,
    seed_everything,
    utc_now,
)


def _parameters(model: str, radius: float, centroid: Sequence[float] | None, seed: int,
                query_cell: Sequence[int] | None, cam_method: str = "grad-cam") -> dict:
    params = {"model": model, "radius": float(radius), "centroid": list(centroid) if centroid else None,
              "seed": int(seed)}
    if cam_method != "grad-cam":  # recorded only when chosen, as query_cell
        params["cam_method"] = cam_method
    if query_cell is not None:  # recorded only when chosen, so reports of the default attention view keep their keys
        params["query_cell"] = [int(c) for c in query_cell]
    return params


def assemble_idcard_report(image: ReportInput, explanation: IdCardExplanation, radius: float = 8.0,
                           centroid: Sequence[float] | None = None, seed: int = 0,
                           query_cell: Sequence[int] | None = None, loader: Callable | None = None,
                           cam_method: str = "grad-cam") -> AuditReport:
    """Audit report of an ID-card explanation already computed.

    Args:
        image: the input file ``explanation`` was computed from.
        explanation: :func:`xai.idcard.explain.explain_idcard` of ``image`` with the parameters below (its model is
            ``explanation.model``).
        radius, centroid, query_cell, cam_method: the parameters of ``explanation`` (``query_cell`` None = the
            default cell).
        seed: recorded (and set before a computation).
        loader: model loader for the model record; None = ``models.registry.load_model``.
    """
    e = explanation
    record = input_record(image)
    params = _parameters(e.model, radius, centroid, seed, query_cell, cam_method)
    details = explanation_to_dict(e)
    details.pop("seconds", None)
    if e.model_input is None:
        pictures = [heatmap_picture("rgb/grad-cam", "Grad-CAM of the RGB branch over the L1 crop", e.cam_rgb,
                                    e.crops.l1.image)]
    else:  # a one-image (user) model: its CAM over its own input, when its graph converts
        pictures = [] if e.cam_rgb is None else [heatmap_picture(
            "input/grad-cam", "Grad-CAM at the model's cam_layer over its input", e.cam_rgb, e.model_input)]
    if e.cam_second is not None:
        pictures.append(heatmap_picture("second/grad-cam", "Grad-CAM of the second branch over the L2 crop",
                                        e.cam_second, e.crops.l2.image))
    if e.attention is not None:
        received = e.attention.received / max(float(e.attention.received.max()), 1e-12)
        pictures.append(heatmap_picture("attention/received", "attention each FFT cell receives (28 × 28 grid)",
                                        received, None))
    pictures.append(rendered_picture("zones", "occlusion zones on the frame", e.zones_picture, True))
    scores = {"p_spoof": e.p_spoof}
    faith = {"zone_occlusion": {z.zone: z.delta for z in e.zones}}
    models = (model_record(e.model, loader),)
    strongest = max(e.zones, key=lambda z: abs(z.delta))
    plain = PlainLanguage(
        shows=(f"The system judged this ID-card photo '{e.label}' (probability of a screen recapture "
               f"{e.p_spoof:.0%}). The maps mark in red where each branch of the model found its evidence. Blurring "
               f"one zone of the card at a time changed the probability most for the {strongest.zone} "
               f"({strongest.delta:+.2f})."),
        does_not_show=("The maps do not show which pattern (moiré, pixel grid, glare) the model reacted to, and the "
                       "result says nothing about whether the card itself is authentic or whose it is."),
        faithfulness=(f"Occluding zones is a direct test: the largest change of p(spoof) was {strongest.delta:+.2f} "
                      f"({strongest.zone}); changes near 0 everywhere mean the decision does not rest on one zone."),
        limits=limits_text(models))
    explainer = ("grad-cam + cross-attention + zone occlusion" if e.model_input is None else
                 "grad-cam + zone occlusion" if e.cam_rgb is not None else "zone occlusion")
    return AuditReport("idcard", utc_now(), (record,), models, explainer, params,
                       int(seed), report_software(), {"label": e.label, "p_spoof": e.p_spoof,
                                                     "location": e.location.method},
                       scores, tuple(pictures), faith, (), plain, details)


def build_idcard_report(image: ReportInput, model: str = "idcard-vgg16-fft", radius: float = 8.0,
                        centroid: Sequence[float] | None = None, seed: int = 0,
                        query_cell: Sequence[int] | None = None, loader: Callable | None = None,
                        cam_method: str = "grad-cam") -> AuditReport:
    """Audit report of the ID-card screen-recapture detector (seed 003) on one photo, computed now.

    Args: as :func:`xai.idcard.explain.explain_idcard` (``query_cell`` (row, col) or None), and ``seed`` (set first).

    Raises:
        xai.core.images.ImageInputError, ValueError: as the pipeline.
    """
    from models.registry import load_model

    load = loader or load_model
    record = input_record(image)
    seed_everything(seed)
    e = explain_idcard(record.image, centroid=tuple(centroid) if centroid else None, model=model, radius=radius,
                       query_cell=tuple(query_cell) if query_cell is not None else None, loader=load,
                       cam_method=cam_method)
    return assemble_idcard_report(image, e, radius=radius, centroid=centroid, seed=seed, query_cell=query_cell,
                                  loader=load, cam_method=cam_method)


def idcard_report_task() -> ReportTask:
    """The ID-card report's rebuild from recorded parameters."""
    return ReportTask("idcard", ("image",),
                      lambda inputs, parameters, loader: build_idcard_report(inputs[0], loader=loader, **parameters))
