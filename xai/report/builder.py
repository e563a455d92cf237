"""Audit reports (seed 001 §II.B: evidence of why a decision was made, GDPR Art. 15(1)(h) and 22): the generic part.

A frozen :class:`AuditReport` holds everything a reviewer needs: SHA-256 of every input, the models (name,
version, weight-file hashes, card summary and known limits), the explainer and all its parameters, the seed,
software versions, a UTC timestamp, the decision, scores, heatmaps (with the SHA-256 of their float32 bytes),
faithfulness scores, quality-gate verdicts with the seed-002 JSON, and a plain-language section generated from the
numbers. Each task's own section lives in its package (``xai/<task>/report.py``): a ``build_*_report`` that runs
the pipeline with **explicit** parameters, and an ``assemble_*_report`` that makes the same report from a result
already computed (a page's). Both give the same JSON.

:meth:`AuditReport.to_json` is the machine-readable ``report.json``; a :class:`ReportTask` rebuilds a report from
its inputs and recorded parameters (what :mod:`xai.report.replay` does), and a :class:`GateRunner` is how a task's
report runs the quality gates without importing them (the composition root :mod:`xai.tasks` wires both).
Nothing here writes to disk.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from importlib import metadata

import numpy as np

SCHEMA = "face-xai-audit-report/1"
#: gate response keys that vary from run to run and are therefore not replayed
VOLATILE_KEYS = ("timings_s", "seconds")


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_array(array: np.ndarray) -> str:
    """SHA-256 of an array's C-order bytes (as :func:`xai.spoof.explain.explanation_to_dict` hashes heatmaps)."""
    return hashlib.sha256(np.ascontiguousarray(array).tobytes()).hexdigest()


def canonical_json(value) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=True)


# ------------------------------------------------------------------------------------------------- records


@dataclass(frozen=True, slots=True)
class ReportInput:
    """One input file as the user gave it: ``name`` (file name), ``role`` ("image", "probe", "gallery"), bytes."""

    name: str
    role: str
    data: bytes

    @property
    def sha256(self) -> str:
        return sha256_bytes(self.data)


@dataclass(frozen=True, slots=True)
class InputRecord:
    """An input in the report: ``image`` is the decoded (H, W, 3) uint8 RGB picture (never serialised to JSON)."""

    name: str
    role: str
    sha256: str
    n_bytes: int
    width: int
    height: int
    image: np.ndarray = field(repr=False)

    def as_dict(self) -> dict:
        return {"name": self.name, "role": self.role, "sha256": self.sha256, "bytes": self.n_bytes,
                "width": self.width, "height": self.height}


@dataclass(frozen=True, slots=True)
class ModelRecord:
    """A model behind the decision: ``version`` is the card's, else ``weights:<first 12 hex of the files' hash>``;
    ``limits`` is the card's "Known limits" section (Markdown), or its summary."""

    name: str
    title: str
    version: str
    file_hashes: dict[str, str]
    card_file: str
    summary: str
    limits: str

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class Picture:
    """A heatmap or evidence picture.

    Attributes:
        name: stable key, e.g. "full_face/heatmap" or "probe/similarity".
        caption: what it shows.
        heatmap: (h, w) float32 in [0, 1] (then ``sha256`` hashes its bytes) or None for a rendered picture.
        base: (H, W, 3) uint8 RGB the heatmap is overlaid on (a face crop), or the rendered picture itself.
        shows_face: True when ``base`` shows a face (redacted reports pixelate it).
        sha256: SHA-256 of the float32 heatmap bytes, or of the picture's uint8 bytes.
    """

    name: str
    caption: str
    heatmap: np.ndarray | None
    base: np.ndarray | None
    shows_face: bool
    sha256: str

    def as_dict(self) -> dict:
        kind = "heatmap" if self.heatmap is not None else "picture"
        shape = (self.heatmap if self.heatmap is not None else self.base).shape
        return {"name": self.name, "kind": kind, "caption": self.caption, "shape": list(shape),
                "dtype": "float32" if kind == "heatmap" else "uint8", "sha256": self.sha256}


def heatmap_picture(name: str, caption: str, heatmap: np.ndarray, base: np.ndarray | None) -> Picture:
    heatmap = np.asarray(heatmap, dtype=np.float32)
    return Picture(name, caption, heatmap, base, base is not None, sha256_array(heatmap))


def rendered_picture(name: str, caption: str, picture: np.ndarray, shows_face: bool) -> Picture:
    return Picture(name, caption, None, picture, shows_face, sha256_array(picture))


@dataclass(frozen=True, slots=True)
class GateRecord:
    """Quality-gate outcome of one input: compact ``verdicts`` (key, label, verdict, text) and the seed-002 JSON."""

    input_name: str
    verdicts: tuple[dict, ...]
    response: dict

    def as_dict(self) -> dict:
        return {"input": self.input_name, "verdicts": list(self.verdicts), "response": self.response}


@dataclass(frozen=True, slots=True)
class GateSection:
    """The quality gates of a spoof or verification report.

    Attributes:
        models: liveness models of the gates (recorded as ``gate_models`` even when the gates were not run).
        records: one :class:`GateRecord` per input, in input order; empty when the gates were not run.
    """

    models: tuple[str, ...]
    records: tuple[GateRecord, ...]

    @property
    def ran(self) -> bool:
        return bool(self.records)

    def check_inputs(self, inputs: Sequence[ReportInput]) -> None:
        """Raise ValueError unless the records are empty or name exactly ``inputs``, in order."""
        names = [r.input_name for r in self.records]
        if names and names != [i.name for i in inputs]:
            raise ValueError(f"the gate records are of {names}, not of the report's inputs "
                             f"{[i.name for i in inputs]}")


@dataclass(frozen=True, slots=True)
class GateRunner:
    """How a task's report runs the seed-002 gates on an input without importing them (``xai.gates.report`` makes
    the one shipped; the composition root hands it on).

    Attributes:
        default_models: liveness models used when a report names none.
        run: (input, liveness models, model loader) → the input's :class:`GateRecord`.
    """

    default_models: tuple[str, ...]
    run: Callable[[ReportInput, Sequence[str], Callable | None], GateRecord]

    def section(self, inputs: Sequence[ReportInput], with_gates: bool = True, models: Sequence[str] | None = None,
                loader: Callable | None = None) -> GateSection:
        """The gates of ``inputs`` (none when ``with_gates`` is False) with ``models`` (None = the default)."""
        chosen = tuple(models or self.default_models)
        return GateSection(chosen, tuple(self.run(i, chosen, loader) for i in inputs) if with_gates else ())


@dataclass(frozen=True, slots=True)
class PlainLanguage:
    """The section for non-technical readers (plain sentences)."""

    shows: str
    does_not_show: str
    faithfulness: str
    limits: str

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class AuditReport:
    """Everything about one explained decision.

    Attributes:
        task: "spoof", "verify", "gates" or "idcard".
        created_utc: ISO 8601 UTC timestamp.
        inputs: the inputs with their SHA-256.
        models: the models (and the quality-gate card) behind the decision.
        explainer: explanation method (e.g. "grad-cam", "fv-rise").
        parameters: every parameter of the pipeline, JSON-ready; with ``task`` and the inputs it rebuilds the report.
        seed: random seed (explainers with no randomness record it too, for uniformity).
        software: Python and package versions.
        decision: the decision in words and codes.
        scores: the numbers behind the decision, name → float.
        pictures: heatmaps and evidence pictures with their hashes.
        faithfulness: map or unit name → {metric → float}.
        gates: quality-gate verdicts and JSON per input (empty when gates were not run).
        plain: the plain-language section.
        details: task-specific JSON of the whole explanation.
    """

    task: str
    created_utc: str
    inputs: tuple[InputRecord, ...]
    models: tuple[ModelRecord, ...]
    explainer: str
    parameters: dict
    seed: int | None
    software: dict[str, str]
    decision: dict
    scores: dict[str, float]
    pictures: tuple[Picture, ...]
    faithfulness: dict[str, dict[str, float]]
    gates: tuple[GateRecord, ...]
    plain: PlainLanguage
    details: dict

    @property
    def parameters_sha256(self) -> str:
        return sha256_bytes(canonical_json(self.parameters).encode())

    def to_json(self) -> dict:
        """The machine-readable ``report.json`` (no image bytes: hashes only)."""
        return {
            "schema": SCHEMA, "task": self.task, "created_utc": self.created_utc,
            "inputs": [i.as_dict() for i in self.inputs], "models": [m.as_dict() for m in self.models],
            "explainer": self.explainer, "parameters": self.parameters, "seed": self.seed, "software": self.software,
            "decision": self.decision, "scores": self.scores, "faithfulness": self.faithfulness,
            "heatmaps": [p.as_dict() for p in self.pictures], "gates": [g.as_dict() for g in self.gates],
            "plain_language": self.plain.as_dict(), "details": self.details,
            "integrity": {"parameters_sha256": self.parameters_sha256},
        }

    def json_text(self) -> str:
        return json.dumps(self.to_json(), indent=2, ensure_ascii=False) + "\n"


# ------------------------------------------------------------------------------------------------- helpers


def utc_now() -> str:
    """The report timestamp: ISO 8601 UTC, to the second."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def input_record(item: ReportInput) -> InputRecord:
    """Decode ``item`` (:func:`xai.core.images.decode_image`) into its report record.

    Raises:
        xai.core.images.ImageInputError: the bytes are not a usable image.
    """
    from xai.core.images import decode_image

    image = decode_image(item.data)
    return InputRecord(item.name, item.role, item.sha256, len(item.data), int(image.shape[1]), int(image.shape[0]),
                       image)


def card_limits(body: str) -> str:
    """The "Known limits" (or "Limitations") section of a card body, without its heading; '' if absent."""
    lines = body.splitlines()
    start = next((i for i, ln in enumerate(lines) if ln.startswith("## ") and "limit" in ln.lower()), None)
    if start is None:
        return ""
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
    return "\n".join(lines[start + 1:end]).strip()


def card_record(name: str, title: str, card_file: str, hashes: dict[str, str]) -> ModelRecord:
    """A :class:`ModelRecord` from a model card file (a missing card is said so in the summary)."""
    from models.base import ModelCard

    try:
        card = ModelCard.load(card_file)
        summary, limits, fields = card.summary, card_limits(card.body), card.fields
    except FileNotFoundError:
        summary, limits, fields = "", "", {}
    combined = sha256_bytes(canonical_json(hashes).encode())[:12] if hashes else "none"
    version = fields.get("version") or f"weights:{combined}"
    return ModelRecord(name, fields.get("title", title), version, dict(hashes), card_file,
                       summary or f"(model card {card_file} not found)", limits or summary)


def model_record(name: str, loader: Callable | None = None) -> ModelRecord:
    """Name, version, weight-file hashes and card of a registered model (loaded through ``loader``)."""
    from models.registry import entry, load_model

    model = (loader or load_model)(name)
    return card_record(name, getattr(model, "title", name), entry(name).card_file, model.file_hashes())


def gates_card_record() -> ModelRecord:
    """The quality gates' own card (hand-made measures, no weights)."""
    return card_record("quality-gates", "Passive-liveness quality gates (seed 002)", "quality-gates.md", {})


def gate_models_records(gates: GateSection, loader: Callable | None, known: Sequence[ModelRecord] = ()
                        ) -> tuple[ModelRecord, ...]:
    """The gates' card and liveness models of a report whose gates ran (none otherwise), less those in ``known``."""
    if not gates.ran:
        return ()
    names = {m.name for m in known}
    return tuple(m for m in (gates_card_record(), *(model_record(n, loader) for n in gates.models))
                 if m.name not in names)


def report_software() -> dict[str, str]:
    """Python and package versions (:func:`xai.core.inventory.software_versions` and the report's own packages)."""
    from xai.core.inventory import software_versions

    versions = software_versions()
    for package in ("scikit-learn", "fpdf2", "opencv-contrib-python"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:  # a missing package is reported, never fatal
            versions[package] = "not installed"
    return versions


def faithfulness_words(deletion_auc: float, insertion_auc: float) -> tuple[str, str]:
    """(rating, sentence) from deletion/insertion AUCs: gap = insertion − deletion."""
    gap = insertion_auc - deletion_auc
    rating = "strong" if gap >= 0.3 else "moderate" if gap >= 0.1 else "weak"
    sentence = (f"Removing the most highlighted pixels first brought the score down with an area under the curve of "
                f"{deletion_auc:.2f} (lower is better); revealing them first brought it back with {insertion_auc:.2f} "
                f"(higher is better). The gap of {gap:+.2f} rates this map's faithfulness as {rating}.")
    return rating, sentence


def limits_text(models: Sequence[ModelRecord]) -> str:
    """The plain-language limits: each card's known limits once, naming the models that share it."""
    by_card: dict[str, list[ModelRecord]] = {}
    for m in models:
        by_card.setdefault(m.card_file, []).append(m)
    parts = []
    for group in by_card.values():
        names = ", ".join(m.name for m in group)
        parts.append(f"{group[0].title} ({names}):\n{group[0].limits.strip() or group[0].summary}")
    return "\n\n".join(parts)


def seed_everything(seed: int) -> None:
    """Seed Python's, NumPy's and PyTorch's generators (a report's pipeline runs right after)."""
    import random

    import torch

    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


# ------------------------------------------------------------------------------------------------- rebuild


def recorded_parameters(report_json: dict) -> dict:
    """A report's parameters as recorded (what most tasks replay with)."""
    return dict(report_json["parameters"])


@dataclass(frozen=True, slots=True)
class ReportTask:
    """How one task's report is rebuilt from its inputs and recorded parameters (replay, batch explain).

    Each task package defines its own in ``xai/<task>/report.py``; the composition root :mod:`xai.tasks` lists them.

    Attributes:
        task: the task name recorded in ``report.json`` ("spoof", "verify", "gates", "idcard").
        input_roles: the roles of its inputs, in order (e.g. ("probe", "gallery")).
        rebuild: (inputs in ``input_roles`` order, parameters, model loader) → the report; raises TypeError on an
            unknown parameter name.
        replay_parameters: the parameters a replay rebuilds with, from the recorded ``report.json`` (default: its
            ``parameters`` as they are).
    """

    task: str
    input_roles: tuple[str, ...]
    rebuild: Callable[[Sequence[ReportInput], dict, Callable | None], AuditReport]
    replay_parameters: Callable[[dict], dict] = recorded_parameters

    def build(self, inputs: Sequence[ReportInput], parameters: dict, loader: Callable | None = None) -> AuditReport:
        """Rebuild the report.

        Raises:
            ValueError: wrong number of inputs, or parameter names this task does not know.
        """
        if len(inputs) != len(self.input_roles):
            raise ValueError(f"a {self.task} report needs {len(self.input_roles)} input(s), got {len(inputs)}")
        try:
            return self.rebuild(inputs, dict(parameters), loader)
        except TypeError as exc:
            raise ValueError(f"the parameters do not fit a {self.task} report: {exc}") from exc


def report_task(tasks: Mapping[str, ReportTask], name: str) -> ReportTask:
    """``tasks[name]``; ValueError naming the valid tasks otherwise."""
    if name not in tasks:
        raise ValueError(f"unknown task {name!r}; choose one of: {', '.join(tasks)}")
    return tasks[name]
