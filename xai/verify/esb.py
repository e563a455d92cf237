"""Explaining via soft biometrics (ESB, seed 001 §III.E): age and gender of both faces from every estimator."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from models.base import ModelUnavailableError, SoftBiometricEstimator, SoftBiometrics
from models.registry import DEFAULT_VERIFIER, entry, load_model, names
from xai.core.crops import model_crop
from xai.core.faces import DetectedFace, FaceError, largest_face

AGE_AGREEMENT_YEARS = 10.0
GENDERS = ("female", "male")


@dataclass(frozen=True, slots=True)
class PairSoftBiometrics:
    """One estimator's view of a probe/gallery pair; ``agrees``: same gender and ages within 10 years (of the
    attributes the estimator gives: a user estimator may give only one; the other is NaN / "unknown")."""

    estimator: str
    probe: SoftBiometrics
    gallery: SoftBiometrics

    @property
    def gender_agrees(self) -> bool:
        return self.probe.gender == self.gallery.gender

    @property
    def age_gap(self) -> float:
        return abs(self.probe.age - self.gallery.age)

    @property
    def agrees(self) -> bool:
        age_ok = math.isnan(self.age_gap) or self.age_gap <= AGE_AGREEMENT_YEARS  # NaN: no age estimated
        return self.gender_agrees and age_ok


def describe_estimate(estimate: SoftBiometrics) -> str:
    """e.g. "female, 34 y"; an attribute the estimator does not give is left out ("34 y", "female")."""
    parts = [estimate.gender] if estimate.gender in GENDERS else []
    parts += [] if math.isnan(estimate.age) else [f"{estimate.age:.0f} y"]
    return ", ".join(parts) or "no estimate"


def available_estimators(loader: Callable[[str], SoftBiometricEstimator] = load_model) -> list[str]:
    """Estimators that load here (optional ones such as DeepFace only when their weights are local)."""
    usable = []
    for name in names("estimator"):
        try:
            loader(name)
        except ModelUnavailableError:
            if not entry(name).optional:
                raise
            continue
        usable.append(name)
    return usable


def pair_soft_biometrics(probe: np.ndarray, gallery: np.ndarray,
                         loader: Callable[[str], SoftBiometricEstimator] = load_model,
                         faces: tuple[DetectedFace, DetectedFace] | None = None) -> list[PairSoftBiometrics]:
    """Age and gender of the largest face in each (H, W, 3) uint8 RGB photo, per available estimator.

    ``faces``: the (probe, gallery) faces already detected (e.g. a verification result's ``probe_face`` and
    ``gallery_face``); None = find the largest face of each photo here.
    """
    probe_face, gallery_face = (largest_face(probe)[0], largest_face(gallery)[0]) if faces is None else faces
    rows = []
    for name in available_estimators(loader):
        estimator = loader(name)
        crops = [model_crop(estimator, probe, probe_face), model_crop(estimator, gallery, gallery_face)]
        with torch.no_grad():
            p, g = estimator.estimate(estimator.to_batch(crops))
        rows.append(PairSoftBiometrics(name, p, g))
    return rows


# --------------------------------------------------------------------------------------------- global ESB

FV_CATEGORIES = ("FV-TP", "FV-FN", "FV-FP", "FV-TN")
FV_GROUPS = {"FV Match": ("FV-TP", "FV-FN"), "FV Non-Match": ("FV-FP", "FV-TN")}


def fv_category(same_person: bool, accepted: bool) -> str:
    """Face-verification outcome of a pair: positive = the system accepts it as the same person."""
    if same_person:
        return "FV-TP" if accepted else "FV-FN"
    return "FV-FP" if accepted else "FV-TN"


@dataclass(frozen=True, slots=True)
class EsbRecord:
    """One face of one pair: its FV category, an estimator's output and the ground truth (None if unknown)."""

    category: str
    estimator: str
    gender: str
    age: float
    true_gender: str | None
    true_age: float | None


@dataclass(frozen=True, slots=True)
class EsbCell:
    """Gender accuracy in % and age MAE in years of one (estimator, group), with the counts behind them."""

    estimator: str
    group: str
    gender_accuracy: float
    gender_n: int
    age_mae: float
    age_n: int


def esb_table(records: list[EsbRecord]) -> list[EsbCell]:
    """Seed 001 Table I: per estimator, for FV Match, FV Non-Match and each of FV-TP/FN/FP/TN."""
    cells = []
    groups = {**{g: members for g, members in FV_GROUPS.items()}, **{c: (c,) for c in FV_CATEGORIES}}
    for estimator in sorted({r.estimator for r in records}):
        for group, members in groups.items():
            rows = [r for r in records if r.estimator == estimator and r.category in members]
            genders = [r.gender == r.true_gender for r in rows if r.true_gender is not None and r.gender in GENDERS]
            ages = [abs(r.age - r.true_age) for r in rows if r.true_age is not None and not math.isnan(r.age)]
            cells.append(EsbCell(estimator, group, 100.0 * float(np.mean(genders)) if genders else float("nan"),
                                 len(genders), float(np.mean(ages)) if ages else float("nan"), len(ages)))
    return cells


def evaluate_esb(pairs_csv: str, model: str = DEFAULT_VERIFIER,
                 loader: Callable[[str], SoftBiometricEstimator] = load_model,
                 progress: Callable[[int, int], None] | None = None) -> tuple[list[EsbCell], list[dict]]:
    """Global ESB over a pair protocol CSV: columns probe, gallery, same (1/0, true/false) and optionally
    probe_age, probe_gender, gallery_age, gallery_gender. Paths are relative to the CSV's folder.

    Returns Table I cells and one row per pair (decision, category, estimates); unreadable or faceless pairs
    are reported in their row's ``error`` and left out of the table.
    """
    import csv
    from pathlib import Path

    from xai.core.images import read_image_file
    from xai.verify.pipeline import verify_pair

    base = Path(pairs_csv).parent
    with open(pairs_csv, newline="") as fh:
        rows = list(csv.DictReader(fh))
    missing = {"probe", "gallery", "same"} - set(rows[0] if rows else {})
    if missing:
        raise ValueError(f"{pairs_csv} lacks the column(s) {sorted(missing)}")
    records: list[EsbRecord] = []
    pairs: list[dict] = []
    for index, row in enumerate(rows):
        same = str(row["same"]).strip().lower() in ("1", "true", "yes", "same")
        out = {"probe": row["probe"], "gallery": row["gallery"], "same": same}
        try:
            probe, gallery = read_image_file(str(base / row["probe"])), read_image_file(str(base / row["gallery"]))
            verdict = verify_pair(probe, gallery, model, loader=loader)
            estimates = pair_soft_biometrics(probe, gallery, loader=loader,
                                             faces=(verdict.probe_face, verdict.gallery_face))
        except (ValueError, FaceError) as exc:
            out["error"] = str(exc)
            pairs.append(out)
            continue
        category = fv_category(same, verdict.same_person)
        out.update(accepted=verdict.same_person, score=verdict.native_score, category=category)
        for estimate in estimates:
            for side, est in (("probe", estimate.probe), ("gallery", estimate.gallery)):
                true_age = row.get(f"{side}_age") or None
                true_gender = (row.get(f"{side}_gender") or "").strip().lower() or None
                records.append(EsbRecord(category, estimate.estimator, est.gender, est.age, true_gender,
                                         float(true_age) if true_age else None))
                out[f"{side}_{estimate.estimator}"] = f"{est.gender}, {est.age:.1f}"
        pairs.append(out)
        if progress:
            progress(index + 1, len(rows))
    return esb_table(records), pairs
