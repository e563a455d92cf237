"""The user model store: registered user models, one folder each, outside the tracked tree.

``<user_models_dir()>/<name>/`` holds ``spec.toml`` (the spec, its ``file`` rewritten to the stored copy),
the model file (``model.onnx`` or ``model.pt``), ``card.md`` (written by the caller: spec, file SHA-256, checks,
calibration) and ``checks.json`` (the file's SHA-256 and size, when it was registered, and the checks measured on
a real sample face); a calibration may later add ``calibration.json``. The folder is
``$FACE_XAI_MODELS`` or ``~/.local/share/face-xai-studio/models``; folders are created owner-only (0700).

:func:`save_user_model` validates the model (:func:`models.user.build_user_model`) before anything is written and
moves a complete folder into place in one rename, so a failure registers nothing.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from models.spec import STORED_FILE_NAME, ModelSpec, SpecError, load_spec, parse_spec

ENV_VAR = "FACE_XAI_MODELS"
SPEC_FILE, CARD_FILE, CHECKS_FILE = "spec.toml", "card.md", "checks.json"


def user_models_dir() -> Path:
    """The user model folder: ``$FACE_XAI_MODELS``, else ``~/.local/share/face-xai-studio/models`` (may not exist)."""
    configured = os.environ.get(ENV_VAR)
    return Path(configured).expanduser() if configured else Path.home() / ".local/share/face-xai-studio/models"


@dataclass(frozen=True, slots=True)
class UserModelRecord:
    """One folder of the store.

    Attributes:
        name: the folder's (and the model's) name.
        folder: ``<user_models_dir()>/<name>``.
        spec: the parsed ``spec.toml``; None when it does not parse (``error`` says why).
        error: why the folder cannot be served ("" when it can): bad spec, missing model file, name clash.
        sha256: SHA-256 of the model file recorded at registration ("" when unknown).
        checks: what ``checks.json`` recorded (the caller's checks under "checks"); {} when absent.
    """

    name: str
    folder: Path
    spec: ModelSpec | None
    error: str = ""
    sha256: str = ""
    checks: dict = dataclasses.field(default_factory=dict)

    @property
    def role(self) -> str:
        return self.spec.role if self.spec is not None else ""

    @property
    def title(self) -> str:
        return self.spec.title if self.spec is not None else self.name

    @property
    def spec_file(self) -> Path:
        return self.folder / SPEC_FILE

    @property
    def card_file(self) -> Path:
        return self.folder / CARD_FILE

    @property
    def checks_file(self) -> Path:
        return self.folder / CHECKS_FILE

    @property
    def model_file(self) -> Path | None:
        return Path(self.spec.file) if self.spec is not None else None

    def stamp(self) -> tuple[int, ...]:
        """Modification times and size of the spec and model file: a changed folder loads anew."""
        files = [self.spec_file] + ([self.model_file] if self.model_file is not None else [])
        return tuple(v for f in files if f.is_file() for v in (f.stat().st_mtime_ns, f.stat().st_size))


def _shipped_names() -> set[str]:
    from models.registry import REGISTRY

    return {e.name for e in REGISTRY}


def _read_record(folder: Path) -> UserModelRecord:
    name = folder.name
    checks: dict = {}
    if (folder / CHECKS_FILE).is_file():
        try:
            checks = json.loads((folder / CHECKS_FILE).read_text())
        except json.JSONDecodeError as exc:
            return UserModelRecord(name, folder, None, f"{folder / CHECKS_FILE} is not JSON: {exc}")
    sha = str(checks.get("sha256", ""))
    try:
        spec = load_spec(folder / SPEC_FILE)
    except SpecError as exc:
        return UserModelRecord(name, folder, None, str(exc), sha, checks)
    if spec.name != name:
        return UserModelRecord(name, folder, spec, f"{folder / SPEC_FILE} names the model {spec.name!r}, but its "
                                                   f"folder is {name!r}", sha, checks)
    if name in _shipped_names():
        return UserModelRecord(name, folder, spec, f"user model {name!r} in {folder} has a shipped model's name; "
                                                   "remove the folder and register it under another name", sha, checks)
    if not Path(spec.file).is_file():
        return UserModelRecord(name, folder, spec, f"model file {spec.file} is missing; remove the model with "
                                                   f"`python -m xai models remove {name}` and add it again", sha,
                               checks)
    return UserModelRecord(name, folder, spec, "", sha, checks)


def list_user_models() -> list[UserModelRecord]:
    """Every folder of the store holding a ``spec.toml``, by name (broken ones too, with their ``error``)."""
    root = user_models_dir()
    if not root.is_dir():
        return []
    return [_read_record(folder) for folder in sorted(root.iterdir())
            if folder.is_dir() and not folder.name.startswith(".") and (folder / SPEC_FILE).is_file()]


def user_model_record(name: str) -> UserModelRecord:
    """The record of registered user model ``name``.

    Raises:
        ValueError: no such user model (the registered names are listed).
    """
    for record in list_user_models():
        if record.name == name:
            return record
    known = ", ".join(r.name for r in list_user_models()) or "none"
    raise ValueError(f"no user model {name!r} in {user_models_dir()}; registered user models: {known}")


def _as_dict(checks: object) -> dict:
    if dataclasses.is_dataclass(checks) and not isinstance(checks, type):
        return dataclasses.asdict(checks)
    if hasattr(checks, "as_dict"):
        return dict(checks.as_dict())
    if isinstance(checks, Mapping):
        return dict(checks)
    raise TypeError(f"checks must be a dataclass, a mapping or have as_dict(), got {type(checks).__name__}")


def save_user_model(spec: ModelSpec, model_bytes: bytes, card_text: str, checks: object) -> UserModelRecord:
    """Validate and register a user model: write its folder (spec, model file, card, checks) in one move.

    Args:
        spec: the validated spec; its ``file`` is rewritten to the stored copy.
        model_bytes: the model file's bytes.
        card_text: the generated card (Markdown, optional ``---`` front matter as in ``models/cards/``).
        checks: the checks measured on a real sample face (a dataclass, a mapping or an object with
            ``as_dict()``), stored under "checks" in ``checks.json``.

    Returns:
        the new record.

    Raises:
        SpecError: the name is a shipped model's or is already registered.
        models.user.ModelFileError: the model file does not validate (nothing is written).
    """
    from models.registry import invalidate_user_models
    from models.user import build_user_model

    if spec.name in _shipped_names():
        raise SpecError(f"{spec.name!r} is the name of a shipped model; give the user model another name")
    root = user_models_dir()
    folder = root / spec.name
    if folder.exists():
        raise SpecError(f"a user model called {spec.name!r} is already registered in {folder}; remove it first "
                        f"(`python -m xai models remove {spec.name}`) or choose another name")
    build_user_model(spec, model_bytes)  # validates: ModelFileError before anything is written
    checks_record = {"sha256": hashlib.sha256(model_bytes).hexdigest(), "bytes": len(model_bytes),
                     "registered": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "checks": _as_dict(checks)}
    file_name = STORED_FILE_NAME[spec.format]
    root.mkdir(parents=True, exist_ok=True, mode=0o700)
    staging = Path(tempfile.mkdtemp(prefix=f".{spec.name}.", dir=root))  # created 0700
    try:
        (staging / file_name).write_bytes(model_bytes)
        (staging / SPEC_FILE).write_text(spec.to_toml(file=file_name))
        (staging / CARD_FILE).write_text(card_text)
        (staging / CHECKS_FILE).write_text(json.dumps(checks_record, indent=2) + "\n")
        parse_spec((staging / SPEC_FILE).read_text(), staging)  # the stored spec reads back
        staging.rename(folder)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    invalidate_user_models()
    return _read_record(folder)


def remove_user_model(name: str) -> Path:
    """Delete user model ``name``'s folder (spec, model file, card, checks, calibration); return the folder.

    Raises:
        ValueError: no such user model, or ``name`` is a shipped model's.
    """
    from models.registry import invalidate_user_models

    if name in _shipped_names():
        raise ValueError(f"{name!r} is a shipped model; only user models can be removed")
    if not name or Path(name).name != name or name.startswith("."):
        raise ValueError(f"{name!r} is not a user model name")
    folder = user_models_dir() / name
    if not (folder / SPEC_FILE).is_file():
        user_model_record(name)  # raises with the registered names
    shutil.rmtree(folder)
    invalidate_user_models()
    return folder
