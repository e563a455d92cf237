"""Explaining via soft biometrics (ESB, seed 001 §III.E): age and gender of both faces from every estimator."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from models.base import ModelUnavailableError, SoftBiometricEstimator, SoftBiometrics
from models.registry import entry, load_model, names
from xai.faces import largest_face

AGE_AGREEMENT_YEARS = 10.0


@dataclass(frozen=True, slots=True)
class PairSoftBiometrics:
    """One estimator's view of a probe/gallery pair; ``agrees``: same gender and ages within 10 years."""

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
        return self.gender_agrees and self.age_gap <= AGE_AGREEMENT_YEARS


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
                         loader: Callable[[str], SoftBiometricEstimator] = load_model) -> list[PairSoftBiometrics]:
    """Age and gender of the largest face in each (H, W, 3) uint8 RGB photo, per available estimator."""
    probe_face, _ = largest_face(probe)
    gallery_face, _ = largest_face(gallery)
    rows = []
    for name in available_estimators(loader):
        estimator = loader(name)
        crops = [estimator.crop(probe, probe_face), estimator.crop(gallery, gallery_face)]
        with torch.no_grad():
            p, g = estimator.estimate(estimator.to_batch(crops))
        rows.append(PairSoftBiometrics(name, p, g))
    return rows
