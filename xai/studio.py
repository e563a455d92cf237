"""Plain data the home page shows (model table, sample index, software versions); no Streamlit here."""

from __future__ import annotations

import json
import platform
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import numpy as np
from PIL import Image

from models.registry import ModelStatus, all_status

ROOT = Path(__file__).resolve().parents[1]
SAMPLES_DIR = ROOT / "assets" / "samples"
ROLE_LABELS = {"embedder": "face embedder", "estimator": "soft-biometric estimator", "spoof": "spoof classifier",
               "recapture": "ID-card recapture detector"}
VERSIONED_PACKAGES = ("torch", "mediapipe", "numpy", "streamlit", "grad-cam", "scikit-image", "dlib-bin")


@dataclass(frozen=True, slots=True)
class ModelRow:
    """One row of the home page's model table."""

    name: str
    role: str
    status: str  # "loaded", "missing" or "optional"
    title: str
    summary: str
    source: str
    license: str
    message: str


def model_rows(statuses: list[ModelStatus] | None = None) -> list[ModelRow]:
    """The model table: every registered model, with its load status and card summary."""
    rows = []
    for s in statuses if statuses is not None else all_status():
        status = "loaded" if s.loaded else ("optional" if s.optional else "missing")
        rows.append(ModelRow(s.name, ROLE_LABELS[s.role], status, s.title, s.summary, s.source, s.license, s.message))
    return rows


def sample_index() -> list[dict]:
    """Entries of ``assets/samples/index.json`` (file, identity, source, license, sha256); [] if absent."""
    path = SAMPLES_DIR / "index.json"
    return json.loads(path.read_text()) if path.is_file() else []


def sample_thumbnail(file_name: str, box: int = 256) -> np.ndarray:
    """(h, w, 3) uint8 RGB thumbnail of a sample, cropped to its upper square (where the face is), ≤ ``box`` px."""
    with Image.open(SAMPLES_DIR / file_name) as im:
        rgb = im.convert("RGB")
    side = min(rgb.size)
    rgb = rgb.crop((0, 0, side, side) if rgb.height > rgb.width else
                   ((rgb.width - side) // 2, 0, (rgb.width + side) // 2, side))
    rgb.thumbnail((box, box))
    return np.asarray(rgb)


def software_versions() -> dict[str, str]:
    """Python and key package versions, for reports and the home page footer."""
    versions = {"python": platform.python_version()}
    for package in VERSIONED_PACKAGES:
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = "not installed"
    return versions
