"""The generated card of a user model: what it is (spec), which file (SHA-256), what the checks measured, and how
its decisions are calibrated.

The card has the same form as the shipped cards in ``models/cards/`` (front matter ``key: value`` lines between
``---`` fences, then Markdown), so :class:`models.base.ModelCard` reads both alike. It states only what the spec
says and what was measured here; the source and license text are the user's, quoted as given.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from xai.core.model_checks import ModelChecks

if TYPE_CHECKING:  # the spec is plain data from models/spec.py; only its documented fields are read here
    from models.spec import ModelSpec

ROLE_WORDS = {"embedder": "face embedder (verification)", "spoof": "spoof classifier (presentation attack)",
              "recapture": "ID-card recapture classifier", "estimator": "soft-biometric estimator"}


@dataclass(frozen=True, slots=True)
class CalibrationState:
    """How a user model's decisions are thresholded, in words for the card and the CLI.

    Attributes:
        calibrated: True when the threshold was measured on labelled data (``python -m xai calibrate``).
        threshold: the decision threshold on the model's native score, None while there is none.
        description: one sentence: where the threshold comes from, or what to run to get one.
    """

    calibrated: bool
    threshold: float | None
    description: str

    def to_dict(self) -> dict:
        return {k: getattr(self, k) for k in self.__slots__}


def calibration_state(spec: ModelSpec) -> CalibrationState:
    """The calibration a freshly registered model starts with: its spec's threshold, or none ("calibrate")."""
    command = f"`python -m xai calibrate verify --data DIR --model {spec.name}`"
    if spec.role == "estimator":
        return CalibrationState(False, None, "no decision threshold (a soft-biometric estimator gives estimates, "
                                             "not decisions)")
    if spec.role == "recapture":
        return CalibrationState(False, None, f"genuine card when the {spec.bona_fide_class} probability is at "
                                             "least 0.5, i.e. p(recapture) < 0.5 (the ID-card task's decision "
                                             "rule), not calibrated on your data")
    if spec.role != "embedder":
        return CalibrationState(False, None, f"bona fide when the {spec.bona_fide_class} probability is at least "
                                             "0.5 (the studio's spoof decision rule), not calibrated on your data")
    if spec.threshold == "calibrate":
        return CalibrationState(False, None, f"not calibrated: the spec asks for a threshold measured on your "
                                             f"labelled data; run {command}")
    side = "≥" if spec.metric == "cosine" else "≤"
    return CalibrationState(False, float(spec.threshold),
                            f"threshold {float(spec.threshold):g} ({spec.metric}, match if {side}) as given in the "
                            f"spec, not measured here; calibrate it on your data with {command}")


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _describe_input(spec: ModelSpec) -> list[str]:
    crop = {"arcface": f"5-point similarity alignment to the ArcFace template scaled to {spec.input_size}",
            "box": f"square crop around the face's landmark box, side (1 + 2 × {spec.margin:g}) × its longer side",
            "image": "the whole image, resized",
            "card": "the seed-003 L1 square (1120 px) at the card centroid, resized"}.get(spec.crop, spec.crop)
    return [f"- {spec.describe_input()}", f"- crop: {crop}"]


def _describe_output(spec: ModelSpec) -> list[str]:
    if spec.role == "estimator":
        lines = []
        if spec.age_output is not None:
            bins = f" over age bins centred at {', '.join(f'{b:g}' for b in spec.age_bins)} years" if spec.age_bins \
                else " (years)"
            lines.append(f"- age: output `{spec.age_output}`, {spec.age_kind}{bins}")
        if spec.gender_output is not None:
            lines.append(f"- gender: output `{spec.gender_output}`, {spec.gender_kind}, columns "
                         f"{', '.join(spec.gender_classes)}")
        return lines
    lines = [f"- output tensor `{spec.output or '(the only one)'}`: {spec.output_kind}"]
    if spec.role == "embedder":
        lines.append(f"- metric: {spec.metric}")
    if spec.output_kind in ("logits", "probabilities"):
        lines.append(f"- class order: {', '.join(spec.class_order)}; bona fide class: {spec.bona_fide_class}")
    return lines


def render_model_card(spec: ModelSpec, file_sha256: str, checks: ModelChecks,
                      calibration: CalibrationState | None = None, registered_at: datetime | None = None) -> str:
    """Markdown card of a user model (front matter + body), ready to store beside the model file.

    Args:
        spec: the validated model spec.
        file_sha256: SHA-256 hex digest of the model file the checks ran on.
        checks: what :func:`xai.core.model_checks.check_model` measured.
        calibration: the model's calibration state; None = :func:`calibration_state` of ``spec``.
        registered_at: registration time (UTC); None = now.
    """
    calibration = calibration or calibration_state(spec)
    when = (registered_at or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M UTC")
    role = ROLE_WORDS.get(spec.role, spec.role)
    summary = f"User model ({spec.format}), {role}: {spec.input_size}×{spec.input_size} {spec.layout} input"
    if checks.embedding_norm is not None:
        summary += f", {checks.output_shape[-1]}-d embedding ({spec.metric})"
    elif checks.class_count is not None:
        summary += f", {checks.class_count} classes"
    front = {"title": _one_line(spec.title), "role": spec.role, "origin": "user",
             "format": spec.format, "sha256": file_sha256, "source": _one_line(spec.source) or "not stated",
             "license": _one_line(spec.license) or "not stated", "summary": summary + "."}
    lines = ["---", *(f"{k}: {v}" for k, v in front.items()), "---",
             f"## {spec.title}",
             f"Registered by the user on {when}. This card was generated from the spec and from checks run here; "
             "nothing in it comes from the model's vendor beyond the source and license text quoted below.",
             "",
             "## Model file",
             f"- format: {spec.format}",
             f"- SHA-256: `{file_sha256}`",
             "",
             "## Input", *_describe_input(spec),
             "",
             "## Output", *_describe_output(spec),
             "",
             "## Checks measured on a real sample face",
             *(f"- {line}" for line in checks.lines()),
             "",
             "## Calibration",
             f"{calibration.description}.",
             "",
             "## Explanations",
             (f"CAM target layer: `{spec.cam_layer}`." + (" Its output is read as NHWC (B, h, w, C)."
                                                          if spec.cam_layout == "NHWC" else "")) if spec.cam_layer else
             "Soft-biometric estimators are not explained with maps." if spec.role == "estimator" else
             "No CAM target layer in the spec: forward-only explainers (RISE, occlusion) serve it; gradient CAMs "
             "need a layer name and a model that converts to torch.",
             "",
             "## Source and license (as stated in the spec)",
             f"- source: {spec.source or 'not stated'}",
             f"- license: {spec.license or 'not stated'}",
             ""]
    return "\n".join(lines)
