"""Audit reports (seed 001 §II.B: evidence of why a decision was made, GDPR Art. 15(1)(h) and 22).

Each ``build_*_report`` runs one pipeline with **explicit** parameters and returns a frozen :class:`AuditReport`
holding everything a reviewer needs: SHA-256 of every input, the models (name, version, weight-file hashes,
card summary and known limits), the explainer and all its parameters, the seed, software versions, a UTC
timestamp, the decision, scores, heatmaps (with the SHA-256 of their float32 bytes), faithfulness scores,
quality-gate verdicts with the seed-002 JSON, and a plain-language section generated from the numbers.

:meth:`AuditReport.to_json` is the machine-readable ``report.json``; :func:`build_report` rebuilds a report from
the task name, the input bytes and the recorded parameters, which is what :mod:`xai.report.replay` does.
Nothing here writes to disk.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime

import numpy as np

SCHEMA = "face-xai-audit-report/1"
TASKS = ("spoof", "verify", "gates", "idcard")
#: gate response keys that vary from run to run and are therefore not replayed
VOLATILE_KEYS = ("timings_s", "seconds")


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_array(array: np.ndarray) -> str:
    """SHA-256 of an array's C-order bytes (as :func:`xai.spoof_explain.explanation_to_dict` hashes heatmaps)."""
    return hashlib.sha256(np.ascontiguousarray(array).tobytes()).hexdigest()


def canonical_json(value) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=True)


# ------------------------------------------------------------------------------------------------- records


@dataclass(frozen=True, slots=True)
class ReportInput:
    """One input file as the user gave it: ``name`` (file name), ``role`` ("image", "probe", "gallery"), bytes."""

    name: str
    role: str
    data: bytes

    @property
    def sha256(self) -> str:
        return sha256_bytes(self.data)


@dataclass(frozen=True, slots=True)
class InputRecord:
    """An input in the report: ``image`` is the decoded (H, W, 3) uint8 RGB picture (never serialised to JSON)."""

    name: str
    role: str
    sha256: str
    n_bytes: int
    width: int
    height: int
    image: np.ndarray = field(repr=False)

    def as_dict(self) -> dict:
        return {"name": self.name, "role": self.role, "sha256": self.sha256, "bytes": self.n_bytes,
                "width": self.width, "height": self.height}


@dataclass(frozen=True, slots=True)
class ModelRecord:
    """A model behind the decision: ``version`` is the card's, else ``weights:<first 12 hex of the files' hash>``;
    ``limits`` is the card's "Known limits" section (Markdown), or its summary."""

    name: str
    title: str
    version: str
    file_hashes: dict[str, str]
    card_file: str
    summary: str
    limits: str

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class Picture:
    """A heatmap or evidence picture.

    Attributes:
        name: stable key, e.g. "full_face/heatmap" or "probe/similarity".
        caption: what it shows.
        heatmap: (h, w) float32 in [0, 1] (then ``sha256`` hashes its bytes) or None for a rendered picture.
        base: (H, W, 3) uint8 RGB the heatmap is overlaid on (a face crop), or the rendered picture itself.
        shows_face: True when ``base`` shows a face (redacted reports pixelate it).
        sha256: SHA-256 of the float32 heatmap bytes, or of the picture's uint8 bytes.
    """

    name: str
    caption: str
    heatmap: np.ndarray | None
    base: np.ndarray | None
    shows_face: bool
    sha256: str

    def as_dict(self) -> dict:
        kind = "heatmap" if self.heatmap is not None else "picture"
        shape = (self.heatmap if self.heatmap is not None else self.base).shape
        return {"name": self.name, "kind": kind, "caption": self.caption, "shape": list(shape),
                "dtype": "float32" if kind == "heatmap" else "uint8", "sha256": self.sha256}


def heatmap_picture(name: str, caption: str, heatmap: np.ndarray, base: np.ndarray | None) -> Picture:
    heatmap = np.asarray(heatmap, dtype=np.float32)
    return Picture(name, caption, heatmap, base, base is not None, sha256_array(heatmap))


def rendered_picture(name: str, caption: str, picture: np.ndarray, shows_face: bool) -> Picture:
    return Picture(name, caption, None, picture, shows_face, sha256_array(picture))


@dataclass(frozen=True, slots=True)
class GateRecord:
    """Quality-gate outcome of one input: compact ``verdicts`` (key, label, verdict, text) and the seed-002 JSON."""

    input_name: str
    verdicts: tuple[dict, ...]
    response: dict

    def as_dict(self) -> dict:
        return {"input": self.input_name, "verdicts": list(self.verdicts), "response": self.response}


@dataclass(frozen=True, slots=True)
class PlainLanguage:
    """The section for non-technical readers (plain sentences)."""

    shows: str
    does_not_show: str
    faithfulness: str
    limits: str

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class AuditReport:
    """Everything about one explained decision.

    Attributes:
        task: "spoof", "verify", "gates" or "idcard".
        created_utc: ISO 8601 UTC timestamp.
        inputs: the inputs with their SHA-256.
        models: the models (and the quality-gate card) behind the decision.
        explainer: explanation method (e.g. "grad-cam", "fv-rise").
        parameters: every parameter of the pipeline, JSON-ready; with ``task`` and the inputs it rebuilds the report.
        seed: random seed (explainers with no randomness record it too, for uniformity).
        software: Python and package versions.
        decision: the decision in words and codes.
        scores: the numbers behind the decision, name → float.
        pictures: heatmaps and evidence pictures with their hashes.
        faithfulness: map or unit name → {metric → float}.
        gates: quality-gate verdicts and JSON per input (empty when gates were not run).
        plain: the plain-language section.
        details: task-specific JSON of the whole explanation.
    """

    task: str
    created_utc: str
    inputs: tuple[InputRecord, ...]
    models: tuple[ModelRecord, ...]
    explainer: str
    parameters: dict
    seed: int | None
    software: dict[str, str]
    decision: dict
    scores: dict[str, float]
    pictures: tuple[Picture, ...]
    faithfulness: dict[str, dict[str, float]]
    gates: tuple[GateRecord, ...]
    plain: PlainLanguage
    details: dict

    @property
    def parameters_sha256(self) -> str:
        return sha256_bytes(canonical_json(self.parameters).encode())

    def to_json(self) -> dict:
        """The machine-readable ``report.json`` (no image bytes: hashes only)."""
        return {
            "schema": SCHEMA, "task": self.task, "created_utc": self.created_utc,
            "inputs": [i.as_dict() for i in self.inputs], "models": [m.as_dict() for m in self.models],
            "explainer": self.explainer, "parameters": self.parameters, "seed": self.seed, "software": self.software,
            "decision": self.decision, "scores": self.scores, "faithfulness": self.faithfulness,
            "heatmaps": [p.as_dict() for p in self.pictures], "gates": [g.as_dict() for g in self.gates],
            "plain_language": self.plain.as_dict(), "details": self.details,
            "integrity": {"parameters_sha256": self.parameters_sha256},
        }

    def json_text(self) -> str:
        return json.dumps(self.to_json(), indent=2, ensure_ascii=False) + "\n"


# ------------------------------------------------------------------------------------------------- helpers


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _input_record(item: ReportInput) -> InputRecord:
    from xai.images import decode_image

    image = decode_image(item.data)
    return InputRecord(item.name, item.role, item.sha256, len(item.data), int(image.shape[1]), int(image.shape[0]),
                       image)


def card_limits(body: str) -> str:
    """The "Known limits" (or "Limitations") section of a card body, without its heading; '' if absent."""
    lines = body.splitlines()
    start = next((i for i, ln in enumerate(lines) if ln.startswith("## ") and "limit" in ln.lower()), None)
    if start is None:
        return ""
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
    return "\n".join(lines[start + 1:end]).strip()


def _card_record(name: str, title: str, card_file: str, hashes: dict[str, str]) -> ModelRecord:
    from models.base import ModelCard

    try:
        card = ModelCard.load(card_file)
        summary, limits, fields = card.summary, card_limits(card.body), card.fields
    except FileNotFoundError:
        summary, limits, fields = "", "", {}
    combined = sha256_bytes(canonical_json(hashes).encode())[:12] if hashes else "none"
    version = fields.get("version") or f"weights:{combined}"
    return ModelRecord(name, fields.get("title", title), version, dict(hashes), card_file,
                       summary or f"(model card {card_file} not found)", limits or summary)


def model_record(name: str, loader: Callable | None = None) -> ModelRecord:
    """Name, version, weight-file hashes and card of a registered model (loaded through ``loader``)."""
    from models.registry import entry, load_model

    model = (loader or load_model)(name)
    return _card_record(name, getattr(model, "title", name), entry(name).card_file, model.file_hashes())


def gates_card_record() -> ModelRecord:
    """The quality gates' own card (hand-made measures, no weights)."""
    return _card_record("quality-gates", "Passive-liveness quality gates (seed 002)", "quality-gates.md", {})


def _gate_record(item: ReportInput, models: Sequence[str], loader: Callable | None) -> GateRecord:
    from xai.gates import build_response, gate_strip, run_gates

    result = run_gates(item.data, models=tuple(models), loader=loader, job_id="audit-report")
    return GateRecord(item.name, tuple({"key": c.key, "label": c.label, "verdict": c.verdict, "text": c.text}
                                       for c in gate_strip(result)), build_response(result))


def _software() -> dict[str, str]:
    from xai.studio import software_versions

    versions = software_versions()
    for package in ("scikit-learn", "fpdf2", "opencv-contrib-python"):
        try:
            from importlib import metadata

            versions[package] = metadata.version(package)
        except Exception:  # noqa: BLE001 - a missing package is reported, never fatal
            versions[package] = "not installed"
    return versions


def faithfulness_words(deletion_auc: float, insertion_auc: float) -> tuple[str, str]:
    """(rating, sentence) from deletion/insertion AUCs: gap = insertion − deletion."""
    gap = insertion_auc - deletion_auc
    rating = "strong" if gap >= 0.3 else "moderate" if gap >= 0.1 else "weak"
    sentence = (f"Removing the most highlighted pixels first brought the score down with an area under the curve of "
                f"{deletion_auc:.2f} (lower is better); revealing them first brought it back with {insertion_auc:.2f} "
                f"(higher is better). The gap of {gap:+.2f} rates this map's faithfulness as {rating}.")
    return rating, sentence


def _limits_text(models: Sequence[ModelRecord]) -> str:
    by_card: dict[str, list[ModelRecord]] = {}
    for m in models:
        by_card.setdefault(m.card_file, []).append(m)
    parts = []
    for group in by_card.values():
        names = ", ".join(m.name for m in group)
        parts.append(f"{group[0].title} ({names}):\n{group[0].limits.strip() or group[0].summary}")
    return "\n\n".join(parts)


def _seeded(seed: int) -> None:
    import random

    import torch

    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def _finite(value: float) -> float | None:
    return float(value) if value is not None and math.isfinite(float(value)) else None


def _gates(inputs: Sequence[ReportInput], with_gates: bool, models: Sequence[str], loader) -> tuple[GateRecord, ...]:
    return tuple(_gate_record(i, models, loader) for i in inputs) if with_gates else ()


# ------------------------------------------------------------------------------------------------- spoof


def build_spoof_report(image: ReportInput, family: str = "resnet18-cbam-regions", cam_method: str = "grad-cam",
                       mask_top_percent: float = 10.0, curve_steps: int = 8, target_layer: str | None = None,
                       seed: int = 0, with_gates: bool = True, gate_models: Sequence[str] | None = None,
                       loader: Callable | None = None, explanation=None) -> AuditReport:
    """Audit report of the region-wise anti-spoofing explanation (seed 000) of one image.

    Args:
        image: the input file.
        family, cam_method, mask_top_percent, curve_steps, target_layer: as :func:`xai.spoof_explain.explain_spoof`.
        seed: recorded and set (CAM methods use no randomness).
        with_gates: also run the seed-002 quality gates on the input.
        gate_models: liveness models of the gates (None = the gates' default).
        loader: model loader (a page's cached one); None = ``models.registry.load_model``.
        explanation: an already computed :class:`SpoofExplanation` of ``image`` with these parameters (a page's
            cached one), to avoid recomputing it.

    Raises:
        xai.images.ImageInputError, xai.faces.FaceError, ValueError: as the pipeline.
    """
    from models.registry import load_model
    from xai.gates import DEFAULT_LIVENESS_MODELS
    from xai.spoof_explain import SPOOF_FAMILIES, explain_spoof, explanation_to_dict

    load = loader or load_model
    record = _input_record(image)
    gate_models = list(gate_models or DEFAULT_LIVENESS_MODELS)
    params = {"family": family, "cam_method": cam_method, "mask_top_percent": float(mask_top_percent),
              "curve_steps": int(curve_steps), "target_layer": target_layer, "seed": int(seed),
              "with_gates": bool(with_gates), "gate_models": gate_models}
    if explanation is None:
        _seeded(seed)
        explanation = explain_spoof(record.image, family=family, cam_method=cam_method,
                                    mask_top_percent=mask_top_percent, curve_steps=curve_steps,
                                    target_layer=target_layer, loader=load)
    details = explanation_to_dict(explanation)
    details.pop("seconds", None)
    models = tuple(model_record(name, load) for _region, name in SPOOF_FAMILIES[family])
    gates = _gates([image], with_gates, gate_models, load)
    if gates:
        models += tuple(m for m in (gates_card_record(), *(model_record(n, load) for n in gate_models))
                        if m.name not in {x.name for x in models})
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
    rating, sentence = faithfulness_words(d.curves.deletion_auc, d.curves.insertion_auc)
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
        limits=_limits_text(models))
    return AuditReport("spoof", _now(), (record,), models, cam_method, params, int(seed), _software(),
                       {"label": d.label, "predicted": d.predicted, "by": d.region, "confidence": d.confidence,
                        "faces_found": explanation.face.faces_found},
                       scores, tuple(pictures), faith, gates, plain, details)


# ------------------------------------------------------------------------------------------------- verify


def build_verify_report(probe: ReportInput, gallery: ReportInput, model: str = "faceres", explainer: str = "fv-rise",
                        n_masks: int | None = None, seed: int = 0, sampling: str = "sobol", precision: str = "auto",
                        both_ways: bool = False, early_stop: bool = False, batch_size: int | None = None,
                        curve_steps: int = 8, with_gates: bool = True, gate_models: Sequence[str] | None = None,
                        loader: Callable | None = None) -> AuditReport:
    """Audit report of a face-verification decision and its FV-RISE / CorrRISE maps (seed 001).

    ``precision`` "auto" may score in bf16 on a CPU with native bfloat16: the precision actually used is recorded
    per map (``details.precision_used``) and :mod:`xai.report.replay` replays with it. ``n_masks`` and
    ``batch_size`` default to the page's (:data:`xai.verify.DEFAULT_MASKS`, :data:`xai.verify.DEFAULT_BATCH`).
    """
    from models.registry import load_model
    from xai.gates import DEFAULT_LIVENESS_MODELS
    from xai.verify import DEFAULT_BATCH, DEFAULT_MASKS, EXPLAINERS, explain_pair, map_faithfulness, verify_pair

    if explainer not in EXPLAINERS:
        raise ValueError(f"audit reports of verification use {' or '.join(EXPLAINERS)}, not {explainer!r}")
    n_masks = DEFAULT_MASKS[explainer] if n_masks is None else n_masks
    batch_size = DEFAULT_BATCH if batch_size is None else batch_size
    load = loader or load_model
    p_rec, g_rec = _input_record(probe), _input_record(gallery)
    gate_models = list(gate_models or DEFAULT_LIVENESS_MODELS)
    params = {"model": model, "explainer": explainer, "n_masks": int(n_masks), "seed": int(seed),
              "sampling": sampling, "precision": precision, "both_ways": bool(both_ways),
              "early_stop": bool(early_stop), "batch_size": int(batch_size), "curve_steps": int(curve_steps),
              "with_gates": bool(with_gates), "gate_models": gate_models}
    _seeded(seed)
    result = verify_pair(p_rec.image, g_rec.image, model, loader=load)
    shown = "similarity" if result.same_person else "dissimilarity"
    scores = {"native_score": result.native_score, "threshold": result.threshold, "cosine": result.cosine}
    faith, pictures, used, maps = {}, [], {}, {}
    for reverse in ([False, True] if both_ways else [False]):
        side = "gallery" if reverse else "probe"
        crop = result.gallery_crop if reverse else result.probe_crop
        saliency = explain_pair(result, explainer, n_masks=n_masks, seed=seed, reverse=reverse, batch_size=batch_size,
                                early_stop=early_stop, loader=load, sampling=sampling, precision=precision)
        used[side] = saliency.precision
        decision_map = saliency.similarity if result.same_person else saliency.dissimilarity
        curves = map_faithfulness(result, decision_map, reverse=reverse, steps=curve_steps, loader=load)
        faith[f"{side}/{shown}"] = {"deletion_auc": curves.deletion_auc, "insertion_auc": curves.insertion_auc}
        scores[f"{side}.reference_score"] = saliency.reference_score
        scores[f"{side}.mean_masked_score"] = saliency.mean_masked_score
        scores[f"{side}.masks_used"] = float(saliency.masks_used)
        other = "gallery" if reverse else "probe"
        for kind, heat in (("similarity", saliency.similarity), ("dissimilarity", saliency.dissimilarity)):
            tag = " (the map matching the decision)" if kind == shown else ""
            pictures.append(heatmap_picture(f"{side}/{kind}", f"{side}: {kind} map of {explainer} vs the {other}"
                                            f"{tag}; {saliency.masks_used} masks, {saliency.precision}", heat, crop))
        maps[side] = {"raw_sha256": sha256_array(saliency.raw), "precision": saliency.precision,
                      "precision_detail": saliency.precision_detail,
                      "masks_used": saliency.masks_used}
    models = (model_record(model, load),)
    gates = _gates([probe, gallery], with_gates, gate_models, load)
    if gates:
        models += (gates_card_record(), *(model_record(n, load) for n in gate_models))
    words = "the same person" if result.same_person else "different people"
    relation = "at or above" if result.metric == "cosine" else "at or below"
    passed = (result.native_score >= result.threshold) if result.metric == "cosine" else \
        (result.native_score <= result.threshold)
    first = faith[f"probe/{shown}"]
    rating, sentence = faithfulness_words(first["deletion_auc"], first["insertion_auc"])
    plain = PlainLanguage(
        shows=(f"The system compared two face photos and decided they show {words}: its {result.metric} score of "
               f"{result.native_score:.3f} is {'' if passed else 'not '}{relation} the model's threshold of "
               f"{result.threshold}. The {shown} map marks in red the parts of the probe face that pushed the score "
               f"towards this decision, found by hiding random parts of the face {n_masks} times ({explainer}, "
               f"seed {seed})."),
        does_not_show=("The map shows where the model is sensitive, not why two people look alike or different, and "
                       "it is an estimate from random masks (the same seed gives the same map). It does not prove "
                       "identity, and it says nothing about whether the photos are genuine presentations."),
        faithfulness=sentence,
        limits=_limits_text(models))
    details = {"verification": {"model": result.model, "metric": result.metric, "native_score": result.native_score,
                                "threshold": result.threshold, "cosine": result.cosine,
                                "same_person": result.same_person, "faces_found": list(result.faces_found)},
               "maps": maps, "precision_used": used, "map_shown": shown}
    return AuditReport("verify", _now(), (p_rec, g_rec), models, explainer, params, int(seed), _software(),
                       {"label": "same person" if result.same_person else "different people",
                        "same_person": result.same_person, "metric": result.metric},
                       scores, tuple(pictures), faith, gates, plain, details)


# ------------------------------------------------------------------------------------------------- gates


def build_gates_report(image: ReportInput, thresholds: dict | None = None, models: Sequence[str] | None = None,
                       loader: Callable | None = None) -> AuditReport:
    """Audit report of the seed-002 quality gates and live/spoof/doubt decision of one image.

    Args:
        thresholds: changes to :class:`xai.gates.GateThresholds` (field name → value); None = the seed's defaults.
        models: liveness models (None = the gates' default).
    """
    from models.registry import load_model
    from xai.gates import DEFAULT_LIVENESS_MODELS, GateThresholds, build_response, gate_strip, run_gates
    from xai.gates.overlay import evidence_overlay, residual_picture, spectrum_picture

    load = loader or load_model
    record = _input_record(image)
    models = list(models or DEFAULT_LIVENESS_MODELS)
    changes = {k: tuple(v) if isinstance(v, list) else v for k, v in (thresholds or {}).items()}
    t = GateThresholds().with_changes(**changes)
    params = {"thresholds": json.loads(json.dumps(asdict(t))), "models": models, "seed": 0}
    result = run_gates(image.data, t, models=tuple(models), loader=load, job_id="audit-report")
    response = build_response(result)
    gate = GateRecord(image.name, tuple({"key": c.key, "label": c.label, "verdict": c.verdict, "text": c.text}
                                        for c in gate_strip(result)), response)
    record_models = (gates_card_record(), *(model_record(n, load) for n in models))
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
        limits=_limits_text(record_models))
    details = {k: v for k, v in response.get("explanations", {}).items() if k not in VOLATILE_KEYS}
    return AuditReport("gates", _now(), (record,), record_models, "quality gates (seed 002)", params, 0, _software(),
                       {"label": outcome, "code": result.decision.code if result.decision is not None else None,
                        "message": result.message, "ok": result.ok},
                       scores, tuple(pictures), {}, (gate,), plain, details)


# ------------------------------------------------------------------------------------------------- idcard


def build_idcard_report(image: ReportInput, model: str = "idcard-vgg16-fft", radius: float = 8.0,
                        centroid: Sequence[float] | None = None, seed: int = 0,
                        loader: Callable | None = None) -> AuditReport:
    """Audit report of the ID-card screen-recapture detector (seed 003) on one photo (:mod:`xai.idcard`)."""
    from models.registry import load_model
    from xai.idcard.explain import explain_idcard, explanation_to_dict

    load = loader or load_model
    record = _input_record(image)
    params = {"model": model, "radius": float(radius), "centroid": list(centroid) if centroid else None,
              "seed": int(seed)}
    _seeded(seed)
    e = explain_idcard(record.image, centroid=tuple(centroid) if centroid else None, model=model, radius=radius,
                       loader=load)
    details = explanation_to_dict(e)
    details.pop("seconds", None)
    pictures = [heatmap_picture("rgb/grad-cam", "Grad-CAM of the RGB branch over the L1 crop", e.cam_rgb,
                                e.crops.l1.image)]
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
    models = (model_record(model, load),)
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
        limits=_limits_text(models))
    return AuditReport("idcard", _now(), (record,), models, "grad-cam + cross-attention + zone occlusion", params,
                       int(seed), _software(), {"label": e.label, "p_spoof": e.p_spoof,
                                                "location": e.location.method},
                       scores, tuple(pictures), faith, (), plain, details)


# ------------------------------------------------------------------------------------------------- dispatch

#: task → input roles, in order
INPUT_ROLES = {"spoof": ("image",), "verify": ("probe", "gallery"), "gates": ("image",), "idcard": ("image",)}


def build_report(task: str, inputs: Sequence[ReportInput], parameters: dict,
                 loader: Callable | None = None) -> AuditReport:
    """Rebuild a report from its task, inputs (in :data:`INPUT_ROLES` order) and recorded ``parameters``.

    Raises:
        ValueError: unknown task, wrong number of inputs, or unknown parameter names.
    """
    if task not in TASKS:
        raise ValueError(f"unknown task {task!r}; choose one of: {', '.join(TASKS)}")
    if len(inputs) != len(INPUT_ROLES[task]):
        raise ValueError(f"a {task} report needs {len(INPUT_ROLES[task])} input(s), got {len(inputs)}")
    p = dict(parameters)
    try:
        if task == "spoof":
            return build_spoof_report(inputs[0], loader=loader, **p)
        if task == "verify":
            return build_verify_report(inputs[0], inputs[1], loader=loader, **p)
        if task == "gates":
            p.pop("seed", None)
            return build_gates_report(inputs[0], loader=loader, **p)
        return build_idcard_report(inputs[0], loader=loader, **p)
    except TypeError as exc:
        raise ValueError(f"the parameters do not fit a {task} report: {exc}") from exc
