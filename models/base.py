"""One interface per role: face embedder, spoof classifier, soft-biometric estimator.

Every model takes the same input, so explainers never care which model they explain:
``crops``: (B, S, S, 3) float32 RGB in [0, 255], S = ``model.crop_spec.size``. A model only *declares* its
crop (:class:`CropSpec`, plain data); :func:`xai.core.crops.model_crop` makes it from an image and a face
detected once. Each model converts colour order and range once, in :meth:`InputSpec.apply`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch

from models.hashing import sha256_file
from models.labels import GENUINE, SPOOF

ROOT = Path(__file__).resolve().parents[1]
CARDS_DIR = ROOT / "models" / "cards"


class ModelUnavailableError(RuntimeError):
    """The model's files are missing or broken; the message says how to fix it."""


@dataclass(frozen=True, slots=True)
class InputSpec:
    """How a model wants its pixels: ``(x[..., order] - mean) * scale`` from RGB in [0, 255]."""

    colour_order: str = "RGB"
    mean: tuple[float, float, float] = (0.0, 0.0, 0.0)
    scale: float = 1.0

    def apply(self, crops: torch.Tensor) -> torch.Tensor:
        """(B, S, S, 3) float32 RGB [0, 255] to the model's input range and colour order."""
        if self.colour_order == "BGR":
            crops = crops.flip(-1)
        mean = torch.tensor(self.mean, dtype=crops.dtype, device=crops.device)
        return (crops - mean) * self.scale

    def describe(self) -> str:
        mean = "0" if not any(self.mean) else "(" + ", ".join(f"{m:g}" for m in self.mean) + ")"
        return f"{self.colour_order}, (x − {mean}) × {self.scale:g} from x in 0..255"


#: Crop kinds (see :class:`CropSpec`).
CROP_KINDS = ("aligned", "box", "region", "model", "card", "image")


@dataclass(frozen=True, slots=True)
class CropSpec:
    """Which part of the image a model sees: plain data, applied by :func:`xai.core.crops.model_crop`.

    Attributes:
        size: side S of the square (S, S, 3) crop in pixels.
        kind: "aligned": similarity warp of the 5 landmarks to the ArcFace template (``zoom`` < 1 adds context);
            "box": square crop around the landmarks' box, ``enlarge`` × its longer side; "region": the seed 000
            pipeline's ``region`` crop (eye alignment, CLAHE, landmark box); "model": made by the model itself
            from the face box (:meth:`PretrainedModel.own_crop`), ``own`` says how; "card": an ID-card crop made
            by :mod:`xai.idcard`, not from a face; "image": the whole image resized to (S, S) (aspect not kept),
            for models that see the full frame (user liveness models).
        zoom: "aligned" only: template scale about the crop centre.
        enlarge: "box" only: crop side / the landmark box's longer side.
        region: "region" only: "full_face", "eyes", "nose" or "mouth".
        own: "model" only: the model's own cropping, in words.
    """

    size: int
    kind: str = "aligned"
    zoom: float = 1.0
    enlarge: float = 1.0
    region: str | None = None
    own: str = ""

    def __post_init__(self) -> None:
        if self.kind not in CROP_KINDS:
            raise ValueError(f"unknown crop kind {self.kind!r}; choose one of: {', '.join(CROP_KINDS)}")
        if (self.kind == "region") != (self.region is not None):
            raise ValueError("a region crop names its region (and only a region crop does)")

    def describe(self) -> str:
        if self.kind == "model":
            return f"{self.size}×{self.size}, {self.own}"
        if self.kind == "aligned":
            return f"{self.size}×{self.size}, 5-point ArcFace-template alignment, zoom {self.zoom:g}"
        if self.kind == "region":
            return f"{self.size}×{self.size}, seed 000 {self.region.replace('_', ' ')} crop (eyes levelled, CLAHE)"
        if self.kind == "card":
            return f"{self.size}×{self.size}, ID-card L1/L2 crops at the card centroid"
        if self.kind == "image":
            return f"{self.size}×{self.size}, the whole image resized"
        return f"{self.size}×{self.size}, square crop of the landmark box × {self.enlarge:g}"


@dataclass(frozen=True, slots=True)
class ModelCard:
    """A model card from ``models/cards/<file>``: front-matter fields and the Markdown body."""

    fields: dict[str, str]
    body: str

    @property
    def summary(self) -> str:
        return self.fields.get("summary", "")

    @classmethod
    def load(cls, file_name: str) -> ModelCard:
        text = (CARDS_DIR / file_name).read_text()
        fields: dict[str, str] = {}
        body = text
        if text.startswith("---\n"):
            header, _, body = text[4:].partition("\n---\n")
            for line in header.splitlines():
                key, sep, value = line.partition(":")
                if sep:
                    fields[key.strip()] = value.strip()
        return cls(fields, body.strip())


@lru_cache(maxsize=64)
def sha256_of(path: Path) -> str:
    """SHA-256 hex digest of a weight file (cached per path for one process)."""
    return sha256_file(path)


class PretrainedModel(ABC):
    """What every shipped model declares: name, card, files, crop and input conventions."""

    name: str
    title: str
    card_file: str
    crop_spec: CropSpec
    input_spec: InputSpec = InputSpec()
    #: Graph node (or module name) whose activations CAM methods should use, None if not differentiable.
    target_layer: str | None = None
    differentiable: bool = True

    @abstractmethod
    def files(self) -> list[Path]:
        """Weight files this model is loaded from."""

    def file_hashes(self) -> dict[str, str]:
        return {p.name: sha256_of(p) for p in self.files()}

    @property
    def card(self) -> ModelCard:
        return ModelCard.load(self.card_file)

    def module_for_cam(self) -> torch.nn.Module:
        """The ``nn.Module`` that holds :attr:`target_layer` (for hooking)."""
        raise NotImplementedError(f"{type(self).__name__} cannot be explained with CAM methods")

    def cam_layer(self, name: str | None = None) -> torch.nn.Module:
        """The module to hook for CAM: ``name`` or the model's default :attr:`target_layer`."""
        return self.module_for_cam().get_submodule(name or self.target_layer)

    #: Reshape transform for CAM activations (NHWC TF.js graphs need ``nhwc_to_nchw``).
    cam_reshape = None

    def own_crop(self, image: np.ndarray, box: tuple[float, float, float, float]) -> np.ndarray:
        """(S, S, 3) uint8 RGB crop the model makes itself (``crop_spec.kind == "model"``).

        Args:
            image: (H, W, 3) uint8 RGB.
            box: (x0, y0, x1, y1) float pixel bounds of the detected face in ``image``.
        """
        raise NotImplementedError(f"{type(self).__name__} does not make its own crops "
                                  f"(its crop kind is {self.crop_spec.kind!r})")

    @staticmethod
    def to_batch(crops: np.ndarray | list[np.ndarray]) -> torch.Tensor:
        """Stack uint8 crops into a (B, S, S, 3) float32 tensor in [0, 255]."""
        array = np.stack(crops) if isinstance(crops, list) else np.asarray(crops)
        if array.ndim == 3:
            array = array[None]
        return torch.from_numpy(array.astype(np.float32))


class FaceEmbedder(PretrainedModel):
    """Maps face crops to identity embeddings; higher :meth:`similarity` means more alike."""

    role = "embedder"
    #: Native comparison: "cosine" (similarity, higher = same) or "euclidean" (distance, lower = same).
    native_metric: str = "cosine"
    #: Decision threshold on the native score, with its origin stated in the card.
    threshold: float = 0.5
    #: Why bf16 autocast cannot score this model ("" when it can): a model run outside torch (onnxruntime)
    #: scores in float32 whatever the autocast says, so precision "auto" keeps fp32 and says why.
    bf16_unavailable_reason: str = ""
    #: CPU milliseconds per face crop when it is far above the torch models' few, measured on this project's
    #: 2-core machine (the model card says how); sizes default random-mask explanations. None = fast enough.
    slow_ms_per_face: float | None = None

    @abstractmethod
    def descriptors(self, crops: torch.Tensor) -> torch.Tensor:
        """(B, S, S, 3) float32 RGB [0, 255] → (B, D) float32 descriptors as the model outputs them."""

    def embed(self, crops: torch.Tensor) -> torch.Tensor:
        """(B, S, S, 3) float32 RGB [0, 255] → (B, D) float32 L2-normalised embeddings."""
        return torch.nn.functional.normalize(self.descriptors(crops), dim=-1)

    def inference_descriptors(self, crops: torch.Tensor, keep_fp32: frozenset[int] = frozenset()) -> torch.Tensor:
        """:meth:`descriptors` for black-box scoring (RISE, occlusion): no gradients; models may run a fused copy.

        ``keep_fp32``: layers (as :meth:`bf16_fp32_layers` names them) kept in float32 under a bf16 autocast.
        """
        with torch.no_grad():
            return self.descriptors(crops)

    def embed_for_scoring(self, crops: torch.Tensor, keep_fp32: frozenset[int] = frozenset()) -> torch.Tensor:
        """(B, S, S, 3) float32 RGB [0, 255] → (B, D) L2-normalised embeddings, without gradients (fast path)."""
        return torch.nn.functional.normalize(self.inference_descriptors(crops, keep_fp32), dim=-1)

    def bf16_fp32_layers(self, crops: torch.Tensor) -> tuple[frozenset[int], int]:
        """(layers to keep in float32 under bf16 autocast, number of layers considered) for typical crops.

        The default keeps none; models with a fused graph find the layers bf16 would distort.
        """
        return frozenset(), 0

    @staticmethod
    def similarity(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        """Cosine similarity in [-1, 1] of L2-normalised (B, D) and (B or 1, D) embeddings: (B,)."""
        return (a * b).sum(dim=-1)

    def native_score(self, da: torch.Tensor, db: torch.Tensor) -> torch.Tensor:
        """Score of two (B, D) :meth:`descriptors` in the model's own metric (:attr:`native_metric`): (B,)."""
        if self.native_metric == "euclidean":
            return torch.linalg.vector_norm(da - db, dim=-1)
        na, nb = torch.nn.functional.normalize(da, dim=-1), torch.nn.functional.normalize(db, dim=-1)
        return self.similarity(na, nb)

    def is_match(self, native_score: float) -> bool:
        if self.native_metric == "euclidean":
            return native_score <= self.threshold
        return native_score >= self.threshold


class SpoofClassifier(PretrainedModel):
    """Bona fide vs attack: the bona fide logit, and its probability = sigmoid(logit)."""

    role = "spoof"

    @abstractmethod
    def bona_fide_logit(self, crops: torch.Tensor) -> torch.Tensor:
        """(B, S, S, 3) float32 RGB [0, 255] → (B,) logit of the bona fide class."""

    def bona_fide_probability(self, crops: torch.Tensor) -> torch.Tensor:
        """(B,) probability in [0, 1] that each crop is bona fide (a live, real face)."""
        return torch.sigmoid(self.bona_fide_logit(crops))

    def two_class_logits(self, crops: torch.Tensor) -> torch.Tensor:
        """(B, 2) logits in :mod:`models.labels` order (spoof, bona fide); softmax gives the class probabilities.

        Models with one output use (−z/2, z/2), whose softmax is exactly (1 − σ(z), σ(z)).
        """
        z = self.bona_fide_logit(crops)
        by_label = {SPOOF: -z / 2, GENUINE: z / 2}
        return torch.stack([by_label[label] for label in sorted(by_label)], dim=-1)


@dataclass(frozen=True, slots=True)
class SoftBiometrics:
    """Soft-biometric estimate for one face.

    Attributes:
        age: years, float >= 0.
        gender: "female" or "male".
        gender_score: confidence of ``gender`` in [0.5, 1].
        extra: other model-specific outputs (e.g. race probabilities), name → value.
    """

    age: float
    gender: str
    gender_score: float
    extra: dict[str, float] = field(default_factory=dict)


class SoftBiometricEstimator(PretrainedModel):
    """Estimates age and gender from face crops."""

    role = "estimator"

    @abstractmethod
    def estimate(self, crops: torch.Tensor) -> list[SoftBiometrics]:
        """(B, S, S, 3) float32 RGB [0, 255] → one :class:`SoftBiometrics` per crop."""
