"""``run_gates``: every passive-liveness gate of seed 002 on one image, timed per gate."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from xai.core.faces import DetectedFace, FaceError
from xai.core.images import ImageInputError, decode_image
from xai.gates.appearance import AppearanceReport, face_appearance
from xai.gates.checks import GateCheck
from xai.gates.components import ComponentsReport, spoof_components
from xai.gates.decision import DEFAULT_LIVENESS_MODELS, Decision, LivenessScore, decide, liveness_check, liveness_score
from xai.gates.input_spec import InputSpecReport, check_input_spec
from xai.gates.quality import QualityReport, face_quality
from xai.gates.thresholds import GateThresholds

GATES = ("decode", "input_spec", "appearance", "quality", "components", "liveness")


@dataclass(frozen=True, slots=True)
class GateResult:
    """Everything the gates found for one image.

    Attributes:
        ok: False when the image could not be judged at all (unreadable, no face, model missing).
        message: the seed's message for a decision, else what went wrong and what to do.
        job_id: identifier of this run (random unless the caller gave one).
        thresholds: the thresholds used.
        models: liveness model names used.
        image: (H, W, 3) uint8 RGB decoded input, or None when it could not be decoded.
        input_spec, appearance, quality, components, liveness, decision: the gates' reports (None after a failure
            before that gate).
        error: exception class name of a failure, else None.
        timings: gate name (see :data:`GATES`) → seconds, for the gates that ran.
    """

    ok: bool
    message: str
    job_id: str
    thresholds: GateThresholds
    models: tuple[str, ...]
    image: np.ndarray | None = None
    input_spec: InputSpecReport | None = None
    appearance: AppearanceReport | None = None
    quality: QualityReport | None = None
    components: ComponentsReport | None = None
    liveness: LivenessScore | None = None
    decision: Decision | None = None
    error: str | None = None
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def checks(self) -> list[GateCheck]:
        """Every checklist row, in gate order."""
        rows: list[GateCheck] = []
        for report in (self.input_spec, self.appearance, self.quality, self.components):
            if report is not None:
                rows.extend(report.checks)
        if self.liveness is not None:
            rows.append(liveness_check(self.liveness, self.thresholds))
        return rows


def run_gates(source: bytes | np.ndarray, thresholds: GateThresholds | None = None,
              models: Sequence[str] = DEFAULT_LIVENESS_MODELS, loader: Callable | None = None,
              job_id: str | None = None, faces: Sequence[DetectedFace] | None = None) -> GateResult:
    """Run every gate of seed 002 on one image.

    Args:
        source: the bytes of an image file (file size and JPEG quality are then checked too), or an
            (H, W, 3) uint8 RGB array.
        thresholds: :class:`GateThresholds`; None = the seed's defaults.
        models: registered spoof model names whose mean bona fide probability is the liveness score.
        loader: model loader (e.g. a page's cached loader); None = ``models.registry.load_model``.
        job_id: the response's ``job.id``; None = a random UUID.
        faces: every face already detected in the decoded image, largest first (e.g. by a page that verified or
            explained the same image); None = run Face Mesh here. An empty list means "no face".

    Returns:
        A :class:`GateResult`; ``ok`` is False (with a message) when the image is unreadable, shows no face or a
        model is unavailable. Never raises for bad input files.

    Raises:
        ValueError: ``source`` is an array of the wrong shape or dtype, or a model name is unknown.
    """
    from models.base import ModelUnavailableError

    t = thresholds or GateThresholds()
    base = {"job_id": job_id or uuid.uuid4().hex, "thresholds": t, "models": tuple(models)}
    timings: dict[str, float] = {}
    start = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal start
        now = time.perf_counter()
        timings[name] = now - start
        start = now

    data: bytes | None = None
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
        try:
            image = decode_image(data)
        except ImageInputError as exc:
            return GateResult(False, str(exc), error=type(exc).__name__, timings=timings, **base)
    elif isinstance(source, np.ndarray):
        if source.ndim != 3 or source.shape[2] != 3 or source.dtype != np.uint8:
            raise ValueError(f"expected an (H, W, 3) uint8 RGB image, got {source.shape} {source.dtype}")
        image = np.ascontiguousarray(source)
    else:
        raise ValueError(f"source must be image-file bytes or an (H, W, 3) uint8 array, got {type(source).__name__}")
    lap("decode")
    spec = check_input_spec(data, image.shape, t)
    lap("input_spec")
    try:
        appearance = face_appearance(image, t, faces)
    except FaceError as exc:
        return GateResult(False, str(exc), image=image, input_spec=spec, error=type(exc).__name__, timings=timings,
                          **base)
    lap("appearance")
    try:
        quality = face_quality(image, appearance.face.landmarks, t)
    except FaceError as exc:
        return GateResult(False, str(exc), image=image, input_spec=spec, appearance=appearance,
                          error=type(exc).__name__, timings=timings, **base)
    lap("quality")
    components = spoof_components(image, appearance.face, t)
    lap("components")
    try:
        liveness = liveness_score(image, appearance.face, t, models, loader)
    except ModelUnavailableError as exc:
        return GateResult(False, str(exc), image=image, input_spec=spec, appearance=appearance, quality=quality,
                          components=components, error=type(exc).__name__, timings=timings, **base)
    lap("liveness")
    values = {"artifact": components.artifact, "spoof_edge": components.spoof_edge,
              "deformation": components.deformation}
    decision = decide(values, liveness, quality.verdicts, appearance.problems, t)
    return GateResult(True, decision.message, image=image, input_spec=spec, appearance=appearance, quality=quality,
                      components=components, liveness=liveness, decision=decision, timings=timings, **base)
