"""User models (issue 15): a face model file the user brings, run behind the same role interfaces as shipped ones.

:func:`build_user_model` validates a :class:`~models.spec.ModelSpec` and its model file and returns a
:class:`UserEmbedder` (:class:`~models.base.FaceEmbedder`), a :class:`UserSpoofClassifier`
(:class:`~models.base.SpoofClassifier`), a :class:`UserRecaptureClassifier` (role "recapture", the ID-card task's
two-class contract) or a :class:`UserEstimator` (:class:`~models.base.SoftBiometricEstimator`). Like every model
they take crops (B, S, S, 3) float32 RGB in [0, 255] made by :func:`xai.core.crops.model_crop` from the spec's crop
(a recapture model's by :mod:`xai.idcard.single_input` from the card photo); the spec's preprocessing
``((x[..., order] * scale) - mean) / std`` is applied once, in :meth:`~models.spec.ModelSpec.preprocess`.

Runtimes: ONNX runs in onnxruntime on CPU (:mod:`models.runtime.onnx`); TorchScript in ``torch.jit``
(:mod:`models.runtime.torchscript`). Gradient CAMs need a hookable ``nn.Module``: :meth:`UserModel.module_for_cam`
is onnx2torch's conversion of the ONNX graph (or of the TorchScript module exported to ONNX), built once; while
it exists, forward passes with gradients enabled run through it so that CAM hooks fire, and passes without
gradients (decisions, RISE, occlusion) stay on the model's own runtime. When it cannot be built,
:attr:`UserModel.differentiable` is False and :attr:`UserModel.cam_unavailable_reason` says why. A cam_layer
whose spec says ``cam_layout = "NHWC"`` gets :attr:`~models.base.PretrainedModel.cam_reshape` (B, h, w, C) →
(B, C, h, w), as the shipped TF.js graphs do; :meth:`UserModel.cam_activation_shape` is what the registration
checks compare with the layout (:func:`xai.core.model_checks.cam_layout_problem`).

Validation when a model is built (nothing is registered when it fails, :mod:`models.user_store`): the file
exists and is at most :data:`MAX_MODEL_BYTES`; the ONNX parses, passes ``onnx.checker`` and opens in
onnxruntime (an unsupported operator is named); the spec's output exists; the ONNX input's static dimensions
agree with ``input_size`` and ``layout``; a TorchScript archive loads; a probe batch of two mid-grey crops gives
outputs of the expected shape with finite values (an estimator: each of its age and gender outputs, of the shape
its kind and ``age_bins`` / ``gender_classes`` say). Every failure is one :class:`ModelFileError`.
"""

from __future__ import annotations

import hashlib
import math
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import torch

from models.base import (
    FaceEmbedder,
    ModelCard,
    PretrainedModel,
    SoftBiometricEstimator,
    SoftBiometrics,
    SpoofClassifier,
)
from models.labels import GENUINE, SPOOF
from models.runtime.convert import module_name, onnx_to_torch, torchscript_to_onnx
from models.runtime.errors import ModelFileError
from models.runtime.onnx import OnnxRunner
from models.runtime.torchscript import load_torchscript, select_output
from models.spec import ModelSpec

__all__ = ["GENDER_NOT_ESTIMATED", "MAX_MODEL_BYTES", "ModelFileError", "UserClassifier", "UserEmbedder",
           "UserEstimator", "UserModel", "UserRecaptureClassifier", "UserSpoofClassifier", "build_user_model",
           "read_model_bytes"]

#: Largest model file accepted (1 GiB): ArcFace ResNet100 is ~250 MB; protobuf cannot hold 2 GiB.
MAX_MODEL_BYTES = 1 << 30
#: Value of the probe crops run when a model is built: mid-grey, so every preprocessing sees in-range input.
_PROBE_VALUE = 127.5
#: what a probe run returns: one output tensor, or attribute → tensor (estimators)
_ProbeOutput = TypeVar("_ProbeOutput")


def _size_text(n: int) -> str:
    return f"{n / (1 << 30):.2f} GiB" if n >= 1 << 30 else f"{n / (1 << 20):.1f} MiB"


def _check_size(size: int, label: str) -> None:
    if size > MAX_MODEL_BYTES:
        raise ModelFileError(f"{label} is {_size_text(size)} ({size} bytes), over the limit of "
                             f"{_size_text(MAX_MODEL_BYTES)} ({MAX_MODEL_BYTES} bytes) for a user model file")
    if size == 0:
        raise ModelFileError(f"{label} is empty (0 bytes)")


def read_model_bytes(spec: ModelSpec) -> bytes:
    """The bytes of ``spec.file``, refused before reading when over :data:`MAX_MODEL_BYTES`.

    Raises:
        ModelFileError: missing, not a regular file, empty or too large.
    """
    path = Path(spec.file)
    if not path.is_file():
        raise ModelFileError(f"model file {path} not found (the spec's file is relative to the spec's folder)")
    _check_size(path.stat().st_size, path.name)
    return path.read_bytes()


def _nhwc_to_nchw(tensor: torch.Tensor) -> torch.Tensor:
    """(B, h, w, C) → (B, C, h, w): the CAM reshape of a cam_layer whose spec says cam_layout = "NHWC"."""
    return tensor.permute(0, 3, 1, 2)


class UserModel(PretrainedModel):
    """What every user model shares: spec, runtime, files and card, CAM module. Build with
    :func:`build_user_model`.

    Attributes:
        spec: the validated spec.
        user: always True (a shipped model has no such attribute).
        sha256: SHA-256 hex digest of the model file's bytes.
        card_path: the card written when the model was registered; None for a model held in memory.
    """

    user = True
    card_file = ""

    def __init__(self, spec: ModelSpec, model_bytes: bytes, card_path: Path | None = None) -> None:
        self.spec = spec
        self.name, self.title = spec.name, spec.title
        self.crop_spec = spec.crop_spec
        self.target_layer = spec.cam_layer
        self.card_path = card_path
        self.card_file = str(card_path) if card_path is not None else ""
        self.sha256 = hashlib.sha256(model_bytes).hexdigest()
        self.label = Path(spec.file).name or spec.name
        self._runner: OnnxRunner | None = None
        self._script: torch.jit.ScriptModule | None = None
        self._output: str | None = spec.output
        self._cam_lock = threading.Lock()
        self._cam_module: torch.nn.Module | None = None
        self._cam_reason: str | None = None  # None = not tried yet
        # an NHWC cam_layer's activation (and gradient) is read as (B, C, h, w) by the CAM (xai/explain/cam.py)
        self.cam_reshape = _nhwc_to_nchw if spec.cam_layout == "NHWC" else None
        if spec.format == "onnx":
            self._runner = OnnxRunner(model_bytes, self.label)
            self._runner.check_input(spec.layout, spec.input_size)
            if spec.role != "estimator":  # an estimator reads its age_output and gender_output
                self._output = self._runner.resolve_output(spec.output)
        else:
            self._script = load_torchscript(model_bytes, self.label)

    # ------------------------------------------------------------------------------------------- files, card

    def files(self) -> list[Path]:
        """The model file (none for a model held in memory whose spec names no file on disk)."""
        path = Path(self.spec.file)
        return [path] if path.is_file() else []

    def file_hashes(self) -> dict[str, str]:
        """Model file name → SHA-256 of the bytes this model was built from."""
        return {self.label: self.sha256}

    @property
    def card(self) -> ModelCard:
        """The card written at registration, else one made from the spec (title, source, license, summary)."""
        if self.card_path is not None and self.card_path.is_file():
            return ModelCard.load(str(self.card_path))
        fields = {"title": self.title, "source": self.spec.source or "not stated",
                  "license": self.spec.license or "not stated",
                  "summary": f"user model ({self.spec.format}, {self.spec.role}), not registered: held in memory"}
        return ModelCard(fields, f"# {self.title}\n\nUser model file {self.label}, SHA-256 {self.sha256}.")

    # ------------------------------------------------------------------------------------------- forward

    def raw_output(self, crops: torch.Tensor) -> torch.Tensor:
        """(B, S, S, 3) float32 RGB [0, 255] → the spec's output tensor, float32, first dimension B.

        With gradients enabled and the CAM module built (:meth:`module_for_cam`), it runs through that module
        (differentiable, hookable); otherwise through the model's runtime (onnxruntime or TorchScript).
        """
        x = self.spec.preprocess(crops)
        if torch.is_grad_enabled() and self._cam_module is not None:
            out = self._cam_module(x)
            return (out[self._output_index()] if isinstance(out, (tuple, list)) else out).float()
        if self._runner is not None:
            return torch.from_numpy(self._runner.run(x.detach().cpu().numpy(), self._output))
        return select_output(self._script(x), self.spec.output, self.label).float()

    def _output_index(self) -> int:
        if self._runner is not None:
            return self._runner.output_names.index(self._output)
        return int(self.spec.output) if self.spec.output is not None and self.spec.output.isdigit() else 0

    def _probe(self) -> torch.Tensor:
        """The output on two mid-grey crops, checked finite; the role's subclass checks the shape."""
        out = self._run_on_probe(self.raw_output)
        if out.dim() == 0 or out.shape[0] != 2:
            raise ModelFileError(f"{self.label}: output {self._output or '(the only one)'} has shape "
                                 f"{tuple(out.shape)} for a batch of 2; its first dimension must be the batch")
        self._check_finite(f"output {self._output or '(the only one)'}", out)
        return out

    def _run_on_probe(self, run: Callable[[torch.Tensor], _ProbeOutput]) -> _ProbeOutput:
        """``run`` on a (2, S, S, 3) batch of mid-grey crops without gradients; :class:`ModelFileError` with the
        first line of the runtime's message when it fails."""
        crops = torch.full((2, self.spec.input_size, self.spec.input_size, 3), _PROBE_VALUE)
        with torch.no_grad():
            try:
                return run(crops)
            except RuntimeError as exc:  # onnxruntime / TorchScript failures at run time
                first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
                raise ModelFileError(f"{self.label} fails on a {self.spec.input_size}×{self.spec.input_size} "
                                     f"{self.spec.layout} input: {first}") from exc

    def _check_finite(self, what: str, out: torch.Tensor) -> None:
        """:class:`ModelFileError` naming the output ``what`` when the probe output ``out`` has NaN or inf."""
        if not torch.isfinite(out).all():
            bad = int((~torch.isfinite(out)).sum())
            raise ModelFileError(f"{self.label}: {what} has {bad} non-finite values (NaN or inf) of {out.numel()} "
                                 "on a mid-grey test input")

    # ------------------------------------------------------------------------------------------- CAM

    def _build_cam_module(self) -> None:
        with self._cam_lock:
            if self._cam_reason is not None:
                return
            try:
                if self._runner is not None:
                    proto = self._runner.proto
                else:
                    size = self.spec.input_size
                    example = self.spec.preprocess(torch.full((1, size, size, 3), _PROBE_VALUE))
                    proto = torchscript_to_onnx(self._script, example)
                module = onnx_to_torch(proto)
            except ModelFileError as exc:
                self._cam_reason = f"gradient CAMs are unavailable: {exc}"
                return
            names = [n for n, _ in module.named_modules() if n]
            if self.spec.cam_layer is not None and module_name(self.spec.cam_layer) not in names:
                self._cam_reason = (f"gradient CAMs are unavailable: the spec's cam_layer {self.spec.cam_layer!r} "
                                    f"is not a node of the converted graph (its last nodes: {', '.join(names[-4:])})")
                return
            self._cam_module = module
            self._cam_reason = ""

    @property
    def differentiable(self) -> bool:
        """True when gradient CAMs can run: the spec names a cam_layer and the model converts to torch."""
        return not self.cam_unavailable_reason

    @property
    def cam_unavailable_reason(self) -> str:
        """Why gradient CAMs cannot run on this model ("" when they can); the pages show it."""
        if self.spec.cam_layer is None:
            return "gradient CAMs are unavailable: the model's spec names no cam_layer"
        self._build_cam_module()
        return self._cam_reason or ""

    def cam_activation_shape(self, crops: torch.Tensor) -> tuple[int, ...]:
        """The shape of the cam_layer's output when the CAM module runs on ``crops`` (B, S, S, 3) float32 RGB
        [0, 255], as the CAM hooks it (before :attr:`cam_reshape`); the registration checks compare it with the
        spec's ``cam_layout``.

        Raises:
            NotImplementedError: the model cannot be converted; ValueError: no cam_layer, or it did not run.
        """
        layer = self.cam_layer()
        seen: list[tuple[int, ...]] = []
        thread = threading.get_ident()

        def keep(_module, _inputs, output):
            if threading.get_ident() == thread and not seen:
                seen.append(tuple(output.shape) if isinstance(output, torch.Tensor) else ())

        handle = layer.register_forward_hook(keep)
        try:
            with torch.enable_grad():
                self.raw_output(crops)
        finally:
            handle.remove()
        if not seen:
            raise ValueError(f"{self.name}: the cam_layer {self.spec.cam_layer!r} did not run in a forward pass")
        return seen[0]

    def module_for_cam(self) -> torch.nn.Module:
        """The hookable torch module (onnx2torch conversion) the CAM score runs; built once.

        Raises:
            NotImplementedError: the model cannot be converted (the message is :attr:`cam_unavailable_reason`).
        """
        self._build_cam_module()
        if self._cam_module is None:
            raise NotImplementedError(f"{self.name}: {self._cam_reason}")
        return self._cam_module

    def cam_layer(self, name: str | None = None) -> torch.nn.Module:
        """The module to hook: ONNX node ``name`` or the spec's cam_layer.

        Raises:
            ValueError: no layer named, or no such node (some node names are listed).
        """
        name = name or self.target_layer
        if name is None:
            raise ValueError(f"{self.name}: the spec names no cam_layer; name an ONNX node")
        modules = dict(self.module_for_cam().named_modules())
        key = module_name(name)
        if key not in modules:
            last = [n for n in modules if n][-4:]
            raise ValueError(f"{self.name}: no node {name!r} in the converted graph (its last nodes: "
                             f"{', '.join(last)})")
        return modules[key]


class UserEmbedder(UserModel, FaceEmbedder):
    """A user's face embedder: :meth:`descriptors` (B, D) as the model outputs them.

    Attributes:
        native_metric: the spec's metric ("cosine" or "euclidean").
        threshold: the spec's threshold; NaN while the spec says "calibrate" (every :meth:`is_match` is False).
        calibrated: False while the threshold is NaN (a calibration on the user's pairs must set it).
        dimension: D, the embedding size measured on the probe crops.
        bf16_unavailable_reason: why RISE scoring stays in float32 (precision "auto" says so in its result).
    """

    def __init__(self, spec: ModelSpec, model_bytes: bytes, card_path: Path | None = None) -> None:
        super().__init__(spec, model_bytes, card_path)
        self.native_metric = spec.metric
        self.threshold = math.nan if spec.needs_calibration else float(spec.threshold)
        self.calibrated = not spec.needs_calibration
        # autocast does not reach onnxruntime, nor (reliably) a TorchScript module's kernels: scoring stays fp32
        self.bf16_unavailable_reason = (
            f"{spec.name} runs in onnxruntime, which scores in float32 only" if spec.format == "onnx" else
            f"{spec.name} is a TorchScript module, which the studio scores in float32 only")
        out = self._probe()
        if out.dim() != 2 or out.shape[1] < 2:
            raise ModelFileError(f"{self.label}: an embedder's output must be (B, D) with D ≥ 2; output "
                                 f"{self._output or '(the only one)'} is {tuple(out.shape)}")
        self.dimension = int(out.shape[1])

    def descriptors(self, crops: torch.Tensor) -> torch.Tensor:
        """(B, S, S, 3) float32 RGB [0, 255] → (B, D) float32 embeddings as the model outputs them."""
        return self.raw_output(crops)


class UserClassifier(UserModel):
    """What a user's spoof and recapture classifiers share: K = len(class_order) outputs (logits or
    probabilities), every class but ``bona_fide_class`` an attack.

    :meth:`two_class_logits` returns (B, 2) logits in :mod:`models.labels` order whose softmax is (p(attack),
    p(bona fide)) of the model.
    """

    def __init__(self, spec: ModelSpec, model_bytes: bytes, card_path: Path | None = None) -> None:
        super().__init__(spec, model_bytes, card_path)
        self.bona_fide_index = spec.class_order.index(spec.bona_fide_class)
        out = self._probe()
        k = len(spec.class_order)
        if not self._shape_fits(out, k):
            raise ModelFileError(f"{self.label}: the spec's class_order has {k} classes "
                                 f"({', '.join(spec.class_order)}), so the output must be (B, {k})"
                                 f"{' or (B,)' if k == 1 else ''}; output {self._output or '(the only one)'} "
                                 f"is {tuple(out.shape)}")
        if spec.output_kind == "probabilities" and ((out < 0) | (out > 1)).any():
            raise ModelFileError(f"{self.label}: the spec says output_kind = \"probabilities\", but the output "
                                 f"has values outside [0, 1] (min {float(out.min()):.4g}, max "
                                 f"{float(out.max()):.4g}) on a mid-grey test input; use output_kind = \"logits\"")

    @staticmethod
    def _shape_fits(out: torch.Tensor, k: int) -> bool:
        return (out.dim() == 2 and out.shape[1] == k) or (k == 1 and out.dim() == 1)

    def two_class_logits(self, crops: torch.Tensor) -> torch.Tensor:
        """(B, S, S, 3) float32 RGB [0, 255] → (B, 2) logits (spoof, bona fide) in :mod:`models.labels` order.

        Two-class logits are the model's own, reordered; K > 2 logits give logsumexp over the attack classes;
        probabilities give their logs (clamped at 1e-12); one output (class_order is the bona fide class alone) is
        its logit z, or its probability p as z = log(p / (1 − p)), given as (−z/2, z/2).
        """
        out = self.raw_output(crops)
        k = len(self.spec.class_order)
        if k == 1:
            z = out.reshape(-1)
            if self.spec.output_kind == "probabilities":
                p = z.clamp(1e-12, 1 - 1e-12)
                z = torch.log(p) - torch.log1p(-p)
            by_label = {SPOOF: -z / 2, GENUINE: z / 2}
        else:
            scores = torch.log(out.clamp_min(1e-12)) if self.spec.output_kind == "probabilities" else out
            attacks = [i for i in range(k) if i != self.bona_fide_index]
            attack = scores[:, attacks[0]] if len(attacks) == 1 else torch.logsumexp(scores[:, attacks], dim=1)
            by_label = {SPOOF: attack, GENUINE: scores[:, self.bona_fide_index]}
        return torch.stack([by_label[label] for label in sorted(by_label)], dim=-1)

    def bona_fide_logit(self, crops: torch.Tensor) -> torch.Tensor:
        """(B, S, S, 3) float32 RGB [0, 255] → (B,) log p(bona fide) − log p(attack)."""
        logits = self.two_class_logits(crops)
        return logits[:, GENUINE] - logits[:, SPOOF]


class UserSpoofClassifier(UserClassifier, SpoofClassifier):
    """A user's bona fide vs attack face classifier (role "spoof"); :meth:`bona_fide_logit` is
    log p(bona fide) − log p(attack) of :meth:`two_class_logits`."""


class UserRecaptureClassifier(UserClassifier):
    """A user's ID-card screen-recapture classifier (role "recapture"): one image input, the card photo resized to
    S × S (crop "image") or the seed's L1 square at the card centroid (crop "card"), made by :mod:`xai.idcard`.

    The same two-class contract as spoof classifiers: :meth:`two_class_logits` (B, 2) in :mod:`models.labels`
    order, bona fide = the genuine card; :meth:`spoof_probability` is p(recapture) in [0, 1], the ID-card task's
    score. An FFT branch, if the model has one, is inside its graph.
    """

    role = "recapture"

    def spoof_probability(self, crops: torch.Tensor) -> torch.Tensor:
        """(B, S, S, 3) float32 RGB [0, 255] → (B,) p(screen recapture) in [0, 1]."""
        return torch.softmax(self.two_class_logits(crops), dim=-1)[:, SPOOF]


#: The gender the estimator reports when its spec names no gender_output (its age is NaN without age_output).
GENDER_NOT_ESTIMATED = "unknown"


class UserEstimator(UserModel, SoftBiometricEstimator):
    """A user's soft-biometric estimator: age and/or gender from the spec's ``age_output`` / ``gender_output``.

    Age: "years" as output, or Σ_k p_k × age_bins[k] over the bins' probabilities (a softmax of "logits").
    Gender: (B, 2) p(female), p(male) from the columns named by ``gender_classes`` (softmax of "logits"); one
    column is that class's probability (sigmoid of a "logit"). :meth:`estimate` gives NaN ages (and gender
    :data:`GENDER_NOT_ESTIMATED`, score NaN) for an attribute the model does not estimate.

    Attributes:
        attributes: the attributes estimated, a subset of ("age", "gender") in that order.
    """

    def __init__(self, spec: ModelSpec, model_bytes: bytes, card_path: Path | None = None) -> None:
        super().__init__(spec, model_bytes, card_path)
        self.attributes = tuple(a for a, name in (("age", spec.age_output), ("gender", spec.gender_output))
                                if name is not None)
        self.target_layer = None
        if self._runner is not None:
            self._names = {a: self._runner.resolve_output(getattr(spec, f"{a}_output")) for a in self.attributes}
        else:
            self._names = {a: getattr(spec, f"{a}_output") for a in self.attributes}
        raw = self._run_on_probe(self.raw_outputs)
        for attribute, out in raw.items():
            self._check_output(attribute, out)

    @property
    def cam_unavailable_reason(self) -> str:
        return "gradient CAMs are unavailable: soft-biometric estimators are not explained with CAMs"

    def _expected_columns(self, attribute: str) -> int:
        if attribute == "age":
            return 1 if self.spec.age_kind == "years" else len(self.spec.age_bins)
        return len(self.spec.gender_classes)

    def _check_output(self, attribute: str, out: torch.Tensor) -> None:
        name = self._names[attribute]
        k = self._expected_columns(attribute)
        fits = out.dim() >= 1 and out.shape[0] == 2 and (
            (out.dim() == 2 and out.shape[1] == k) or (k == 1 and out.dim() == 1))
        if not fits:
            why = {"age": ("age_kind = \"years\": one age per face" if self.spec.age_kind == "years" else
                           f"age_bins has {k} centres"),
                   "gender": f"gender_classes has {k} entr{'y' if k == 1 else 'ies'}"}[attribute]
            raise ModelFileError(f"{self.label}: {attribute}_output {name!r} has shape {tuple(out.shape)} for a batch "
                                 f"of 2, but the spec says (B, {k}){' or (B,)' if k == 1 else ''} ({why})")
        self._check_finite(f"{attribute}_output {name!r}", out)

    def raw_outputs(self, crops: torch.Tensor) -> dict[str, torch.Tensor]:
        """(B, S, S, 3) float32 RGB [0, 255] → attribute ("age", "gender") → its output tensor, float32, as the
        model gives it (first dimension B)."""
        x = self.spec.preprocess(crops)
        if self._runner is not None:
            names = [self._names[a] for a in self.attributes]
            arrays = self._runner.run_many(x.detach().cpu().numpy(), names)
            return {a: torch.from_numpy(v) for a, v in zip(self.attributes, arrays, strict=True)}
        result = self._script(x)
        if isinstance(result, torch.Tensor):
            result = (result,)  # one tensor is output "0"
        return {a: select_output(result, self._names[a], self.label).float() for a in self.attributes}

    def ages(self, raw: dict[str, torch.Tensor]) -> torch.Tensor:
        """(B,) float32 ages in years from :meth:`raw_outputs` (NaN when the model gives no age)."""
        if "age" not in raw:
            batch = next(iter(raw.values())).shape[0]
            return torch.full((batch,), math.nan)
        out = raw["age"]
        if self.spec.age_kind == "years":
            return out.reshape(out.shape[0])
        p = torch.softmax(out, dim=-1) if self.spec.age_kind == "logits" else out
        return (p * torch.tensor(self.spec.age_bins, dtype=p.dtype)).sum(dim=-1)

    def gender_probabilities(self, raw: dict[str, torch.Tensor]) -> torch.Tensor | None:
        """(B, 2) float32 (p(female), p(male)) from :meth:`raw_outputs`; None when the model gives no gender."""
        if "gender" not in raw:
            return None
        out, classes = raw["gender"], self.spec.gender_classes
        if len(classes) == 1:
            z = out.reshape(out.shape[0])
            p = torch.sigmoid(z) if self.spec.gender_kind == "logits" else z.clamp(0, 1)
            p_male = p if classes[0] == "male" else 1 - p
        else:
            p = torch.softmax(out, dim=-1) if self.spec.gender_kind == "logits" else out
            p_male = p[:, classes.index("male")]
        return torch.stack([1 - p_male, p_male], dim=-1)

    def probability_sums(self, crops: torch.Tensor) -> dict[str, float]:
        """Attribute → the largest |Σ − 1| over ``crops`` of its output rows, for the outputs that the spec says
        are probability distributions over 2 or more columns (age bins, two gender classes)."""
        raw = self.raw_outputs(crops)
        out = {}
        if "age" in raw and self.spec.age_kind == "probabilities":
            out["age"] = float((raw["age"].sum(dim=-1) - 1).abs().max())
        if "gender" in raw and self.spec.gender_kind == "probabilities" and len(self.spec.gender_classes) == 2:
            out["gender"] = float((raw["gender"].sum(dim=-1) - 1).abs().max())
        return out

    def estimate(self, crops: torch.Tensor) -> list[SoftBiometrics]:
        """(B, S, S, 3) float32 RGB [0, 255] → one :class:`~models.base.SoftBiometrics` per crop (NaN age, gender
        :data:`GENDER_NOT_ESTIMATED` for an attribute the model does not estimate)."""
        with torch.no_grad():
            raw = self.raw_outputs(crops)
        ages = self.ages(raw).tolist()
        genders = self.gender_probabilities(raw)
        results = []
        for i, age in enumerate(ages):
            if genders is None:
                results.append(SoftBiometrics(age=float(age), gender=GENDER_NOT_ESTIMATED, gender_score=math.nan))
                continue
            p_female, p_male = (float(v) for v in genders[i])
            results.append(SoftBiometrics(age=float(age), gender="male" if p_male >= 0.5 else "female",
                                          gender_score=max(p_male, p_female),
                                          extra={"p_female": p_female, "p_male": p_male}))
        return results


#: Role → the user model class that plays it.
USER_CLASSES: dict[str, type[UserModel]] = {"embedder": UserEmbedder, "spoof": UserSpoofClassifier,
                                            "recapture": UserRecaptureClassifier, "estimator": UserEstimator}


def build_user_model(spec: ModelSpec, model_bytes: bytes | None = None,
                     card_path: Path | None = None) -> PretrainedModel:
    """Validate and build the user model of ``spec``.

    Args:
        spec: a validated spec (:func:`models.spec.load_spec`).
        model_bytes: the model file's bytes (an upload held in memory); None reads ``spec.file``.
        card_path: the model's card (registered models); None = a card made from the spec.

    Returns:
        a :class:`UserEmbedder` or :class:`UserSpoofClassifier`.

    Raises:
        ModelFileError: the file is missing, too large, not a model of its format, has an operator onnxruntime
            cannot run, lacks the spec's output, disagrees with the spec's input size or layout, or gives
            outputs of the wrong shape or non-finite values (one precise message).
    """
    if model_bytes is None:
        model_bytes = read_model_bytes(spec)
    else:
        _check_size(len(model_bytes), Path(spec.file).name or spec.name)
    return USER_CLASSES[spec.role](spec, bytes(model_bytes), card_path)

