"""The model registry: one line per shipped model, and the user models registered in the user model store.

Adding a shipped model = one file in ``models/zoo/`` + one line here. A user model (issue 15) is a folder of
:mod:`models.user_store`; :func:`entries`, :func:`names`, :func:`entry`, :func:`load_model` and
:func:`all_status` list and load it beside the shipped ones (``ModelEntry.user`` tells them apart), through the
role classes of :mod:`models.user`, so every page and command serves both with one code path.
"""

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
from models.spec import SpecError
from models.user_store import UserModelRecord, list_user_models
from models.zoo.idcard_recapture import RecaptureDetector

ROLES = {"embedder": FaceEmbedder, "spoof": SpoofClassifier, "estimator": SoftBiometricEstimator,
         "recapture": RecaptureDetector}


@dataclass(frozen=True, slots=True)
class ModelEntry:
    """Where a model's class lives and which role it plays.

    Attributes:
        name: registry name.
        role: "embedder", "spoof", "estimator" or "recapture".
        factory: "package.module:ClassName" of a shipped model; "" for a user model.
        card_file: a shipped card's file name in ``models/cards/``, or a user model's absolute ``card.md`` path
            (both load with :meth:`models.base.ModelCard.load`).
        optional: an optional model may be absent without anything being wrong.
        user: a registered user model (:mod:`models.user_store`).
    """

    name: str
    role: str
    factory: str  # "package.module:ClassName"
    card_file: str
    optional: bool = False  # an optional model may be absent without anything being wrong
    user: bool = False


#: The verifier pages and commands start with: the shipped embedder that separated real people best when measured
#: (AUC 0.990 against faceres' 0.899 on 71 real photos of 36 people, scripts/measure_verifiers.py; dlib-resnet card).
DEFAULT_VERIFIER = "dlib-resnet"

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


def _user_entry(record: UserModelRecord) -> ModelEntry:
    return ModelEntry(record.name, record.role, "", str(record.card_file), user=True)


def user_records() -> list[UserModelRecord]:
    """The user model store's folders that can be served (no ``error``), by name."""
    return [r for r in list_user_models() if not r.error]


def entries() -> tuple[ModelEntry, ...]:
    """Every model: the shipped :data:`REGISTRY`, then the registered user models (read from disk each call)."""
    return REGISTRY + tuple(_user_entry(r) for r in user_records())


def entry(name: str) -> ModelEntry:
    """The registry entry called ``name`` (shipped or user); ValueError listing the valid names otherwise."""
    for e in REGISTRY:
        if e.name == name:
            return e
    known = entries()
    for e in known[len(REGISTRY):]:
        if e.name == name:
            return e
    raise ValueError(f"unknown model {name!r}; choose one of: {', '.join(e.name for e in known)}")


def names(role: str | None = None) -> list[str]:
    """Registered model names (shipped, then user models), optionally of one role ("embedder", "spoof", ...)."""
    if role is not None and role not in ROLES:
        raise ValueError(f"unknown role {role!r}; choose one of: {', '.join(ROLES)}")
    return [e.name for e in entries() if role is None or e.role == role]


def model_class(name: str) -> type[PretrainedModel]:
    """The class registered as ``name`` (imported, not instantiated); a user model's role class
    (:data:`models.user.USER_CLASSES`), whose instances say whether they are differentiable."""
    e = entry(name)
    if e.user:
        from models.user import USER_CLASSES

        return USER_CLASSES[e.role]
    module_name, _, class_name = e.factory.partition(":")
    return getattr(importlib.import_module(module_name), class_name)


@cache
def _load_shipped(name: str) -> PretrainedModel:
    e = entry(name)
    model = model_class(name)()
    if not isinstance(model, ROLES[e.role]):
        raise TypeError(f"{e.factory} is registered as {e.role} but is not a {ROLES[e.role].__name__}")
    return model


@cache
def _load_user(name: str, stamp: tuple[int, ...]) -> PretrainedModel:
    from models.user import build_user_model
    from models.user_store import user_model_record

    record = user_model_record(name)
    return build_user_model(record.spec, card_path=record.card_file)


def load_model(name: str) -> PretrainedModel:
    """Load (once per process) and return the model called ``name``, shipped or user.

    A user model is loaded again when its folder changed (spec or model file modified), so a model removed and
    added again under the same name in another process is never served stale.

    Raises:
        ValueError: unknown name.
        ModelUnavailableError: files missing or broken; the message says how to fix it.
        models.user.ModelFileError: a user model's file no longer validates.
    """
    if name in _SHIPPED_NAMES:
        return _load_shipped(name)
    e = entry(name)  # ValueError for unknown names
    from models.user_store import user_model_record

    return _load_user(e.name, user_model_record(name).stamp())


def invalidate_user_models() -> None:
    """Forget the loaded user models (after a user model is added or removed)."""
    _load_user.cache_clear()


def _clear_all() -> None:
    _load_shipped.cache_clear()
    _load_user.cache_clear()


load_model.cache_clear = _clear_all  # type: ignore[attr-defined]  # ``functools.cache``'s name, kept for callers


_SHIPPED_NAMES = frozenset(e.name for e in REGISTRY)


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


def _user_status(record: UserModelRecord) -> ModelStatus:
    from models.user import ModelFileError

    spec = record.spec
    source, license_ = (spec.source, spec.license) if spec is not None else ("", "")
    card = ModelCard.load(str(record.card_file)) if record.card_file.is_file() else ModelCard({}, "")
    summary = card.summary or f"user model ({spec.format if spec else 'unknown format'})"
    if record.error:
        return ModelStatus(record.name, record.role, False, False, record.error, record.title, summary, source,
                           license_, {})
    try:
        model = load_model(record.name)
    except (ModelFileError, SpecError, ValueError) as exc:
        return ModelStatus(record.name, record.role, False, False, str(exc), record.title, summary, source,
                           license_, {})
    return ModelStatus(record.name, record.role, True, False, "", model.title, summary, source, license_,
                       model.file_hashes())


def model_status(name: str) -> ModelStatus:
    """Try to load ``name`` and report the result with its card summary and weight-file hashes."""
    e = entry(name)
    if e.user:
        from models.user_store import user_model_record

        return _user_status(user_model_record(name))
    card = ModelCard.load(e.card_file)
    try:
        model = load_model(name)
    except (ModelUnavailableError, ImportError) as exc:
        return ModelStatus(name, e.role, False, e.optional, str(exc), card.fields.get("title", name),
                           card.summary, card.fields.get("source", ""), card.fields.get("license", ""), {})
    return ModelStatus(name, e.role, True, e.optional, "", model.title, card.summary,
                       card.fields.get("source", ""), card.fields.get("license", ""), model.file_hashes())


def all_status() -> list[ModelStatus]:
    """The status of every shipped model, then of every user model folder (broken ones with their error)."""
    return [model_status(e.name) for e in REGISTRY] + [_user_status(r) for r in list_user_models()]
