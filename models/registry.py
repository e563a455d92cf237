"""The model registry: one line per shipped model. Adding a model = one file in ``models/zoo/`` + one line here."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from functools import cache

from models.base import (
    FaceEmbedder,
    ModelCard,
    ModelUnavailableError,
    PretrainedModel,
    SoftBiometricEstimator,
    SpoofClassifier,
)
from models.zoo.idcard_recapture import RecaptureDetector

ROLES = {"embedder": FaceEmbedder, "spoof": SpoofClassifier, "estimator": SoftBiometricEstimator,
         "recapture": RecaptureDetector}


@dataclass(frozen=True, slots=True)
class ModelEntry:
    """Where a model's class lives and which role it plays."""

    name: str
    role: str
    factory: str  # "package.module:ClassName"
    card_file: str
    optional: bool = False  # an optional model may be absent without anything being wrong


REGISTRY: tuple[ModelEntry, ...] = (
    ModelEntry("faceres", "embedder", "models.zoo.faceres:FaceResEmbedder", "faceres.md"),
    ModelEntry("dlib-resnet", "embedder", "models.zoo.dlib_resnet:DlibResNetEmbedder", "dlib-resnet.md"),
    ModelEntry("mobilefacenet", "embedder", "models.zoo.mobilefacenet:MobileFaceNetEmbedder", "mobilefacenet.md"),
    ModelEntry("faceres-agegender", "estimator", "models.zoo.faceres:FaceResEstimator", "faceres.md"),
    ModelEntry("gear", "estimator", "models.zoo.gear:GearEstimator", "gear.md"),
    ModelEntry("ssrnet", "estimator", "models.zoo.ssrnet:SsrNetEstimator", "ssrnet.md"),
    ModelEntry("deepface-agegender", "estimator", "models.zoo.deepface_agegender:DeepFaceEstimator",
               "deepface-agegender.md", optional=True),
    ModelEntry("human-antispoof", "spoof", "models.zoo.antispoof:HumanAntispoof", "human-antispoof.md"),
    ModelEntry("human-liveness", "spoof", "models.zoo.liveness:HumanLiveness", "human-liveness.md"),
    ModelEntry("resnet18-cbam-full_face", "spoof", "models.zoo.spoof_regions:FullFaceSpoof", "resnet18-cbam-regions.md"),
    ModelEntry("resnet18-cbam-eyes", "spoof", "models.zoo.spoof_regions:EyesSpoof", "resnet18-cbam-regions.md"),
    ModelEntry("resnet18-cbam-nose", "spoof", "models.zoo.spoof_regions:NoseSpoof", "resnet18-cbam-regions.md"),
    ModelEntry("resnet18-cbam-mouth", "spoof", "models.zoo.spoof_regions:MouthSpoof", "resnet18-cbam-regions.md"),
    ModelEntry("idcard-vgg16-fft", "recapture", "models.zoo.idcard_recapture:VggFftRecapture", "idcard-recapture.md"),
    ModelEntry("idcard-vgg-only", "recapture", "models.zoo.idcard_recapture:VggOnlyRecapture", "idcard-recapture.md"),
    ModelEntry("idcard-concat-gap", "recapture", "models.zoo.idcard_recapture:ConcatGapRecapture",
               "idcard-recapture.md"),
    ModelEntry("idcard-two-rgb", "recapture", "models.zoo.idcard_recapture:TwoRgbRecapture", "idcard-recapture.md"),
)


def entry(name: str) -> ModelEntry:
    """The registry entry called ``name``; ValueError listing the valid names otherwise."""
    for e in REGISTRY:
        if e.name == name:
            return e
    raise ValueError(f"unknown model {name!r}; choose one of: {', '.join(e.name for e in REGISTRY)}")


def names(role: str | None = None) -> list[str]:
    """Registered model names, optionally of one role ("embedder", "spoof", "estimator")."""
    if role is not None and role not in ROLES:
        raise ValueError(f"unknown role {role!r}; choose one of: {', '.join(ROLES)}")
    return [e.name for e in REGISTRY if role is None or e.role == role]


def model_class(name: str) -> type[PretrainedModel]:
    """The class registered as ``name`` (imported, not instantiated)."""
    module_name, _, class_name = entry(name).factory.partition(":")
    return getattr(importlib.import_module(module_name), class_name)


@cache
def load_model(name: str) -> PretrainedModel:
    """Load (once per process) and return the model called ``name``.

    Raises:
        ValueError: unknown name.
        ModelUnavailableError: files missing or broken; the message says how to fix it.
    """
    e = entry(name)
    model = model_class(name)()
    if not isinstance(model, ROLES[e.role]):
        raise TypeError(f"{e.factory} is registered as {e.role} but is not a {ROLES[e.role].__name__}")
    return model


def verification_embedders() -> list[str]:
    """Embedders offered for face verification (those that separate identities)."""
    return [n for n in names("embedder") if getattr(model_class(n), "usable_for_verification", True)]


@dataclass(frozen=True, slots=True)
class ModelStatus:
    """Whether a registered model loads, and what its card says."""

    name: str
    role: str
    loaded: bool
    optional: bool
    message: str  # the error and its fix when not loaded; "" otherwise
    title: str
    summary: str
    source: str
    license: str
    file_hashes: dict[str, str]

    def as_dict(self) -> dict:
        return {k: getattr(self, k) for k in self.__slots__}


def model_status(name: str) -> ModelStatus:
    """Try to load ``name`` and report the result with its card summary and weight-file hashes."""
    e = entry(name)
    card = ModelCard.load(e.card_file)
    try:
        model = load_model(name)
    except (ModelUnavailableError, ImportError) as exc:
        return ModelStatus(name, e.role, False, e.optional, str(exc), card.fields.get("title", name),
                           card.summary, card.fields.get("source", ""), card.fields.get("license", ""), {})
    return ModelStatus(name, e.role, True, e.optional, "", model.title, card.summary,
                       card.fields.get("source", ""), card.fields.get("license", ""), model.file_hashes())


def all_status() -> list[ModelStatus]:
    return [model_status(e.name) for e in REGISTRY]
