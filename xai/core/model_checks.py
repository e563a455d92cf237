"""Checks a model must pass before it is registered: run it on a real sample face and measure what it does.

:func:`check_model` works on any :class:`~models.base.PretrainedModel` by its role — shipped or the user's own
(ONNX, TorchScript) — so registering a user model and auditing a shipped one are the same measurement:

* output shape: an embedder gives (1, D) with D ≥ 2; a spoof classifier two classes (spoof, bona fide);
* finite values (no NaN or ±inf);
* determinism: the same crop twice gives the same output (bit-identical or within :data:`REPEAT_TOLERANCE`);
* batch consistency: a batch of two crops equals the two crops run alone (within :data:`BATCH_TOLERANCE`);
* embedding norm > 0 (the raw norm is reported: a model whose output is already L2-normalised shows 1.0);
* class probabilities in [0, 1] summing to 1;
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
        role: "embedder", "spoof" or "estimator" (the roles in :data:`PROBES`; ID-card recapture detectors need
            their task's FFT inputs, and user models cannot play that role yet).
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
        if self.age is not None:
            out.append(f"estimate on the sample face: age {self.age:.1f}, {self.gender}")
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


def _spoof_output(model: SpoofClassifier, crops: torch.Tensor) -> np.ndarray:
    with torch.no_grad():
        return _array(model.two_class_logits(crops))


def _spoof_check(model: SpoofClassifier, output: np.ndarray, crop: torch.Tensor) -> dict:
    if output.ndim != 2 or output.shape[1] != 2:
        raise ModelCheckError(f"{model.name}: a spoof classifier must give 2 classes (spoof, bona fide) for one "
                              f"face, got shape {output.shape}")
    probabilities = _softmax(output[0])
    with torch.no_grad():
        bona_fide = float(model.bona_fide_probability(crop)[0])
    if not -PROBABILITY_SLACK <= bona_fide <= 1 + PROBABILITY_SLACK:
        raise ModelCheckError(f"{model.name}: the bona fide probability {bona_fide:.6g} is outside [0, 1]")
    if abs(bona_fide - probabilities[GENUINE]) > PROBABILITY_SLACK:
        raise ModelCheckError(f"{model.name}: the bona fide probability {bona_fide:.6f} differs from the softmax "
                              f"of its two-class logits {probabilities[GENUINE]:.6f}: the class order is inconsistent")
    return {"class_count": 2, "class_probabilities": (float(probabilities[SPOOF]), float(probabilities[GENUINE]))}


def _estimator_output(model: SoftBiometricEstimator, crops: torch.Tensor) -> np.ndarray:
    with torch.no_grad():
        estimates = model.estimate(crops)
    if len(estimates) != len(crops):
        raise ModelCheckError(f"{model.name}: {len(crops)} crops gave {len(estimates)} estimates")
    return np.array([[e.age, e.gender_score, 1.0 if e.gender == "male" else 0.0] for e in estimates])


def _estimator_check(model: SoftBiometricEstimator, output: np.ndarray, crop: torch.Tensor) -> dict:
    age, gender_score, male = output[0]
    if age < 0:
        raise ModelCheckError(f"{model.name}: the estimated age {age:.3g} is negative")
    if not 0.5 - PROBABILITY_SLACK <= gender_score <= 1 + PROBABILITY_SLACK:
        raise ModelCheckError(f"{model.name}: the gender confidence {gender_score:.6g} is outside [0.5, 1]")
    return {"age": float(age), "gender": "male" if male else "female"}


#: role → how to run and read it (a new role is one entry here)
PROBES: dict[str, _Probe] = {
    "embedder": _Probe(_embedder_output, _embedder_check),
    "spoof": _Probe(_spoof_output, _spoof_check),
    "estimator": _Probe(_estimator_output, _estimator_check),
}

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
    return ModelChecks(name=model.name, role=role, sample=sample, crop_size=model.crop_spec.size,
                       output_shape=tuple(int(n) for n in first.shape), repeat_difference=repeat,
                       batch_difference=batch_difference, seconds_per_face=min(seconds), **measured)
