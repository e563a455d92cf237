"""Liveness score from the shipped spoof models and the seed's three-way decision (seed 002).

Decision, in this order (seed 002, "Defining Liveness Threshold" and "Inspecting Spoof Case"):

1. **strong spoof** (code 25202): a spoof component is above the component threshold (> 0.6) or the liveness score
   is below its spoof band (< 0.5);
2. **doubt** (code 25203): a component is in the grey zone (0.5 ≤ c ≤ 0.6), the liveness score is in its grey zone
   (0.5 ≤ l < 0.6), the image quality is in doubt (or below the requirement), or a face-appearance requirement
   fails (face size, frontal pose, vertical orientation, occlusion): the image cannot be judged with confidence
   and a person has to check it;
3. **strong live** (code 25201): everything else.

The codes, ``desc`` and ``message`` strings are the seed's example responses, verbatim.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from models.heldout import best_measured
from models.registry import REGISTRY
from xai.core.crops import model_crop
from xai.core.faces import DetectedFace
from xai.core.regions import run_face_pipeline
from xai.gates.checks import GateCheck
from xai.gates.thresholds import DOUBT, REJECT, GateThresholds, quality_verdict

LIVE, SPOOF, DOUBTFUL = "live", "spoof", "doubt"
#: outcome → (code, desc, message), verbatim from the seed's three example responses.
OUTCOMES: dict[str, tuple[str, str, str]] = {
    LIVE: ("25201", "It is likely detect certain live selfie", "It is likely detect certain live selfie"),
    SPOOF: ("25202", "It is likely detect certain spoof object", "It is likely detect certain spoof object"),
    DOUBTFUL: ("25203", "It is likely detect doubt selfie", "It is likely detect a doubt selfie"),
}
OUTCOME_WORDS = {LIVE: "strong live: accept the selfie", SPOOF: "strong spoof: reject the selfie",
                 DOUBTFUL: "doubt: a person has to check this selfie"}
#: The default liveness model: the shipped spoof model with the lowest held-out HTER its card states (real faces of
#: the bona fide pool's held-out identities and simulated attacks of them; models.heldout). Any can be chosen.
DEFAULT_LIVENESS_MODELS = (best_measured([e.name for e in REGISTRY if e.role == "spoof"]),)


@dataclass(frozen=True, slots=True)
class LivenessScore:
    """The liveness score: the mean bona fide probability of the selected spoof models.

    The region models' bona fide probabilities are calibrated (see ``models/zoo/spoof_regions.py``): 0.5 is each
    model's operating threshold, set on the bona fide pool's validation split at 5 % BPCER, so the liveness band
    "spoof < 0.5" rejects exactly what the model's own decision rejects. Other spoof models give their own
    probability, where 0.5 is their arg-max.

    Attributes:
        liveness: in [0, 1]; 1 = certainly a live face.
        per_model: model name → its bona fide probability in [0, 1].
        doubt: the score lies in the grey zone [low, high) of the liveness bands.
        verdict: "accept" (≥ high), "doubt" or "reject" (< low).
    """

    liveness: float
    per_model: dict[str, float]
    doubt: bool
    verdict: str


@dataclass(frozen=True, slots=True)
class Decision:
    """The seed's decision.

    Attributes:
        outcome: "live", "spoof" or "doubt".
        code, desc, message: the seed's strings for the outcome.
        reasons: why, in words (empty for a strong live).
    """

    outcome: str
    code: str
    desc: str
    message: str
    reasons: tuple[str, ...]

    @property
    def words(self) -> str:
        return OUTCOME_WORDS[self.outcome]


def liveness_score(image: np.ndarray, face: DetectedFace, thresholds: GateThresholds,
                   models: Sequence[str] = DEFAULT_LIVENESS_MODELS, loader: Callable | None = None) -> LivenessScore:
    """Mean bona fide probability of ``models`` on their own crops of ``face`` in ``image`` ((H, W, 3) uint8 RGB).

    A name outside the registry is accepted when ``loader`` holds a spoof classifier of that name (a model
    uploaded in a browser session, not registered).

    Raises:
        ValueError: no model, or a name that is not a spoof model (the message lists the registered ones).
        ModelUnavailableError: a model's files are missing.
    """
    from models.base import SpoofClassifier
    from models.registry import load_model, names

    if not models:
        raise ValueError("choose at least one liveness model")
    valid, registered = names("spoof"), names()
    load = loader or load_model
    unknown = [m for m in models if m not in valid and (loader is None or m in registered
                                                        or not isinstance(loader(m), SpoofClassifier))]
    if unknown:
        raise ValueError(f"unknown liveness model(s) {unknown}; choose from: {', '.join(valid)}")
    per_model = {}
    regions = None  # the seed 000 region crops of ``face``, built once for every region model
    for name in models:
        model = load(name)
        if model.crop_spec.kind == "region" and regions is None:
            regions = run_face_pipeline(image, faces=[face])
        crop = model_crop(model, image, face, regions)
        per_model[name] = float(model.bona_fide_probability(model.to_batch([crop]))[0])
    value = float(np.mean(list(per_model.values())))
    verdict = quality_verdict(value, thresholds.liveness)
    return LivenessScore(value, per_model, verdict == DOUBT, verdict)


def liveness_check(score: LivenessScore, thresholds: GateThresholds) -> GateCheck:
    low, high = thresholds.liveness
    models = ", ".join(f"{k} {v:.2f}" for k, v in score.per_model.items())
    return GateCheck("liveness", "liveness", "Liveness score", round(score.liveness, 4),
                     f"{score.liveness:.3f} ({models})", f"spoof < {low:g} ≤ doubt < {high:g} ≤ live", score.verdict)


def decide(components: dict[str, float], liveness: LivenessScore, quality_verdicts: dict[str, str],
           appearance_problems: Sequence[str], thresholds: GateThresholds) -> Decision:
    """The seed's three-way decision (see the module docstring).

    Args:
        components: artifact, spoof_edge, deformation in [0, 1].
        liveness: the liveness score.
        quality_verdicts: sharpness, contrast, brightness → "accept", "doubt" or "reject".
        appearance_problems: failed face-appearance requirements, in words (empty when all pass).
        thresholds: the bands.
    """
    low, high = thresholds.component
    spoof, doubt = [], []
    for name, value in components.items():
        if value > high:
            spoof.append(f"{name} {value:.2f} > {high:g}")
        elif value >= low:
            doubt.append(f"{name} {value:.2f} in the grey zone [{low:g}, {high:g}]")
    live_low, live_high = thresholds.liveness
    if liveness.liveness < live_low:
        spoof.append(f"liveness {liveness.liveness:.2f} < {live_low:g}")
    elif liveness.doubt:
        doubt.append(f"liveness {liveness.liveness:.2f} in the grey zone [{live_low:g}, {live_high:g})")
    for name, verdict in quality_verdicts.items():
        if verdict == DOUBT:
            doubt.append(f"image quality: {name} in doubt")
        elif verdict == REJECT:
            doubt.append(f"image quality: {name} below the requirement")
    doubt.extend(appearance_problems)
    outcome = SPOOF if spoof else DOUBTFUL if doubt else LIVE
    code, desc, message = OUTCOMES[outcome]
    return Decision(outcome, code, desc, message, tuple(spoof + doubt))
