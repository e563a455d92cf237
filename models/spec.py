"""A user model's spec: how the studio runs a face model it does not ship (issue 15), parsed from TOML.

A spec is one flat TOML table, documented and validated by ``schemas/model_spec.schema.json``; the example specs
are in ``examples/specs/``. :func:`load_spec` / :func:`parse_spec` return a frozen :class:`ModelSpec` or raise
:class:`SpecError` with one message a user can act on (the file, the field, what is allowed).

The model input is ``((x[..., order] * scale) - mean) / std`` from crops ``x`` (B, S, S, 3) float32 RGB in
[0, 255], ``order`` = RGB or BGR, laid out as NCHW or NHWC (:meth:`ModelSpec.preprocess`).
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
#: Roles a user model may play now; "recapture" and "estimator" are refused with "not supported yet".
SUPPORTED_ROLES = ("embedder", "spoof")
UNSUPPORTED_ROLES = ("recapture", "estimator")
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
        role: "embedder" or "spoof" (:data:`SUPPORTED_ROLES`).
        file: model file; absolute when the spec was read from a folder, else as written.
        format: "onnx" or "torchscript".
        input_size: side S of the (S, S) model input.
        layout: "NCHW" or "NHWC".
        colour_order: "RGB" or "BGR".
        scale: multiplies x in [0, 255] first.
        mean: (3,) subtracted after scaling, in the model's colour order.
        std: (3,) divides after the mean, all > 0.
        crop: "arcface" (5-point template at S), "box" (landmark box with ``margin``), "image" (whole image).
        margin: "box" only: context on each side, fraction of the landmark box's longer side.
        output: ONNX output name / TorchScript dict key or tuple index; None = the model's only output.
        output_kind: "embedding" (embedder), "logits" or "probabilities" (spoof).
        class_order: spoof: class name of each output column; () for embedders.
        bona_fide_class: spoof: the entry of ``class_order`` that is bona fide; "" for embedders.
        metric: embedder: "cosine" (match if score >= threshold) or "euclidean" (match if <=).
        threshold: embedder: a float, or "calibrate" (no decision until calibrated); NaN for spoof models.
        cam_layer: optional CAM target (ONNX node name), None when not given.
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
            if value is None or (f.name in ("class_order", "bona_fide_class") and not value):
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
    role = data.get("role")
    if role in UNSUPPORTED_ROLES:
        raise SpecError(f"{where}: role {role!r} is not supported yet for user models; "
                        f"supported roles: {', '.join(SUPPORTED_ROLES)}")
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
        return f"{where}: missing required field {missing!r}"
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


def _build(data: dict, base_dir: str | Path | None, where: str) -> ModelSpec:
    role = data["role"]
    file = Path(data["file"])
    if base_dir is not None and not file.is_absolute():
        file = Path(base_dir) / file
    fmt = data.get("format") or FORMAT_OF_SUFFIX.get(file.suffix.lower())
    if fmt is None:
        raise SpecError(f"{where}: cannot tell the format of {file.name!r} from its extension; add "
                        f"format = \"onnx\" or \"torchscript\"")
    if "margin" in data and data.get("crop") != "box":
        raise SpecError(f"{where}: margin applies to crop = \"box\" only (crop is {data.get('crop', 'arcface')!r})")
    values: dict = dict(name=data["name"], title=data.get("title", data["name"]), role=role, file=file, format=fmt,
                        input_size=int(data["input_size"]))
    for key in ("layout", "colour_order", "crop", "output", "cam_layer", "source", "license"):
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
        for key in ("class_order", "bona_fide_class"):
            if key in data:
                raise SpecError(f"{where}: {key} applies to spoof models only (role is \"embedder\")")
        values["output_kind"] = data.get("output_kind", "embedding")
        values["metric"] = data.get("metric", "cosine")
        threshold = data.get("threshold", CALIBRATE)
        if threshold != CALIBRATE:
            threshold = float(threshold)
            if not math.isfinite(threshold):
                raise SpecError(f"{where}: threshold must be a finite number or \"calibrate\", got {threshold}")
        values["threshold"] = threshold
    else:
        for key in ("metric", "threshold"):
            if key in data:
                raise SpecError(f"{where}: {key} applies to embedders only (role is {role!r})")
        classes = tuple(data["class_order"])
        if data["bona_fide_class"] not in classes:
            raise SpecError(f"{where}: bona_fide_class {data['bona_fide_class']!r} is not in class_order "
                            f"{list(classes)}")
        values.update(output_kind=data["output_kind"], class_order=classes, bona_fide_class=data["bona_fide_class"],
                      threshold=math.nan)
    return ModelSpec(**values)
