"""A user model's spec: how the studio runs a face model it does not ship (issue 15), parsed from TOML.

A spec is one flat TOML table, documented and validated by ``schemas/model_spec.schema.json``; the example specs
are in ``examples/specs/``. :func:`load_spec` / :func:`parse_spec` return a frozen :class:`ModelSpec` or raise
:class:`SpecError` with one message a user can act on (the file, the field, what is allowed).

The model input is ``((x[..., order] * scale) - mean) / std`` from crops ``x`` (B, S, S, 3) float32 RGB in
[0, 255], ``order`` = RGB or BGR, laid out as NCHW or NHWC (:meth:`ModelSpec.preprocess`).

Roles (:data:`ROLES`) and the fields each reads:

* "embedder" (face verification): ``output`` (B, D), ``metric``, ``threshold``;
* "spoof" (face anti-spoofing, liveness) and "recapture" (ID-card screen recapture): ``output`` (B, K) logits or
  probabilities, ``class_order`` and ``bona_fide_class`` (the live face / the genuine card). A recapture model sees
  one image, crop "image" (the whole photo resized to S × S) or "card" (the seed's L1 square at the card
  centroid); an FFT branch, if it has one, must be inside its graph;
* "estimator" (age, gender): ``age_output`` with ``age_kind`` "years" (B,) or (B, 1), or "probabilities" /
  "logits" (B, K) over age bins whose centres are ``age_bins``; ``gender_output`` with ``gender_kind``
  "probabilities" or "logits" and ``gender_classes`` naming each column "female" or "male" (one column: that
  class's probability or logit). Either attribute may be absent;
* every role but "estimator": an optional ``cam_layer`` and its ``cam_layout`` ("NCHW" (B, C, h, w), default, or
  "NHWC" (B, h, w, C): the activation is permuted to (B, C, h, w) before the CAM formula).
"""

from __future__ import annotations

import json
import math
import tomllib
from dataclasses import dataclass, fields
from functools import cache
from pathlib import Path

import torch

from models.base import ROOT, CropSpec

SCHEMA_PATH = ROOT / "schemas" / "model_spec.schema.json"
#: Roles a user model may play (the registry's roles, :data:`models.registry.ROLES`).
ROLES = ("embedder", "spoof", "recapture", "estimator")
#: Roles read as a classifier: ``output`` (B, K) with ``class_order`` and ``bona_fide_class``.
CLASSIFIER_ROLES = ("spoof", "recapture")
#: Crops of the face roles, and of ID-card recapture models.
FACE_CROPS = ("arcface", "box", "image")
CARD_CROPS = ("image", "card")
#: The estimator's gender classes.
GENDERS = ("female", "male")
#: Plausible ages in years: an estimate outside is refused at registration (xai/core/model_checks.py).
AGE_RANGE = (0.0, 120.0)
FORMATS = ("onnx", "torchscript")
#: File extension → format, when the spec does not say.
FORMAT_OF_SUFFIX = {".onnx": "onnx", ".pt": "torchscript", ".pth": "torchscript", ".ts": "torchscript",
                    ".torchscript": "torchscript"}
#: Written as the model file's name in a registered model's folder (:mod:`models.user_store`).
STORED_FILE_NAME = {"onnx": "model.onnx", "torchscript": "model.pt"}
CALIBRATE = "calibrate"
DEFAULT_MARGIN = 0.2


class SpecError(ValueError):
    """The spec is not valid TOML, breaks the schema or is inconsistent; the message names the field and the fix."""


@dataclass(frozen=True, slots=True)
class ModelSpec:
    """A validated user model spec (see ``schemas/model_spec.schema.json`` for every field's meaning).

    Attributes:
        name: registry name, ``^[a-z0-9][a-z0-9._-]{0,63}$``.
        title: name people read.
        role: "embedder", "spoof", "recapture" or "estimator" (:data:`ROLES`).
        file: model file; absolute when the spec was read from a folder, else as written.
        format: "onnx" or "torchscript".
        input_size: side S of the (S, S) model input.
        layout: "NCHW" or "NHWC".
        colour_order: "RGB" or "BGR".
        scale: multiplies x in [0, 255] first.
        mean: (3,) subtracted after scaling, in the model's colour order.
        std: (3,) divides after the mean, all > 0.
        crop: "arcface" (5-point template at S), "box" (landmark box with ``margin``), "image" (whole image);
            recapture: "image" (whole photo, default) or "card" (the L1 square at the card centroid).
        margin: "box" only: context on each side, fraction of the landmark box's longer side.
        output: ONNX output name / TorchScript dict key or tuple index; None = the model's only output.
        output_kind: "embedding" (embedder), "logits" or "probabilities" (spoof, recapture); "" for estimators.
        class_order: spoof, recapture: class name of each output column; () otherwise.
        bona_fide_class: spoof, recapture: the entry of ``class_order`` that is bona fide (genuine); "" otherwise.
        metric: embedder: "cosine" (match if score >= threshold) or "euclidean" (match if <=).
        threshold: embedder: a float, or "calibrate" (no decision until calibrated); NaN for spoof models.
        cam_layer: optional CAM target (ONNX node name), None when not given.
        cam_layout: "NCHW" (the cam_layer's output is (B, C, h, w), default) or "NHWC" ((B, h, w, C)).
        age_output: estimator: the age output's name (as ``output``), None when the model gives no age.
        age_kind: "years" (regression), "probabilities" or "logits" over the age bins; "" without age_output.
        age_bins: centres in years of the age bins, one per output column ("probabilities", "logits"); ().
        gender_output: estimator: the gender output's name, None when the model gives no gender.
        gender_kind: "probabilities" or "logits"; "" without gender_output.
        gender_classes: "female" / "male" of each gender output column (one column: that class alone); ().
        source: where the model comes from ("" when not stated).
        license: the model's license ("" when not stated).
    """

    name: str
    title: str
    role: str
    file: Path
    format: str
    input_size: int
    layout: str = "NCHW"
    colour_order: str = "RGB"
    scale: float = 1.0
    mean: tuple[float, float, float] = (0.0, 0.0, 0.0)
    std: tuple[float, float, float] = (1.0, 1.0, 1.0)
    crop: str = "arcface"
    margin: float = DEFAULT_MARGIN
    output: str | None = None
    output_kind: str = "embedding"
    class_order: tuple[str, ...] = ()
    bona_fide_class: str = ""
    metric: str = "cosine"
    threshold: float | str = CALIBRATE
    cam_layer: str | None = None
    cam_layout: str = "NCHW"
    age_output: str | None = None
    age_kind: str = ""
    age_bins: tuple[float, ...] = ()
    gender_output: str | None = None
    gender_kind: str = ""
    gender_classes: tuple[str, ...] = ()
    source: str = ""
    license: str = ""

    @property
    def needs_calibration(self) -> bool:
        """True when the spec's threshold is "calibrate" (an embedder with no decision threshold yet)."""
        return self.threshold == CALIBRATE

    @property
    def crop_spec(self) -> CropSpec:
        """The :class:`~models.base.CropSpec` that :func:`xai.core.crops.model_crop` applies for this model."""
        if self.crop == "arcface":
            return CropSpec(size=self.input_size, kind="aligned")
        if self.crop == "box":
            return CropSpec(size=self.input_size, kind="box", enlarge=1 + 2 * self.margin)
        if self.role == "recapture":  # made from the card photo by xai/idcard, not from a face
            return CropSpec(size=self.input_size, kind="card")
        return CropSpec(size=self.input_size, kind="image")

    def preprocess(self, crops: torch.Tensor) -> torch.Tensor:
        """(B, S, S, 3) float32 RGB [0, 255] → the model's input: (B, 3, S, S) for NCHW or (B, S, S, 3) for NHWC,
        ``((x[..., order] * scale) - mean) / std``."""
        if self.colour_order == "BGR":
            crops = crops.flip(-1)
        mean = torch.tensor(self.mean, dtype=crops.dtype, device=crops.device)
        std = torch.tensor(self.std, dtype=crops.dtype, device=crops.device)
        x = (crops * self.scale - mean) / std
        return x.permute(0, 3, 1, 2) if self.layout == "NCHW" else x

    def describe_input(self) -> str:
        """e.g. "NCHW RGB 112×112, ((x × 1) − (127.5, 127.5, 127.5)) / (127.5, 127.5, 127.5) from x in 0..255"."""
        def triple(values: tuple[float, ...]) -> str:
            return "(" + ", ".join(f"{v:g}" for v in values) + ")"
        return (f"{self.layout} {self.colour_order} {self.input_size}×{self.input_size}, "
                f"((x × {self.scale:g}) − {triple(self.mean)}) / {triple(self.std)} from x in 0..255")

    def as_dict(self) -> dict:
        """The spec as TOML/JSON-ready values (``file`` as a string; unset optional fields left out)."""
        out: dict = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value is None or (f.name in _OMITTED_WHEN_EMPTY and not value):
                continue
            if f.name == "cam_layout" and self.cam_layer is None:
                continue
            if f.name in ("metric", "threshold") and self.role != "embedder":
                continue
            if f.name == "margin" and self.crop != "box":
                continue
            if isinstance(value, Path):
                value = str(value)
            elif isinstance(value, tuple):
                value = list(value)
            out[f.name] = value
        return out

    def to_toml(self, file: str | None = None) -> str:
        """The spec as TOML text that :func:`parse_spec` reads back; ``file`` replaces the model file's path."""
        values = self.as_dict()
        if file is not None:
            values["file"] = file
        return "".join(f"{key} = {_toml_value(value)}\n" for key, value in values.items())


_OMITTED_WHEN_EMPTY = ("class_order", "bona_fide_class", "output_kind", "age_kind", "age_bins", "gender_kind",
                       "gender_classes")


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # a JSON string is a valid TOML basic string
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} to TOML")


@cache
def load_schema() -> dict:
    """``schemas/model_spec.schema.json`` as a dict."""
    return json.loads(SCHEMA_PATH.read_text())


def load_spec(path: str | Path) -> ModelSpec:
    """Read and validate the TOML spec at ``path``; a relative ``file`` is resolved against the spec's folder.

    Raises:
        SpecError: the file is missing or unreadable, not TOML, or not a valid spec (one precise message).
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise SpecError(f"spec file {path} not found") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError(f"cannot read spec file {path}: {exc}") from exc
    return parse_spec(text, path.resolve().parent, where=str(path))


def parse_spec(text: str, base_dir: str | Path | None = None, where: str = "spec") -> ModelSpec:
    """Parse and validate TOML spec ``text``.

    Args:
        text: the spec's TOML.
        base_dir: folder a relative ``file`` is resolved against; None keeps ``file`` as written (a spec uploaded
            beside its model bytes).
        where: how messages name the spec (its path).

    Raises:
        SpecError: not TOML, unknown field, wrong type or value, missing field, inconsistent fields.
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SpecError(f"{where} is not valid TOML: {exc}") from exc
    _validate_against_schema(data, where)
    return _build(data, base_dir, where)


def _field_of(error) -> str:
    return ".".join(str(p) for p in error.absolute_path) or "(top level)"


def _schema_message(error, where: str) -> str:
    """One precise sentence for a ``jsonschema`` error."""
    field = _field_of(error)
    kind = error.validator
    if kind == "additionalProperties":
        allowed = load_schema()["properties"]
        unknown = sorted(set(error.instance) - set(allowed))
        return (f"{where}: unknown field{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))}; "
                f"valid fields: {', '.join(allowed)}")
    if kind == "required":
        missing = error.message.split("'")[1] if "'" in error.message else error.message
        role = error.instance.get("role") if isinstance(error.instance, dict) else None
        return f"{where}: missing required field {missing!r}" + (f" (role {role!r})" if role else "")
    if kind == "dependentRequired":
        needed = error.message.split("'")[1] if "'" in error.message else error.message
        given = next((k for k, v in error.validator_value.items() if needed in v and k in error.instance), "")
        return f"{where}: {given} needs {needed!r} too (see schemas/model_spec.schema.json)"
    if kind == "anyOf" and field == "(top level)" and error.instance.get("role") == "estimator":
        return (f"{where}: an estimator spec names at least one of age_output and gender_output (the model's "
                "output of that attribute)")
    if kind == "enum":
        return (f"{where}: {field} = {error.instance!r} is not allowed; choose one of: "
                f"{', '.join(map(str, error.validator_value))}")
    if kind == "const":
        return f"{where}: {field} = {error.instance!r} is not allowed here; it must be {error.validator_value!r}"
    if kind == "type":
        return f"{where}: {field} must be of type {error.validator_value}, got {error.instance!r}"
    if kind == "oneOf" and field == "threshold":
        return f"{where}: threshold must be a number or \"calibrate\", got {error.instance!r}"
    if kind == "pattern" and field == "name":
        return (f"{where}: name {error.instance!r} is not allowed: use lower-case letters, digits, '.', '_' and "
                "'-' (at most 64 characters, starting with a letter or digit)")
    return f"{where}: {field}: {error.message}"


def _validate_against_schema(data: dict, where: str) -> None:
    import jsonschema

    validator = jsonschema.Draft202012Validator(load_schema())
    errors = list(validator.iter_errors(data))
    if not errors:
        return
    # unknown fields first (a misspelt field explains the rest), then the most specific error
    unknown = [e for e in errors if e.validator == "additionalProperties"]
    error = unknown[0] if unknown else jsonschema.exceptions.best_match(errors)
    raise SpecError(_schema_message(error, where))


def _only_for(data: dict, keys: tuple[str, ...], roles: tuple[str, ...], where: str) -> None:
    """Refuse fields of ``keys`` in a spec whose role is not one of ``roles``."""
    for key in keys:
        if key in data and data["role"] not in roles:
            words = " and ".join(f"{r!r}" for r in roles)
            raise SpecError(f"{where}: {key} applies to role {words} only (role is {data['role']!r})")


def _build(data: dict, base_dir: str | Path | None, where: str) -> ModelSpec:
    role = data["role"]
    file = Path(data["file"])
    if base_dir is not None and not file.is_absolute():
        file = Path(base_dir) / file
    fmt = data.get("format") or FORMAT_OF_SUFFIX.get(file.suffix.lower())
    if fmt is None:
        raise SpecError(f"{where}: cannot tell the format of {file.name!r} from its extension; add "
                        f"format = \"onnx\" or \"torchscript\"")
    default_crop = "image" if role == "recapture" else "arcface"
    crop = data.get("crop", default_crop)
    allowed_crops = CARD_CROPS if role == "recapture" else FACE_CROPS
    if crop not in allowed_crops:
        raise SpecError(f"{where}: crop = {crop!r} is not allowed for role {role!r}; choose one of: "
                        f"{', '.join(allowed_crops)}")
    if "margin" in data and crop != "box":
        raise SpecError(f"{where}: margin applies to crop = \"box\" only (crop is {crop!r})")
    _only_for(data, ("metric", "threshold"), ("embedder",), where)
    _only_for(data, ("class_order", "bona_fide_class"), CLASSIFIER_ROLES, where)
    _only_for(data, ("age_output", "age_kind", "age_bins", "gender_output", "gender_kind", "gender_classes"),
              ("estimator",), where)
    _only_for(data, ("output", "output_kind", "cam_layer", "cam_layout"), ("embedder", *CLASSIFIER_ROLES), where)
    values: dict = dict(name=data["name"], title=data.get("title", data["name"]), role=role, file=file, format=fmt,
                        input_size=int(data["input_size"]), crop=crop)
    for key in ("layout", "colour_order", "output", "cam_layer", "cam_layout", "source", "license"):
        if key in data:
            values[key] = data[key]
    for key in ("scale", "margin"):
        if key in data:
            values[key] = float(data[key])
    for key in ("mean", "std"):
        if key in data:
            values[key] = tuple(float(v) for v in data[key])
    if not all(math.isfinite(v) for key in ("mean", "std") for v in values.get(key, ())):
        raise SpecError(f"{where}: mean and std must be finite numbers")
    if role == "embedder":
        values["output_kind"] = data.get("output_kind", "embedding")
        values["metric"] = data.get("metric", "cosine")
        threshold = data.get("threshold", CALIBRATE)
        if threshold != CALIBRATE:
            threshold = float(threshold)
            if not math.isfinite(threshold):
                raise SpecError(f"{where}: threshold must be a finite number or \"calibrate\", got {threshold}")
        values["threshold"] = threshold
    elif role in CLASSIFIER_ROLES:
        classes = tuple(data["class_order"])
        if data["bona_fide_class"] not in classes:
            raise SpecError(f"{where}: bona_fide_class {data['bona_fide_class']!r} is not in class_order "
                            f"{list(classes)}")
        values.update(output_kind=data["output_kind"], class_order=classes, bona_fide_class=data["bona_fide_class"],
                      threshold=math.nan)
    else:
        values.update(output_kind="", threshold=math.nan, **_estimator_outputs(data, where))
    return ModelSpec(**values)


def _estimator_outputs(data: dict, where: str) -> dict:
    """The estimator's age and gender fields, checked against each other (the schema checked their types)."""
    out: dict = {}
    if data.get("age_output") is not None:
        kind = data["age_kind"]
        bins = tuple(float(v) for v in data.get("age_bins", ()))
        if kind == "years" and bins:
            raise SpecError(f"{where}: age_bins applies to age_kind \"probabilities\" or \"logits\" (age_kind is "
                            "\"years\": the output is the age itself)")
        if kind != "years" and len(bins) < 2:
            raise SpecError(f"{where}: age_kind = {kind!r} needs age_bins, the centre in years of each of the "
                            "output's age bins (at least 2)")
        low, high = AGE_RANGE
        bad = [b for b in bins if not (math.isfinite(b) and low <= b <= high)]
        if bad:
            raise SpecError(f"{where}: age_bins must be ages in years in [{low:g}, {high:g}], got {bad[0]!r}")
        out.update(age_output=str(data["age_output"]), age_kind=kind, age_bins=bins)
    if data.get("gender_output") is not None:
        classes = tuple(data["gender_classes"])
        if len(classes) == 2 and set(classes) != set(GENDERS):
            raise SpecError(f"{where}: gender_classes {list(classes)} must name \"female\" and \"male\" once each")
        out.update(gender_output=str(data["gender_output"]), gender_kind=data["gender_kind"], gender_classes=classes)
    if out.get("age_output") is not None and out.get("age_output") == out.get("gender_output"):
        raise SpecError(f"{where}: age_output and gender_output both name {out['age_output']!r}; name each "
                        "attribute's own output")
    return out
