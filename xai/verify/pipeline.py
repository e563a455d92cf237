"""Face verification of a probe/gallery pair and its black-box explanations (seed 001).

Each face is detected (largest face), cropped and aligned the way its embedder expects, embedded, and
compared in the model's native metric (cosine similarity, or dlib's Euclidean distance) against the threshold
of the model's calibration at a target FMR where one is stored, else the model's own threshold (its origin is
stated in the model card); the result says which (:class:`xai.verify.calibration.ThresholdOrigin`). Explanations use the cosine similarity of the masked
probe to the gallery embedding, computed once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch

from models.base import FaceEmbedder
from models.registry import DEFAULT_VERIFIER, load_model, names, verification_embedders
from xai.core.crops import model_crop
from xai.core.faces import DetectedFace, detect_faces, usable_face
from xai.explain.rise.corr import corr_rise
from xai.explain.rise.engine import ProgressFn
from xai.explain.rise.fv import fv_rise
from xai.explain.rise.result import SaliencyResult
from xai.verify.calibration import ThresholdOrigin, accepts, decision_threshold
from xai.verify.score import score_function

EXPLAINERS = ("fv-rise", "corr-rise")
#: Masks per map: FV-RISE at the size that reaches rank correlation ≥ 0.97 with an 8000-mask map on faceres
#: with Sobol sampling (bench/bench_rise.py); CorrRISE at the original 1000.
DEFAULT_MASKS = {"fv-rise": 768, "corr-rise": 1000}
#: The mask counts offered (page sliders); a default is always one of them.
MASK_CHOICES = {"fv-rise": (128, 256, 512, 768, 1024, 2048, 4096, 10000),
                "corr-rise": (250, 500, 1000, 2000, 4000, 10000)}
#: Longest a default map should take on a 2-core CPU; a model slower than that at DEFAULT_MASKS gets fewer masks.
DEFAULT_MAP_SECONDS = 25.0
DEFAULT_SAMPLING = "sobol"
# bf16 where the CPU has it and the maps agree (xai.core.precision); faceres on avx512_bf16: 2.4× faster, map r ≥ 0.9995
DEFAULT_PRECISION = "auto"
DEFAULT_BATCH = 8  # masked probes per forward pass: the fastest on 2 cores in bench/bench_rise.py


def default_masks(explainer: str, model: FaceEmbedder) -> int:
    """Masks of a default ``explainer`` map ("fv-rise" or "corr-rise") for ``model``: :data:`DEFAULT_MASKS`, or for
    a model whose ``slow_ms_per_face`` would make that take longer than :data:`DEFAULT_MAP_SECONDS`, the largest
    count of :data:`MASK_CHOICES` that fits (at least the smallest). dlib-resnet (82 ms a face): 256 and 250."""
    default = DEFAULT_MASKS[explainer]
    cost = model.slow_ms_per_face
    if not cost or default * cost / 1000 <= DEFAULT_MAP_SECONDS:
        return default
    fitting = [n for n in MASK_CHOICES[explainer] if n * cost / 1000 <= DEFAULT_MAP_SECONDS]
    return max(fitting, default=MASK_CHOICES[explainer][0])


@dataclass(frozen=True, slots=True)
class VerificationResult:
    """Decision for one pair.

    Attributes:
        model: registered embedder name.
        probe_crop, gallery_crop: (S, S, 3) uint8 RGB model inputs.
        native_score: score in the model's metric (``metric``).
        metric: "cosine" (higher = same) or "euclidean" (lower = same).
        threshold: decision threshold on ``native_score`` (``calibration.threshold`` when that is set).
        cosine: cosine similarity of the L2-normalised embeddings in [−1, 1].
        same_person: the decision.
        faces_found: (probe, gallery) face counts; the largest face of each is used.
        probe_faces, gallery_faces: every face detected in each photo, largest first, in its pixels (handed on to
            the gates, soft biometrics and reports so Face Mesh runs once per photo).
        calibration: which threshold decided and where it came from (a calibrated operating point or the
            model's own threshold); None only for results built without :func:`verify_pair`.
    """

    model: str
    probe_crop: np.ndarray
    gallery_crop: np.ndarray
    native_score: float
    metric: str
    threshold: float
    cosine: float
    same_person: bool
    faces_found: tuple[int, int]
    probe_faces: tuple[DetectedFace, ...] = ()
    gallery_faces: tuple[DetectedFace, ...] = ()
    calibration: ThresholdOrigin | None = None

    @property
    def probe_face(self) -> DetectedFace:
        """The probe face that was verified (the largest in the probe photo)."""
        return self.probe_faces[0]

    @property
    def gallery_face(self) -> DetectedFace:
        """The gallery face that was verified (the largest in the gallery photo)."""
        return self.gallery_faces[0]


def _embedder(name: str, loader: Callable[[str], FaceEmbedder]) -> FaceEmbedder:
    """The embedder ``name``: a verification embedder of the registry, or one only ``loader`` holds (a model
    uploaded in a browser session, not registered); ValueError for any other registered model."""
    if name in verification_embedders():
        return loader(name)
    if name not in names():
        embedder = loader(name)  # the registry's loader raises ValueError naming the valid models
        if isinstance(embedder, FaceEmbedder) and getattr(embedder, "usable_for_verification", True):
            return embedder
    raise ValueError(f"{name!r} is not offered for verification; choose one of: "
                     f"{', '.join(verification_embedders())}")


def verify_pair(probe: np.ndarray, gallery: np.ndarray, model: str = DEFAULT_VERIFIER,
                loader: Callable[[str], FaceEmbedder] = load_model,
                faces: tuple[Sequence[DetectedFace], Sequence[DetectedFace]] | None = None) -> VerificationResult:
    """Verify two (H, W, 3) uint8 RGB photos; :class:`xai.core.faces.FaceError` when a face is missing.

    ``faces``: (probe faces, gallery faces) already detected in the photos, largest first (e.g. an earlier
    result's ``probe_faces``/``gallery_faces``); None = run Face Mesh once on each photo.
    """
    embedder = _embedder(model, loader)
    probe_faces, gallery_faces = (detect_faces(probe), detect_faces(gallery)) if faces is None else faces
    probe_face, gallery_face = usable_face(probe_faces), usable_face(gallery_faces)
    crops = [model_crop(embedder, probe, probe_face), model_crop(embedder, gallery, gallery_face)]
    with torch.no_grad():
        descriptors = embedder.descriptors(embedder.to_batch(crops))
        native = float(embedder.native_score(descriptors[:1], descriptors[1:]))
        embeddings = torch.nn.functional.normalize(descriptors, dim=-1)
        cosine = float(embedder.similarity(embeddings[:1], embeddings[1:]))
    origin = decision_threshold(model, float(embedder.threshold))  # a calibrated operating point, else the model's
    return VerificationResult(model, crops[0], crops[1], native, embedder.native_metric, origin.threshold,
                              cosine, accepts(embedder.native_metric, native, origin.threshold),
                              (len(probe_faces), len(gallery_faces)), tuple(probe_faces), tuple(gallery_faces),
                              origin)


def explain_pair(result: VerificationResult, explainer: str = "fv-rise", n_masks: int | None = None, seed: int = 0,
                 reverse: bool = False, batch_size: int = DEFAULT_BATCH, early_stop: bool = False,
                 loader: Callable[[str], FaceEmbedder] = load_model,
                 progress: ProgressFn | None = None, sampling: str = DEFAULT_SAMPLING,
                 precision: str = DEFAULT_PRECISION) -> SaliencyResult:
    """Similarity/dissimilarity maps over the probe crop (or the gallery crop with ``reverse``).

    ``n_masks`` defaults to :data:`DEFAULT_MASKS` of the explainer; ``sampling`` ("sobol"/"random") applies to
    FV-RISE; ``precision`` ("auto"/"fp32"/"bf16") is recorded in the result (see :mod:`xai.core.precision`).
    """
    if explainer not in EXPLAINERS:
        raise ValueError(f"unknown explainer {explainer!r}; choose one of: {', '.join(EXPLAINERS)}")
    embedder = _embedder(result.model, loader)
    explained, other = (result.gallery_crop, result.probe_crop) if reverse else (result.probe_crop,
                                                                                 result.gallery_crop)
    score = score_function(embedder, other)
    probe = torch.from_numpy(explained.astype(np.float32))
    n_masks = DEFAULT_MASKS[explainer] if n_masks is None else n_masks
    common = dict(n_masks=n_masks, batch_size=batch_size, seed=seed, early_stop=early_stop, progress=progress,
                  precision=precision)
    if explainer == "fv-rise":
        return fv_rise(probe, score, sampling=sampling, **common)
    return corr_rise(probe, score, **common)


def decision_map(result: VerificationResult, saliency: SaliencyResult) -> np.ndarray:
    """The map that matches the decision: similarity for an acceptance, dissimilarity for a rejection."""
    return saliency.similarity if result.same_person else saliency.dissimilarity


def similarity_cam(result: VerificationResult, method: str = "grad-cam", reverse: bool = False,
                   loader: Callable[[str], FaceEmbedder] = load_model) -> np.ndarray:
    """CAM of the cosine similarity to the other face's embedding (differentiable embedders only).

    Returns (S, S) float32 in [0, 1] over the explained crop (the probe, or the gallery with ``reverse``).
    Raises ValueError for a black-box embedder or an unknown CAM method (:data:`xai.explain.cam.CAM_METHODS`).
    """
    from xai.explain.cam import cam_maps

    embedder = _embedder(result.model, loader)
    if not embedder.differentiable or embedder.target_layer is None:
        # a user model says why (its spec names no cam_layer, or its graph does not convert to torch)
        why = getattr(embedder, "cam_unavailable_reason", "")
        raise ValueError(f"{result.model} is a black box{f' ({why})' if why else ''}: use fv-rise or corr-rise")
    explained, other = (result.gallery_crop, result.probe_crop) if reverse else (result.probe_crop,
                                                                                 result.gallery_crop)
    score = score_function(embedder, other, gradients=True)
    cam = cam_maps(score, embedder.module_for_cam(), embedder.cam_layer(), embedder.to_batch(explained[None]),
                   method=method, reshape=embedder.cam_reshape, score_cam_batch=16)
    return cam.maps[0]


def map_faithfulness(result: VerificationResult, heatmap: np.ndarray, reverse: bool = False, steps: int = 8,
                     loader: Callable[[str], FaceEmbedder] = load_model):
    """Deletion/insertion curves of the cosine similarity for ``heatmap`` over the explained crop."""
    from xai.explain.faithfulness import faithfulness_curves

    embedder = _embedder(result.model, loader)
    explained, other = (result.gallery_crop, result.probe_crop) if reverse else (result.probe_crop,
                                                                                 result.gallery_crop)
    return faithfulness_curves(explained, heatmap, score_function(embedder, other), steps=steps,
                               original_score=result.cosine)


def explain_regions(result: VerificationResult, reverse: bool = False,
                    loader: Callable[[str], FaceEmbedder] = load_model):
    """Face-part contributions over the explained crop: (reference similarity, contributions, crop landmarks).

    Raises :class:`xai.core.faces.FaceError` when Face Mesh cannot find the face again on the model's crop.
    """
    from xai.core.faces import FaceError, detect_faces
    from xai.verify.parts import part_contributions

    embedder = _embedder(result.model, loader)
    explained, other = (result.gallery_crop, result.probe_crop) if reverse else (result.probe_crop,
                                                                                 result.gallery_crop)
    faces = detect_faces(explained)
    if not faces:
        raise FaceError("The face parts could not be located on the model's crop.")
    reference, contributions = part_contributions(explained, faces[0].landmarks, score_function(embedder, other))
    return reference, contributions, faces[0].landmarks
