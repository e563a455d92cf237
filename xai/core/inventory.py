"""Plain data the home page and reports show (model table, software versions); no Streamlit here.

The sample portraits (index, thumbnails, bona fide pool) are :mod:`xai.core.samples`.
"""

from __future__ import annotations

import platform
from dataclasses import dataclass
from importlib import metadata

from models.registry import ModelStatus, all_status

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


def software_versions() -> dict[str, str]:
    """Python and key package versions, for reports and the home page footer."""
    versions = {"python": platform.python_version()}
    for package in VERSIONED_PACKAGES:
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = "not installed"
    return versions
