"""Calibrated confidence for verification scores (after Knoche et al., WACVW 2023).

A score is turned into the error rates it implies on a reference set of genuine (same person) and impostor
(different people) scores: if this score were the threshold, what share of impostor pairs would be accepted
(false match rate, FMR) and what share of genuine pairs rejected (false non-match rate, FNMR)? A high
similarity with FMR ≈ 0 is strong evidence of a match; one with FMR = 30 % is not.

References live in ``models/calibration/<model>.json``. The shipped ones are computed from the sample
portraits (a handful of pairs: the file says how many); ``python -m xai calibrate verify --data DIR`` computes
one from a labelled folder (``DIR/<identity>/<photo>``) and replaces it.
"""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch

from models.base import ROOT, FaceEmbedder
from models.registry import load_model
from xai.core.crops import model_crop
from xai.core.faces import FaceError, largest_face
from xai.core.images import ImageInputError, read_image_file

CALIBRATION_DIR = ROOT / "models" / "calibration"
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".webp"}


@dataclass(frozen=True)
class ScoreReference:
    """Genuine and impostor scores of one model in its native metric, with their provenance."""

    model: str
    metric: str
    source: str
    genuine: list[float]
    impostor: list[float]
    identities: int
    images: int
    created: str

    def save(self, folder: Path = CALIBRATION_DIR) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{self.model}.json"
        path.write_text(json.dumps(asdict(self), indent=2) + "\n")
        return path

    @classmethod
    def load(cls, model: str, folder: Path = CALIBRATION_DIR) -> ScoreReference | None:
        path = folder / f"{model}.json"
        return cls(**json.loads(path.read_text())) if path.is_file() else None


@dataclass(frozen=True, slots=True)
class CalibratedConfidence:
    """Error rates implied by a score on the reference: both in [0, 1], NaN without reference scores."""

    fmr: float
    fnmr: float
    genuine_pairs: int
    impostor_pairs: int


def calibrated_confidence(reference: ScoreReference, score: float) -> CalibratedConfidence:
    """FMR and FNMR if ``score`` were the threshold (ties count as accepted)."""
    genuine, impostor = np.asarray(reference.genuine), np.asarray(reference.impostor)
    if reference.metric == "euclidean":  # a distance: accepted when <= threshold
        fmr = float((impostor <= score).mean()) if impostor.size else float("nan")
        fnmr = float((genuine > score).mean()) if genuine.size else float("nan")
    else:
        fmr = float((impostor >= score).mean()) if impostor.size else float("nan")
        fnmr = float((genuine < score).mean()) if genuine.size else float("nan")
    return CalibratedConfidence(fmr, fnmr, int(genuine.size), int(impostor.size))


def _descriptors(embedder: FaceEmbedder, images: list[np.ndarray]) -> torch.Tensor:
    crops = [model_crop(embedder, image, largest_face(image)[0]) for image in images]
    with torch.no_grad():
        return embedder.descriptors(embedder.to_batch(crops))


def build_reference(model: str, identities: dict[str, list[np.ndarray]], source: str,
                    loader: Callable[[str], FaceEmbedder] = load_model) -> ScoreReference:
    """Scores of every same-identity pair (genuine) and every cross-identity pair (impostor)."""
    embedder = loader(model)
    labels, images = [], []
    for identity, photos in identities.items():
        labels += [identity] * len(photos)
        images += photos
    if len(set(labels)) < 2:
        raise ValueError("calibration needs photos of at least two identities")
    d = _descriptors(embedder, images)
    genuine, impostor = [], []
    for i, j in itertools.combinations(range(len(images)), 2):
        score = float(embedder.native_score(d[i:i + 1], d[j:j + 1]))
        (genuine if labels[i] == labels[j] else impostor).append(score)
    if not genuine:
        raise ValueError("calibration needs at least one identity with two or more photos")
    return ScoreReference(model, embedder.native_metric, source, genuine, impostor, len(set(labels)), len(images),
                          time.strftime("%Y-%m-%d"))


def identities_from_folder(root: Path) -> tuple[dict[str, list[np.ndarray]], list[str]]:
    """``root/<identity>/<photo>`` → identity → photos; also the files skipped (unreadable or faceless)."""
    identities: dict[str, list[np.ndarray]] = {}
    skipped: list[str] = []
    for folder in sorted(p for p in Path(root).iterdir() if p.is_dir()):
        for path in sorted(folder.iterdir()):
            if path.suffix.lower() not in IMAGE_SUFFIXES:
                continue
            try:
                image = read_image_file(str(path))
                largest_face(image)
            except (ImageInputError, FaceError):
                skipped.append(str(path.relative_to(root)))
                continue
            identities.setdefault(folder.name, []).append(image)
    return identities, skipped


def sample_identities() -> dict[str, list[np.ndarray]]:
    """The sample portraits grouped by identity (from ``assets/samples/index.json``)."""
    from xai.core.samples import sample_image, sample_index

    identities: dict[str, list[np.ndarray]] = {}
    for entry in sample_index():
        identities.setdefault(entry["identity"], []).append(sample_image(entry["file"]))
    return identities
