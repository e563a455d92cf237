"""Face verification of a probe/gallery pair and its black-box explanations (seed 001).

Each face is detected (largest face), cropped and aligned the way its embedder expects, embedded, and
compared in the model's native metric (cosine similarity, or dlib's Euclidean distance) against the model's
threshold (its origin is stated in the model card). Explanations use the cosine similarity of the masked
probe to the gallery embedding, computed once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from models.base import FaceEmbedder
from models.registry import load_model, verification_embedders
from xai.faces import largest_face
from xai.rise import ProgressFn, SaliencyResult, corr_rise, fv_rise

EXPLAINERS = ("fv-rise", "corr-rise")
#: Masks per map: FV-RISE at the size that reaches rank correlation ≥ 0.97 with an 8000-mask map on faceres
#: with Sobol sampling (bench/bench_rise.py); CorrRISE at the original 1000.
DEFAULT_MASKS = {"fv-rise": 768, "corr-rise": 1000}
DEFAULT_SAMPLING = "sobol"
# bf16 where the CPU has it and the maps agree (xai.precision); faceres on avx512_bf16: 2.4× faster, map r ≥ 0.9995
DEFAULT_PRECISION = "auto"
DEFAULT_BATCH = 8  # masked probes per forward pass: the fastest on 2 cores in bench/bench_rise.py


@dataclass(frozen=True, slots=True)
class VerificationResult:
    """Decision for one pair.

    Attributes:
        model: registered embedder name.
        probe_crop, gallery_crop: (S, S, 3) uint8 RGB model inputs.
        native_score: score in the model's metric (``metric``).
        metric: "cosine" (higher = same) or "euclidean" (lower = same).
        threshold: decision threshold on ``native_score``.
        cosine: cosine similarity of the L2-normalised embeddings in [−1, 1].
        same_person: the decision.
        faces_found: (probe, gallery) face counts; the largest face of each is used.
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


def _embedder(name: str, loader: Callable[[str], FaceEmbedder]) -> FaceEmbedder:
    if name not in verification_embedders():
        raise ValueError(f"{name!r} is not offered for verification; choose one of: "
                         f"{', '.join(verification_embedders())}")
    return loader(name)


def verify_pair(probe: np.ndarray, gallery: np.ndarray, model: str = "faceres",
                loader: Callable[[str], FaceEmbedder] = load_model) -> VerificationResult:
    """Verify two (H, W, 3) uint8 RGB photos; :class:`xai.faces.FaceError` when a face is missing."""
    embedder = _embedder(model, loader)
    probe_face, probe_count = largest_face(probe)
    gallery_face, gallery_count = largest_face(gallery)
    crops = [embedder.crop(probe, probe_face), embedder.crop(gallery, gallery_face)]
    with torch.no_grad():
        descriptors = embedder.descriptors(embedder.to_batch(crops))
        native = float(embedder.native_score(descriptors[:1], descriptors[1:]))
        embeddings = torch.nn.functional.normalize(descriptors, dim=-1)
        cosine = float(embedder.similarity(embeddings[:1], embeddings[1:]))
    return VerificationResult(model, crops[0], crops[1], native, embedder.native_metric, embedder.threshold,
                              cosine, embedder.is_match(native), (probe_count, gallery_count))


class SimilarityScore:
    """Score function: (B, S, S, 3) float32 crops → (B,) cosine similarity to a reference embedded once.

    By default it scores through the embedder's fast inference path without gradients (RISE, occlusion);
    ``gradients=True`` keeps the differentiable graph (CAM targets). ``in_bf16(crops)`` returns the same score
    under bfloat16 autocast, with the layers bf16 would distort on such crops kept in float32 (for
    :mod:`xai.precision`); :attr:`precision_detail` says how many.
    """

    def __init__(self, embedder: FaceEmbedder, reference: torch.Tensor, bf16: bool = False,
                 gradients: bool = False, keep_fp32: frozenset[int] = frozenset(), layers: int = 0) -> None:
        self.embedder, self.reference, self.bf16, self.gradients = embedder, reference, bf16, gradients
        self.keep_fp32, self.layers = keep_fp32, layers

    def __call__(self, batch: torch.Tensor) -> torch.Tensor:
        if self.gradients:
            return self.embedder.similarity(self.embedder.embed(batch), self.reference)
        with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=self.bf16):
            embeddings = self.embedder.embed_for_scoring(batch, self.keep_fp32)
        return self.embedder.similarity(embeddings.float(), self.reference)

    def in_bf16(self, calibration: torch.Tensor | None = None) -> SimilarityScore:
        """This score under bf16 autocast; ``calibration`` ((B, S, S, 3) typical crops) picks the fp32 layers."""
        keep, layers = (self.embedder.bf16_fp32_layers(calibration) if calibration is not None
                        else (frozenset(), 0))
        return SimilarityScore(self.embedder, self.reference, bf16=True, keep_fp32=keep, layers=layers)

    @property
    def precision_detail(self) -> str:
        if not self.bf16:
            return "fp32"
        if not self.layers:
            return "bf16 autocast"
        return f"bf16 autocast, {len(self.keep_fp32)} of {self.layers} convolutions kept in fp32"


def similarity_to(embedder: FaceEmbedder, reference_crop: np.ndarray, gradients: bool = False) -> SimilarityScore:
    """Score function: (B, S, S, 3) float32 crops → (B,) cosine similarity to ``reference_crop`` (embedded once).

    ``gradients=True``: differentiable with respect to the crops (for CAM); otherwise the fast no-gradient path.
    """
    with torch.no_grad():
        embed = embedder.embed if gradients else embedder.embed_for_scoring
        reference = embed(embedder.to_batch(reference_crop[None]))
    return SimilarityScore(embedder, reference, gradients=gradients)


def explain_pair(result: VerificationResult, explainer: str = "fv-rise", n_masks: int | None = None, seed: int = 0,
                 reverse: bool = False, batch_size: int = DEFAULT_BATCH, early_stop: bool = False,
                 loader: Callable[[str], FaceEmbedder] = load_model,
                 progress: ProgressFn | None = None, sampling: str = DEFAULT_SAMPLING,
                 precision: str = DEFAULT_PRECISION) -> SaliencyResult:
    """Similarity/dissimilarity maps over the probe crop (or the gallery crop with ``reverse``).

    ``n_masks`` defaults to :data:`DEFAULT_MASKS` of the explainer; ``sampling`` ("sobol"/"random") applies to
    FV-RISE; ``precision`` ("auto"/"fp32"/"bf16") is recorded in the result (see :mod:`xai.precision`).
    """
    if explainer not in EXPLAINERS:
        raise ValueError(f"unknown explainer {explainer!r}; choose one of: {', '.join(EXPLAINERS)}")
    embedder = _embedder(result.model, loader)
    explained, other = (result.gallery_crop, result.probe_crop) if reverse else (result.probe_crop,
                                                                                 result.gallery_crop)
    score = similarity_to(embedder, other)
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
    """
    from pytorch_grad_cam.utils.model_targets import RawScoresOutputTarget

    from xai.cam import CAM_METHODS
    from xai.cam_adapter import NchwScoreModule

    embedder = _embedder(result.model, loader)
    if not embedder.differentiable or embedder.target_layer is None:
        raise ValueError(f"{result.model} is a black box: use fv-rise or corr-rise")
    if method not in CAM_METHODS:
        raise ValueError(f"unknown CAM method {method!r}; choose one of: {', '.join(CAM_METHODS)}")
    explained, other = (result.gallery_crop, result.probe_crop) if reverse else (result.probe_crop,
                                                                                 result.gallery_crop)
    score = similarity_to(embedder, other, gradients=True)
    module = NchwScoreModule(score, wrapped=embedder.module_for_cam())
    x = embedder.to_batch(explained[None]).permute(0, 3, 1, 2).requires_grad_(True)
    with CAM_METHODS[method](model=module, target_layers=[embedder.cam_layer()],
                             reshape_transform=embedder.cam_reshape) as cam:
        if method == "score-cam":
            cam.batch_size = 16
        with torch.enable_grad():
            return np.asarray(cam(input_tensor=x, targets=[RawScoresOutputTarget()])[0], dtype=np.float32)


def map_faithfulness(result: VerificationResult, heatmap: np.ndarray, reverse: bool = False, steps: int = 8,
                     loader: Callable[[str], FaceEmbedder] = load_model):
    """Deletion/insertion curves of the cosine similarity for ``heatmap`` over the explained crop."""
    from xai.faithfulness import faithfulness_curves

    embedder = _embedder(result.model, loader)
    explained, other = (result.gallery_crop, result.probe_crop) if reverse else (result.probe_crop,
                                                                                 result.gallery_crop)
    score = similarity_to(embedder, other)

    def score_batch(batch: np.ndarray) -> np.ndarray:
        with torch.no_grad():
            return score(embedder.to_batch(batch)).numpy()

    return faithfulness_curves(explained, heatmap, score_batch, steps=steps, original_score=result.cosine)


def explain_regions(result: VerificationResult, reverse: bool = False,
                    loader: Callable[[str], FaceEmbedder] = load_model):
    """Face-part contributions over the explained crop: (reference similarity, contributions, crop landmarks).

    Raises :class:`xai.faces.FaceError` when Face Mesh cannot find the face again on the model's crop.
    """
    from xai.faces import FaceError, detect_faces
    from xai.occlusion import part_contributions

    embedder = _embedder(result.model, loader)
    explained, other = (result.gallery_crop, result.probe_crop) if reverse else (result.probe_crop,
                                                                                 result.gallery_crop)
    faces = detect_faces(explained)
    if not faces:
        raise FaceError("The face parts could not be located on the model's crop.")
    reference, contributions = part_contributions(explained, faces[0].landmarks, similarity_to(embedder, other))
    return reference, contributions, faces[0].landmarks
