"""Checks a model must pass before it is registered: run it on a real sample face and measure what it does.

:func:`check_model` works on any :class:`~models.base.PretrainedModel` by its role — shipped or the user's own
(ONNX, TorchScript) — so registering a user model and auditing a shipped one are the same measurement:

* output shape: an embedder gives (1, D) with D ≥ 2; a spoof or recapture classifier two classes (spoof,
  bona fide);
* finite values (no NaN or ±inf);
* determinism: the same crop twice gives the same output (bit-identical or within :data:`REPEAT_TOLERANCE`);
* batch consistency: a batch of two crops equals the two crops run alone (within :data:`BATCH_TOLERANCE`);
* embedding norm > 0 (the raw norm is reported: a model whose output is already L2-normalised shows 1.0);
* class probabilities in [0, 1] summing to 1;
* estimators: a plausible age (:data:`models.spec.AGE_RANGE`, 0–120 years), a gender confidence in [0.5, 1], and
  (user models) outputs declared as probabilities summing to 1;
* a user model's ``cam_layer``: its activation on the sample is a 4-D map whose layout agrees with the spec's
  ``cam_layout`` (:func:`cam_layout_problem`);
* time per face, measured on single-face runs.

The second crop of each batch is the mirror image of the sample face's crop: a different input of the same kind,
made without a second detection. Tolerances are relative to the output's magnitude (``tol × max(1, max |y|)``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np
import torch

from models.base import FaceEmbedder, PretrainedModel, SoftBiometricEstimator, SpoofClassifier
from models.labels import GENUINE, SPOOF
from models.spec import AGE_RANGE

#: The real sample face every model is checked on (a public-domain portrait fetched by set-up).
SAMPLE_FILE = "obama.jpg"
#: Largest allowed difference between two runs on the same crop, relative to max(1, max |output|).
REPEAT_TOLERANCE = 1e-6
#: Largest allowed difference between a batch of two and the two crops run alone, relative as above.
BATCH_TOLERANCE = 1e-5
#: Probabilities must lie in [-PROBABILITY_SLACK, 1 + PROBABILITY_SLACK] and sum to 1 within it.
PROBABILITY_SLACK = 1e-4


class ModelCheckError(ValueError):
    """A model failed a check on the sample face; the message names the model, the check and the values seen."""


@dataclass(frozen=True, slots=True)
class ModelChecks:
    """What :func:`check_model` measured on the sample face (a model that returns this passed every check).

    Attributes:
        name: the model's registry name.
        role: "embedder", "spoof", "recapture" or "estimator" (the roles in :data:`PROBES`; a shipped ID-card
            recapture detector needs its task's L1/L2 inputs and is checked by tests/idcard, a user one takes one
            image and is checked here on the sample image resized).
        sample: file name of the sample image in ``assets/samples/``.
        crop_size: side S of the (S, S, 3) crop the model was given.
        output_shape: shape of the model's output for one face, e.g. (1, 512) for an embedder, (1, 2) for a spoof
            classifier's (spoof, bona fide) logits.
        repeat_difference: max |run 1 − run 2| on the same crop, float >= 0 (0.0 = bit-identical).
        batch_difference: max |batch of 2 − the 2 run alone|, float >= 0.
        seconds_per_face: wall time of one single-face forward pass (the faster of two runs), seconds > 0.
        embedding_norm: embedders: raw L2 norm (> 0) of the sample face's descriptor as the model outputs it;
            None for other roles.
        class_count: classifiers: number of classes (2 for a spoof classifier); None for other roles.
        class_probabilities: classifiers: the sample face's class probabilities in [0, 1], summing to 1, in
            :mod:`models.labels` order (spoof, bona fide); None for other roles.
        age: estimators: estimated age in years (>= 0) of the sample face; None for other roles.
        gender: estimators: "female" or "male"; None for other roles.
        cam_activation: user models with a cam_layer that converts for CAM: the shape of its activation on the
            sample, as hooked (before the cam_layout permutation); None otherwise.
        cam_layout: the spec's cam_layout that activation was checked against; None without cam_activation.
    """

    name: str
    role: str
    sample: str
    crop_size: int
    output_shape: tuple[int, ...]
    repeat_difference: float
    batch_difference: float
    seconds_per_face: float
    embedding_norm: float | None = None
    class_count: int | None = None
    class_probabilities: tuple[float, ...] | None = None
    age: float | None = None
    gender: str | None = None
    cam_activation: tuple[int, ...] | None = None
    cam_layout: str | None = None

    def to_dict(self) -> dict:
        """JSON-ready dict of every field (tuples become lists)."""
        out = {}
        for key in self.__slots__:
            value = getattr(self, key)
            out[key] = list(value) if isinstance(value, tuple) else value
        return out

    def lines(self) -> list[str]:
        """The measurements in words, one per line (for the CLI summary and the model card)."""
        shape = "×".join(str(n) for n in self.output_shape)
        out = [f"sample face: {self.sample}, crop {self.crop_size}×{self.crop_size}",
               f"output shape for one face: {shape}, all values finite",
               f"determinism: max difference between two runs {self.repeat_difference:.3g}"
               + (" (bit-identical)" if self.repeat_difference == 0 else ""),
               f"batch consistency: max difference batch of 2 vs single runs {self.batch_difference:.3g}",
               f"time per face: {1000 * self.seconds_per_face:.1f} ms (CPU, single-face run)"]
        if self.embedding_norm is not None:
            out.append(f"raw embedding norm: {self.embedding_norm:.4g}")
        if self.class_probabilities is not None:
            probabilities = ", ".join(f"{p:.4f}" for p in self.class_probabilities)
            out.append(f"classes: {self.class_count}; probabilities on the sample face: {probabilities}")
        if self.role == "estimator":
            age = f"age {self.age:.1f}" if self.age is not None else "no age output"
            out.append(f"estimate on the sample face: {age}, {self.gender or 'no gender output'}")
        if self.cam_activation is not None:
            out.append(f"CAM layer output: {'×'.join(str(n) for n in self.cam_activation)}, read as {self.cam_layout}")
        return out


@dataclass(frozen=True, slots=True)
class _Probe:
    """One role's forward pass on (B, S, S, 3) crops → (B, ...) float64 output, and how to read it."""

    run: Callable[[PretrainedModel, torch.Tensor], np.ndarray]
    #: (model, output for the single crop, that crop (1, S, S, 3)) → role-specific fields of ModelChecks
    check: Callable[[PretrainedModel, np.ndarray, torch.Tensor], dict]


def _embedder_output(model: FaceEmbedder, crops: torch.Tensor) -> np.ndarray:
    with torch.no_grad():
        return _array(model.descriptors(crops))


def _embedder_check(model: FaceEmbedder, output: np.ndarray, crop: torch.Tensor) -> dict:
    if output.ndim != 2 or output.shape[1] < 2:
        raise ModelCheckError(f"{model.name}: an embedder must output (1, D) with D >= 2 for one face, "
                              f"got shape {output.shape}")
    norm = float(np.linalg.norm(output[0]))
    if norm <= 0:
        raise ModelCheckError(f"{model.name}: the embedding of the sample face is all zeros (norm 0); "
                              "a zero vector has no direction to compare")
    return {"embedding_norm": norm}


def _two_class_logits(model: PretrainedModel, crops: torch.Tensor) -> np.ndarray:
    """(B, 2) float64 two-class logits of (B, S, S, 3) crops, without gradients."""
    with torch.no_grad():
        return _array(model.two_class_logits(crops))


def _two_class_probabilities(model: PretrainedModel, output: np.ndarray, requirement: str) -> np.ndarray:
    """(2,) softmax of the single crop's (1, 2) logits; :class:`ModelCheckError` stating ``requirement`` (the two
    classes the role must give) when ``output`` has another shape."""
    if output.ndim != 2 or output.shape[1] != 2:
        raise ModelCheckError(f"{model.name}: {requirement}, got shape {output.shape}")
    return _softmax(output[0])


def _own_probability(probability: Callable[[torch.Tensor], torch.Tensor], crop: torch.Tensor) -> float:
    """The model's own probability for the single (1, S, S, 3) crop, without gradients."""
    with torch.no_grad():
        return float(probability(crop)[0])


def _class_fields(probabilities: np.ndarray) -> dict:
    """ModelChecks' class fields of a (2,) softmax in the class order (spoof, genuine)."""
    return {"class_count": 2, "class_probabilities": (float(probabilities[SPOOF]), float(probabilities[GENUINE]))}


def _spoof_check(model: SpoofClassifier, output: np.ndarray, crop: torch.Tensor) -> dict:
    probabilities = _two_class_probabilities(
        model, output, "a spoof classifier must give 2 classes (spoof, bona fide) for one face")
    bona_fide = _own_probability(model.bona_fide_probability, crop)
    if not -PROBABILITY_SLACK <= bona_fide <= 1 + PROBABILITY_SLACK:
        raise ModelCheckError(f"{model.name}: the bona fide probability {bona_fide:.6g} is outside [0, 1]")
    if abs(bona_fide - probabilities[GENUINE]) > PROBABILITY_SLACK:
        raise ModelCheckError(f"{model.name}: the bona fide probability {bona_fide:.6f} differs from the softmax "
                              f"of its two-class logits {probabilities[GENUINE]:.6f}: the class order is inconsistent")
    return _class_fields(probabilities)


def _recapture_output(model: PretrainedModel, crops: torch.Tensor) -> np.ndarray:
    if not hasattr(model, "two_class_logits"):  # a shipped detector takes the task's L1/L2 branch inputs
        raise ModelCheckError(f"{model.name}: a shipped ID-card recapture detector takes the L1/L2 card crops of "
                              "xai/idcard and is checked on synthetic cards (tests/idcard), not on a sample face")
    return _two_class_logits(model, crops)


def _recapture_check(model: PretrainedModel, output: np.ndarray, crop: torch.Tensor) -> dict:
    probabilities = _two_class_probabilities(
        model, output, "a recapture classifier must give 2 classes (recapture, genuine) for one image")
    p_spoof = _own_probability(model.spoof_probability, crop)
    if abs(p_spoof - probabilities[SPOOF]) > PROBABILITY_SLACK:
        raise ModelCheckError(f"{model.name}: p(recapture) {p_spoof:.6f} differs from the softmax of its two-class "
                              f"logits {probabilities[SPOOF]:.6f}: the class order is inconsistent")
    return _class_fields(probabilities)


def _estimated(model: SoftBiometricEstimator) -> tuple[str, ...]:
    """The attributes ``model`` estimates: a user estimator says; a shipped one gives both."""
    return tuple(getattr(model, "attributes", ("age", "gender")))


def _estimator_output(model: SoftBiometricEstimator, crops: torch.Tensor) -> np.ndarray:
    """(B, n) float64: per crop [age] if estimated, then [gender confidence, 1 if male] if estimated."""
    with torch.no_grad():
        estimates = model.estimate(crops)
    if len(estimates) != len(crops):
        raise ModelCheckError(f"{model.name}: {len(crops)} crops gave {len(estimates)} estimates")
    attributes = _estimated(model)
    rows = []
    for e in estimates:
        row = [e.age] if "age" in attributes else []
        if "gender" in attributes:
            row += [e.gender_score, 1.0 if e.gender == "male" else 0.0]
        rows.append(row)
    return np.array(rows, dtype=np.float64)


def _estimator_check(model: SoftBiometricEstimator, output: np.ndarray, crop: torch.Tensor) -> dict:
    attributes = _estimated(model)
    values = list(output[0])
    measured: dict = {}
    if "age" in attributes:
        age = float(values.pop(0))
        low, high = AGE_RANGE
        if not low <= age <= high:
            raise ModelCheckError(f"{model.name}: the estimated age of the sample face is {age:.4g} years, outside "
                                  f"the plausible range {low:g}–{high:g}; check age_kind, age_bins and the input "
                                  "scale/mean/std in the spec")
        measured["age"] = age
    if "gender" in attributes:
        gender_score, male = values
        if not 0.5 - PROBABILITY_SLACK <= gender_score <= 1 + PROBABILITY_SLACK:
            raise ModelCheckError(f"{model.name}: the gender confidence {gender_score:.6g} is outside [0.5, 1]")
        measured["gender"] = "male" if male else "female"
    sums = model.probability_sums(crop) if hasattr(model, "probability_sums") else {}
    for attribute, off in sums.items():
        if off > PROBABILITY_SUM_SLACK:
            kind = f"{attribute}_kind"
            raise ModelCheckError(f"{model.name}: the spec says {kind} = \"probabilities\", but the "
                                  f"{attribute}_output's values on the sample face sum to {1 + off:.4g} or "
                                  f"{1 - off:.4g}, not 1 (off by {off:.3g}); use {kind} = \"logits\" if they are "
                                  "scores before a softmax")
    return measured


#: role → how to run and read it (a new role is one entry here)
PROBES: dict[str, _Probe] = {
    "embedder": _Probe(_embedder_output, _embedder_check),
    "spoof": _Probe(_two_class_logits, _spoof_check),
    "recapture": _Probe(_recapture_output, _recapture_check),
    "estimator": _Probe(_estimator_output, _estimator_check),
}

#: Probability outputs (age bins, two gender classes) must sum to 1 within this (float32 softmax, fp16 weights).
PROBABILITY_SUM_SLACK = 1e-3


def cam_layout_problem(shape: tuple[int, ...], layout: str, input_size: int) -> str:
    """Why a cam_layer activation of ``shape`` (as hooked) contradicts ``layout`` ("" when it does not).

    The model input is square (``input_size`` × ``input_size``), so a feature map's two spatial dimensions are equal.
    An activation (B, a, b, c) read as NCHW has spatial (b, c), as NHWC (a, b): when the declared reading has
    unequal spatial sides and the other reading equal ones, the layout is likely wrong. When both readings (or
    neither) are square the shape cannot tell, and nothing is refused.
    """
    if len(shape) != 4:
        return (f"its output is {_shape_text(shape)}, not a 4-D feature map (B, C, h, w) or (B, h, w, C): name a "
                "convolution's (or its activation's) node as cam_layer")
    _, a, b, c = shape
    nchw_square, nhwc_square = b == c, a == b
    if layout == "NCHW" and not nchw_square and nhwc_square:
        return (f"its output {_shape_text(shape)} reads as NHWC (h × w = {a} × {b}, C = {c}) for the square "
                f"{input_size} × {input_size} input, but the spec's cam_layout is \"NCHW\" (C = {a}, h × w = {b} × "
                f"{c}); set cam_layout = \"NHWC\" in the spec")
    if layout == "NHWC" and not nhwc_square and nchw_square:
        return (f"its output {_shape_text(shape)} reads as NCHW (C = {a}, h × w = {b} × {c}) for the square "
                f"{input_size} × {input_size} input, but the spec's cam_layout is \"NHWC\" (h × w = {a} × {b}, "
                f"C = {c}); set cam_layout = \"NCHW\" (or leave it out) in the spec")
    return ""


def _shape_text(shape: tuple[int, ...]) -> str:
    return "(" + ", ".join(str(n) for n in shape) + ")"


def _cam_checks(model: PretrainedModel, single: torch.Tensor) -> dict:
    """A user model's cam_layer activation on the sample and its layout check ({} when no CAM can run)."""
    spec = getattr(model, "spec", None)
    if spec is None or spec.cam_layer is None or not model.differentiable:
        return {}
    shape = model.cam_activation_shape(single)
    problem = cam_layout_problem(shape, spec.cam_layout, spec.input_size)
    if problem:
        raise ModelCheckError(f"{model.name}: the cam_layer {spec.cam_layer!r}: {problem}")
    return {"cam_activation": tuple(int(n) for n in shape), "cam_layout": spec.cam_layout}

def _array(output: torch.Tensor) -> np.ndarray:
    return output.detach().to(torch.float64).cpu().numpy()


def _softmax(logits: np.ndarray) -> np.ndarray:
    shifted = np.exp(logits - logits.max())
    return shifted / shifted.sum()


@lru_cache(maxsize=4)
def _sample(file_name: str):
    """The sample image and its largest detected face (detected once per process)."""
    from xai.core.faces import largest_face
    from xai.core.samples import sample_image

    image = sample_image(file_name)
    return image, largest_face(image)[0]


def sample_crops(model: PretrainedModel, sample: str = SAMPLE_FILE) -> np.ndarray:
    """(2, S, S, 3) uint8 RGB: the model's crop of the sample face and its mirror image.

    Models whose crops are not made from a face (ID-card recapture: crop kind "card") see the whole sample image
    resized to S × S, as "image" crops do.

    Raises:
        FileNotFoundError: the sample portraits are not fetched (run ``python scripts/fetch_samples.py``).
    """
    from xai.core.samples import SAMPLES_DIR

    if not (SAMPLES_DIR / sample).is_file():
        raise FileNotFoundError(f"the sample face {SAMPLES_DIR / sample} is missing: run "
                                "`python scripts/fetch_samples.py`")
    image, face = _sample(sample)
    size = model.crop_spec.size
    if model.crop_spec.kind == "card":
        crop = cv2.resize(image, (size, size), interpolation=cv2.INTER_AREA)
    else:
        from xai.core.crops import model_crop

        crop = model_crop(model, image, face)
    return np.stack([crop, crop[:, ::-1]])


def _check_finite(model: PretrainedModel, output: np.ndarray, what: str) -> None:
    bad = ~np.isfinite(output)
    if bad.any():
        kinds = sorted({"NaN" if np.isnan(v) else "infinite" for v in output[bad]})
        raise ModelCheckError(f"{model.name}: the output for {what} has {int(bad.sum())} {' and '.join(kinds)} "
                              f"value(s) out of {output.size}")


def _difference(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.max(np.abs(a - b))) if a.size else 0.0


def check_model(model: PretrainedModel, sample: str = SAMPLE_FILE) -> ModelChecks:
    """Run ``model`` on a real sample face and check its output; the measurements if it passes.

    Args:
        model: any model of a role in :data:`PROBES` (shipped or user).
        sample: file name of a sample portrait in ``assets/samples/``.

    Returns:
        The frozen :class:`ModelChecks` measured.

    Raises:
        ModelCheckError: a check failed (wrong output shape, NaN or infinite values, non-deterministic output,
            batch-dependent output, zero embedding, probabilities outside [0, 1], ...); the message says which.
        FileNotFoundError: the sample portraits are missing.
    """
    role = getattr(model, "role", None)
    if role not in PROBES:
        raise ModelCheckError(f"{model.name}: no checks for role {role!r}; checked roles: {', '.join(PROBES)}")
    probe = PROBES[role]
    pair = PretrainedModel.to_batch(sample_crops(model, sample))
    single = pair[:1]
    runs, seconds = [], []
    for _ in range(2):
        start = time.perf_counter()
        runs.append(probe.run(model, single))
        seconds.append(time.perf_counter() - start)
    first = runs[0]
    if first.ndim == 0 or first.shape[0] != 1:
        raise ModelCheckError(f"{model.name}: one face gave an output of shape {first.shape}; expected one row "
                              "per face (batch dimension first)")
    _check_finite(model, first, f"the sample face ({sample})")
    measured = probe.check(model, first, single)
    if runs[1].shape != first.shape:
        raise ModelCheckError(f"{model.name}: two runs on the same face gave shapes {first.shape} and "
                              f"{runs[1].shape}")
    scale = max(1.0, float(np.max(np.abs(first))))
    repeat = _difference(first, runs[1])
    if repeat > REPEAT_TOLERANCE * scale:
        raise ModelCheckError(f"{model.name}: not deterministic: two runs on the same face differ by up to "
                              f"{repeat:.3g} (allowed {REPEAT_TOLERANCE * scale:.3g})")
    mirror = probe.run(model, pair[1:])
    _check_finite(model, mirror, f"the mirrored sample face ({sample})")
    batch = probe.run(model, pair)
    if batch.shape[0] != 2 or batch.shape[1:] != first.shape[1:]:
        raise ModelCheckError(f"{model.name}: a batch of 2 faces gave shape {batch.shape}, expected "
                              f"{(2, *first.shape[1:])}")
    _check_finite(model, batch, "a batch of 2 faces")
    batch_difference = _difference(batch, np.concatenate([first, mirror]))
    if batch_difference > BATCH_TOLERANCE * scale:
        raise ModelCheckError(f"{model.name}: the output depends on the batch: a batch of 2 differs from the "
                              f"2 faces run alone by up to {batch_difference:.3g} "
                              f"(allowed {BATCH_TOLERANCE * scale:.3g})")
    measured.update(_cam_checks(model, single))
    return ModelChecks(name=model.name, role=role, sample=sample, crop_size=model.crop_spec.size,
                       output_shape=tuple(int(n) for n in first.shape), repeat_difference=repeat,
                       batch_difference=batch_difference, seconds_per_face=min(seconds), **measured)
