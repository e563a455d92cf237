"""Classification and biometric error metrics shared by every page.

Conventions of seed 000 (eqs. 9–16): labels 0 = spoof (attack), 1 = genuine (bona fide); the *positive*
class is spoof ("TP and TN refer to the true classifications for spoof and non-spoof samples"). Hence
precision and recall are those of attack detection, and the seed's FAR = FP / (FP + TN) is the rate of bona
fide samples classified as spoof, FRR = FN / (FN + TP) the rate of spoofs classified as genuine — the opposite
of the usual biometric meaning of these names. The ISO/IEC 30107-3 names are unambiguous and are given too:
APCER = attacks classified as bona fide / attacks; BPCER = bona fide classified as attacks / bona fide;
ACER = (APCER + BPCER) / 2. Undefined ratios (0 / 0) are NaN.

Scores are bona fide scores: higher = more likely bona fide; a sample is accepted as bona fide when
``score >= threshold``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.metrics import roc_curve

SPOOF, GENUINE = 0, 1


def _ratio(num: float, den: float) -> float:
    return float(num) / float(den) if den else float("nan")


def _labels(y: np.ndarray | list, name: str = "labels") -> np.ndarray:
    array = np.asarray(y)
    if array.ndim != 1 or array.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-D sequence")
    if not np.isin(array, (0, 1)).all():
        raise ValueError(f"{name} must be 0 (spoof/attack) or 1 (genuine/bona fide)")
    return array.astype(np.int64)


@dataclass(frozen=True, slots=True)
class ConfusionCounts:
    """Counts with spoof (label 0) as the positive class."""

    tp: int
    tn: int
    fp: int
    fn: int


def confusion_counts(y_true, y_pred) -> ConfusionCounts:
    """Confusion counts of label arrays (0 = spoof = positive, 1 = genuine)."""
    t, p = _labels(y_true, "y_true"), _labels(y_pred, "y_pred")
    if t.shape != p.shape:
        raise ValueError(f"y_true has {t.size} labels but y_pred has {p.size}")
    return ConfusionCounts(tp=int(((t == SPOOF) & (p == SPOOF)).sum()), tn=int(((t == GENUINE) & (p == GENUINE)).sum()),
                           fp=int(((t == GENUINE) & (p == SPOOF)).sum()), fn=int(((t == SPOOF) & (p == GENUINE)).sum()))


@dataclass(frozen=True, slots=True)
class ClassificationReport:
    """Seed 000 eqs. 9–16 and ISO/IEC 30107-3 rates, all in [0, 1] (NaN when undefined)."""

    accuracy: float
    error_rate: float
    precision: float
    recall: float
    f1: float
    far: float
    frr: float
    hter: float
    apcer: float
    bpcer: float
    acer: float


def report_from_counts(c: ConfusionCounts) -> ClassificationReport:
    """Every rate from confusion counts (spoof positive)."""
    total = c.tp + c.tn + c.fp + c.fn
    precision = _ratio(c.tp, c.tp + c.fp)  # eq. 11
    recall = _ratio(c.tp, c.tp + c.fn)  # eq. 12
    f1 = _ratio(2 * precision * recall, precision + recall) if not np.isnan(precision + recall) else float("nan")
    far = _ratio(c.fp, c.fp + c.tn)  # eq. 14 (bona fide classified as spoof, in the seed's words)
    frr = _ratio(c.fn, c.fn + c.tp)  # eq. 15 (spoof classified as genuine)
    apcer = _ratio(c.fn, c.tp + c.fn)
    bpcer = _ratio(c.fp, c.fp + c.tn)
    return ClassificationReport(
        accuracy=_ratio(c.tp + c.tn, total), error_rate=_ratio(c.fp + c.fn, total),  # eqs. 9, 10
        precision=precision, recall=recall, f1=f1, far=far, frr=frr, hter=(far + frr) / 2,  # eqs. 13, 16
        apcer=apcer, bpcer=bpcer, acer=(apcer + bpcer) / 2,
    )


def classification_report(y_true, y_pred) -> ClassificationReport:
    """Seed 000 metrics and APCER/BPCER/ACER of predicted labels (0 = spoof, 1 = genuine)."""
    return report_from_counts(confusion_counts(y_true, y_pred))


def _both_classes(y: np.ndarray, what: str) -> None:
    if len(np.unique(y)) < 2:
        raise ValueError(f"{what} needs both bona fide and attack samples")


@dataclass(frozen=True, slots=True)
class EerResult:
    """Equal error rate in [0, 1] and the bona fide score threshold where APCER = BPCER."""

    eer: float
    threshold: float


def error_curves(y_true, scores) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(thresholds, APCER, BPCER) over every distinct score, thresholds decreasing (``score >= t`` accepted)."""
    y = _labels(y_true, "y_true")
    s = np.asarray(scores, dtype=np.float64)
    if s.shape != y.shape:
        raise ValueError(f"{y.size} labels but {s.size} scores")
    _both_classes(y, "an error curve")
    fpr, tpr, thresholds = roc_curve(y, s, pos_label=GENUINE, drop_intermediate=False)
    # positive = bona fide here: fpr = attacks accepted = APCER, 1 - tpr = bona fide rejected = BPCER
    return thresholds, fpr, 1.0 - tpr


def eer(y_true, scores) -> EerResult:
    """Equal error rate of bona fide ``scores``, interpolated linearly where APCER and BPCER cross."""
    thresholds, apcer, bpcer = error_curves(y_true, scores)
    diff = apcer - bpcer  # rises from −1 (accept none) to +1 (accept all)
    index = int(np.argmax(diff >= 0))
    if diff[index] == 0 or index == 0:
        return EerResult(float(apcer[index]), float(thresholds[index]))
    d0, d1 = diff[index - 1], diff[index]
    w = d0 / (d0 - d1)
    rate = apcer[index - 1] + w * (apcer[index] - apcer[index - 1])
    t0 = thresholds[index - 1] if np.isfinite(thresholds[index - 1]) else thresholds[index]
    return EerResult(float(rate), float(t0 + w * (thresholds[index] - t0)))


def bpcer_at_apcer(y_true, scores, apcer: float = 0.05) -> tuple[float, float]:
    """Lowest BPCER among thresholds whose APCER ≤ ``apcer``; returns (bpcer, threshold)."""
    thresholds, apcers, bpcers = error_curves(y_true, scores)
    allowed = apcers <= apcer + 1e-12
    index = int(np.argmin(np.where(allowed, bpcers, np.inf)))
    return float(bpcers[index]), float(thresholds[index])


def apcer_bpcer_at(y_true, scores, threshold: float) -> tuple[float, float]:
    """(APCER, BPCER) when ``score >= threshold`` is accepted as bona fide."""
    y = _labels(y_true, "y_true")
    accepted = np.asarray(scores, dtype=np.float64) >= threshold
    return _ratio((accepted & (y == SPOOF)).sum(), (y == SPOOF).sum()), \
        _ratio((~accepted & (y == GENUINE)).sum(), (y == GENUINE).sum())


def far_frr_at(genuine_scores, impostor_scores, threshold: float) -> tuple[float, float]:
    """Verification FAR (impostors accepted, score ≥ t) and FRR (genuine rejected) — the usual biometric meaning."""
    g, i = np.asarray(genuine_scores, dtype=np.float64), np.asarray(impostor_scores, dtype=np.float64)
    if g.size == 0 or i.size == 0:
        raise ValueError("FAR/FRR need both genuine and impostor scores")
    return float((i >= threshold).mean()), float((g < threshold).mean())


def eer_from_scores(genuine_scores, impostor_scores) -> EerResult:
    """EER of verification scores (genuine pairs should score higher)."""
    g, i = np.asarray(genuine_scores, dtype=np.float64), np.asarray(impostor_scores, dtype=np.float64)
    if g.size == 0 or i.size == 0:
        raise ValueError("an EER needs both genuine and impostor scores")
    labels = np.concatenate([np.ones(g.size, np.int64), np.zeros(i.size, np.int64)])
    return eer(labels, np.concatenate([g, i]))
