"""The JSON response of seed 002 ("Response API Passive Liveness"), built from a :class:`GateResult`.

The ``job`` / ``message`` / ``ok`` part has exactly the fields, nesting and order of the seed's three examples;
``explanations`` is ours: the raw values, the checklist and the evidence behind every number.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from xai.gates.run import GateResult

ANALYTIC_TYPE = "FACE_LIVENESS_V4"  # the seed's value, kept so the response is a drop-in
SCHEMA_PATH = Path(__file__).resolve().parents[2] / "schemas" / "liveness_response.schema.json"


def _round(value: float, digits: int = 6) -> float:
    return float(round(float(value), digits))


def explanations(result: GateResult) -> dict:
    """Our explanations block: thresholds, checklist, per-gate raw values and evidence, timings."""
    t = result.thresholds
    out: dict = {
        "thresholds": {
            "min_face_size": [t.min_face_w, t.min_face_h], "sharpness": list(t.sharpness),
            "contrast": list(t.contrast), "brightness": list(t.brightness), "component": list(t.component),
            "liveness": list(t.liveness), "max_pose_deg": [t.max_yaw, t.max_pitch, t.max_roll],
            "max_tilt_from_vertical_deg": t.max_tilt_from_vertical, "max_occlusion": t.max_occlusion,
            "file_size_kb": [t.min_file_kb, t.max_file_mb * 1000], "min_megapixels": t.min_megapixels,
            "min_jpeg_quality": t.min_jpeg_quality,
        },
        "checks": [c.as_dict() for c in result.checks],
        "timings_s": {k: _round(v, 4) for k, v in result.timings.items()},
    }
    if result.error:
        out["error"] = {"type": result.error, "message": result.message}
    if result.decision is not None:
        out["decision"] = {"outcome": result.decision.outcome, "in_words": result.decision.words,
                           "reasons": list(result.decision.reasons)}
    spec = result.input_spec
    if spec is not None:
        out["input_spec"] = {
            "file_bytes": spec.file_bytes, "width": spec.width, "height": spec.height,
            "megapixels": _round(spec.megapixels, 3), "format": spec.image_format,
            "jpeg_quality": None if spec.jpeg is None else spec.jpeg.quality,
            "jpeg_table_fit_error": None if spec.jpeg is None else _round(spec.jpeg.mean_abs_error, 4),
        }
    a = result.appearance
    if a is not None:
        out["face_appearance"] = {
            "faces_found": a.faces_found, "face_box": [_round(v, 1) for v in a.face.box],
            "head_pose_deg": {"yaw": _round(a.pose.yaw, 2), "pitch": _round(a.pose.pitch, 2),
                              "roll": _round(a.pose.roll, 2)},
            "frontal": a.frontal, "tilt_from_vertical_deg": _round(a.tilt_from_vertical, 2), "vertical": a.vertical,
            "occlusion": {o.region: {"score": _round(o.score, 4), "method": o.method, "raw": _round(o.raw, 4)}
                          for o in a.occlusion},
            "occluded_regions": list(a.occluded),
        }
    q = result.quality
    if q is not None:
        out["image_quality"] = {
            "sharpness": _round(q.sharpness), "contrast": _round(q.contrast), "brightness": _round(q.brightness),
            "verdicts": dict(q.verdicts), "raw": {k: _round(v) for k, v in q.raw.items()},
        }
    c = result.components
    if c is not None:
        art, edge, deform = c.artifact_evidence, c.edge_evidence, c.deformation_evidence
        order = np.argsort(-np.abs(deform.residuals))[:5]
        out["spoof_components"] = {
            "verdicts": dict(c.verdicts),
            "artifact": {"moire": _round(art.moire), "moire_db": _round(art.moire_db, 3),
                         "peaks": [{"fx": _round(p.fx, 4), "fy": _round(p.fy, 4), "excess_db": _round(p.excess_db, 2)}
                                   for p in art.peaks],
                         "patch_box": list(art.patch_box), "reflection": _round(art.reflection),
                         "glare_share": _round(art.glare_share)},
            "spoof_edge": {"sides": {k: _round(v, 4) for k, v in edge.sides.items()},
                           "lines": [{"side": ln.side, "points": [_round(ln.x0, 1), _round(ln.y0, 1), _round(ln.x1, 1),
                                                                  _round(ln.y1, 1)],
                                      "length": _round(ln.length, 1), "step": _round(ln.step, 4)}
                                     for ln in edge.lines]},
            "deformation": {"rms_residual_iod": _round(deform.rms_residual), "direction_deg": _round(deform.direction_deg, 2),
                            "largest_residuals": [{"pair": [int(v) for v in deform.pairs[i]],
                                                   "residual_iod": _round(deform.residuals[i])} for i in order]},
        }
    if result.liveness is not None:
        out["liveness"] = {"models": {k: _round(v) for k, v in result.liveness.per_model.items()},
                           "verdict": result.liveness.verdict}
    return out


def build_response(result: GateResult, with_explanations: bool = True) -> dict:
    """The seed's response for ``result`` (plus ``explanations`` unless switched off).

    A judged image gives ``status`` "success", one ``result`` entry, ``code`` and ``desc``; an image that could
    not be judged gives ``status`` "failed", an empty ``result``, ``ok`` false and the reason as ``message``.
    """
    if not result.ok or result.decision is None:
        response: dict = {"job": {"id": result.job_id, "result": {"status": "failed", "analytic_type": ANALYTIC_TYPE,
                                                                  "result": []}},
                          "message": result.message, "ok": False}
    else:
        q, a, c, d = result.quality, result.appearance, result.components, result.decision
        entry = {
            "face_liveness": {"doubt": bool(result.liveness.doubt), "liveness": _round(result.liveness.liveness, 12)},
            "image_quality": {"doubt": bool(q.doubt), "contrast": bool(q.passed["contrast"]),
                              "sharpness": bool(q.passed["sharpness"]), "brightness": bool(q.passed["brightness"])},
            "face_size_check": {"face_h": int(a.face_h), "face_w": int(a.face_w),
                                "pass_min_face_size": bool(a.pass_min_face_size)},
            "spoof_components": {"artifact": _round(c.artifact, 12), "spoof_edge": _round(c.spoof_edge, 12),
                                 "deformation": _round(c.deformation, 12)},
        }
        response = {"job": {"id": result.job_id, "result": {"status": "success", "analytic_type": ANALYTIC_TYPE,
                                                            "result": [entry], "code": d.code, "desc": d.desc}},
                    "message": d.message, "ok": True}
    if with_explanations:
        response["explanations"] = explanations(result)
    return response


def load_schema() -> dict:
    """The JSON Schema of the response (``schemas/liveness_response.schema.json``)."""
    return json.loads(SCHEMA_PATH.read_text())


def validate_response(response: dict) -> None:
    """Raise ``jsonschema.ValidationError`` when ``response`` does not follow the schema."""
    import jsonschema

    jsonschema.validate(response, load_schema())
