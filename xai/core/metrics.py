"""Classification and biometric error metrics shared by every page and the CLI.

Label convention (seed 000, "Problem Definition"): ``y ∈ {0, 1}``, **0 = spoof (attack presentation)**,
**1 = genuine (bona fide)**. In the seed's eqs. 9–16 the *positive* class is spoof ("TP and TN refer to the
true classifications for spoof and non-spoof samples respectively"), so precision, recall and F1 are those of
attack detection.

Beware of the seed's FAR/FRR. Eq. 14 defines FAR = FP / (FP + TN); with positive = spoof, FP counts bona fide
samples classified as spoof, so the seed's FAR is the rate of **bona fide samples rejected** (the seed itself
says "real samples incorrectly classified as spoof"), and its FRR = FN / (FN + TP) (eq. 15) is the rate of
**attacks accepted as genuine**. That is the *opposite* of the usual biometric meaning (FAR = impostors
accepted). We implement the equations exactly as printed, and also report the ISO/IEC 30107-3 names, which
are unambiguous:

* APCER = attack presentations classified as bona fide / attack presentations (equals the seed's FRR),
* BPCER = bona fide presentations classified as attacks / bona fide presentations (equals the seed's FAR),
* ACER = (APCER + BPCER) / 2 (equals the seed's HTER).

For face *verification* (genuine vs impostor pairs) use :func:`far_frr_at` / :func:`eer_from_scores`, whose
FAR and FRR have the usual verification meaning.

Undefined ratios (0 / 0, e.g. precision when nothing is predicted as spoof, or APCER when there is no attack
sample) are ``float("nan")``; every quantity computed from a NaN is NaN too. Nothing warns or raises for them,
so single-class label sets still give every metric that is defined. Score-based functions that need both
classes (:func:`eer`, :func:`bpcer_at_apcer`, :func:`roc_points`, :func:`det_curve`) raise ``ValueError``.

Scores are **bona fide scores**: higher = more likely bona fide. A sample is accepted as bona fide when
``score >= threshold``. Tied scores are handled by ``sklearn.metrics.roc_curve``: all samples sharing a score
switch together at that threshold, so every point of a curve is an achievable operating point.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike
from sklearn.metrics import roc_curve

from models.labels import GENUINE, SPOOF  # the one label order of every task (spoof = 0, genuine = 1)

__all__ = [
    "GENUINE",
    "SPOOF",
    "ApcerBpcer",
    "BpcerAtApcer",
    "ClassificationReport",
    "ConfusionCounts",
    "EerResult",
    "ErrorCurve",
    "FarFrr",
    "apcer_bpcer_at",
    "bpcer_at_apcer",
    "classification_report",
    "confusion_counts",
    "det_curve",
    "eer",
    "eer_from_scores",
    "error_curves",
    "far_frr_at",
    "report_from_counts",
    "roc_points",
]


# --------------------------------------------------------------------------------------------- validation


def _ratio(num: float, den: float) -> float:
    """``num / den``, or NaN when the denominator is 0 (an undefined rate)."""
    return float(num) / float(den) if den else float("nan")


def _labels(y: ArrayLike, name: str) -> np.ndarray:
    """Validate a label vector: non-empty, 1-D, values in {0, 1}. Returns int64."""
    array = np.asarray(y)
    if array.ndim != 1:
        raise ValueError(f"{name} must be a 1-D sequence of labels, got an array of shape {array.shape}")
    if array.size == 0:
        raise ValueError(f"{name} is empty: at least one label is needed")
    if array.dtype.kind not in "biuf" or not np.isin(array, (SPOOF, GENUINE)).all():
        bad = sorted({repr(v) for v in array.tolist() if v not in (SPOOF, GENUINE)})[:5]
        raise ValueError(f"{name} must contain only 0 (spoof/attack) or 1 (genuine/bona fide); found {', '.join(bad)}")
    return array.astype(np.int64)


def _scores(s: ArrayLike, name: str, allow_empty: bool = False) -> np.ndarray:
    """Validate a score vector: 1-D, finite, numeric (non-empty unless ``allow_empty``). Returns float64."""
    try:
        array = np.asarray(s, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be numeric: {exc}") from exc
    if array.ndim != 1:
        raise ValueError(f"{name} must be a 1-D sequence of scores, got an array of shape {array.shape}")
    if array.size == 0 and not allow_empty:
        raise ValueError(f"{name} is empty: at least one score is needed")
    if not np.isfinite(array).all():
        raise ValueError(f"{name} contains {int((~np.isfinite(array)).sum())} NaN or infinite value(s)")
    return array


def _labels_and_scores(y_true: ArrayLike, scores: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    y = _labels(y_true, "y_true")
    s = _scores(scores, "scores")
    if s.shape != y.shape:
        raise ValueError(f"y_true has {y.size} labels but scores has {s.size} values; they must pair up")
    return y, s


def _require_both_classes(y: np.ndarray, what: str) -> None:
    if np.unique(y).size < 2:
        only = "bona fide" if y[0] == GENUINE else "attack"
        raise ValueError(f"{what} needs both bona fide and attack samples; y_true holds only {only} samples")


def _threshold(threshold: float) -> float:
    t = float(threshold)
    if np.isnan(t):
        raise ValueError("threshold must be a number, got NaN")
    return t


# ------------------------------------------------------------------------------------- label-based metrics


@dataclass(frozen=True, slots=True)
class ConfusionCounts:
    """Binary confusion counts with respect to a chosen positive class.

    Attributes:
        tp: true positives, positive samples predicted positive (int ≥ 0).
        tn: true negatives, negative samples predicted negative (int ≥ 0).
        fp: false positives, negative samples predicted positive (int ≥ 0).
        fn: false negatives, positive samples predicted negative (int ≥ 0).

    :func:`classification_report` always uses positive = spoof (label 0), as seed 000 does.
    """

    tp: int
    tn: int
    fp: int
    fn: int

    def __post_init__(self) -> None:
        for field in ("tp", "tn", "fp", "fn"):
            value = getattr(self, field)
            if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 0:
                raise ValueError(f"ConfusionCounts.{field} must be a non-negative integer, got {value!r}")

    @property
    def total(self) -> int:
        """Number of samples, ``tp + tn + fp + fn``."""
        return self.tp + self.tn + self.fp + self.fn


def confusion_counts(y_true: ArrayLike, y_pred: ArrayLike, positive: int = SPOOF) -> ConfusionCounts:
    """Confusion counts of two label vectors.

    Args:
        y_true: (N,) true labels, 0 = spoof/attack, 1 = genuine/bona fide.
        y_pred: (N,) predicted labels, same convention.
        positive: the positive class; 0 (spoof, seed 000's convention, the default) or 1.

    Returns:
        The :class:`ConfusionCounts`.

    Raises:
        ValueError: empty or non-1-D inputs, labels outside {0, 1}, different lengths, or ``positive`` not 0/1.
    """
    if positive not in (SPOOF, GENUINE) or isinstance(positive, bool):
        raise ValueError(f"positive must be 0 (spoof) or 1 (genuine), got {positive!r}")
    t, p = _labels(y_true, "y_true"), _labels(y_pred, "y_pred")
    if t.shape != p.shape:
        raise ValueError(f"y_true has {t.size} labels but y_pred has {p.size}; they must pair up")
    pos_t, pos_p = t == positive, p == positive
    return ConfusionCounts(
        tp=int((pos_t & pos_p).sum()),
        tn=int((~pos_t & ~pos_p).sum()),
        fp=int((~pos_t & pos_p).sum()),
        fn=int((pos_t & ~pos_p).sum()),
    )


@dataclass(frozen=True, slots=True)
class ClassificationReport:
    """Seed 000 eqs. 9–16 and ISO/IEC 30107-3 rates of a spoof detector; each a float in [0, 1] or NaN.

    Positive class = spoof (label 0). NaN marks a 0 / 0 ratio (see the module docstring).

    Attributes:
        accuracy: (TP + TN) / N, eq. 9.
        error_rate: (FP + FN) / N, eq. 10.
        precision: TP / (TP + FP), eq. 11: predicted spoofs that are spoofs. NaN when nothing is predicted spoof.
        recall: TP / (TP + FN), eq. 12: spoofs detected. NaN when there is no spoof sample.
        f1: 2 · precision · recall / (precision + recall), eq. 13. NaN when precision or recall is NaN;
            0 when both are 0 (TP = 0), the limit of eq. 13 and the value of 2TP / (2TP + FP + FN).
        far: FP / (FP + TN), eq. 14 as printed: with positive = spoof this is the rate of *bona fide samples
            rejected as spoof* (= bpcer), not the usual "impostors accepted".
        frr: FN / (FN + TP), eq. 15 as printed: the rate of *spoofs accepted as genuine* (= apcer).
        hter: (far + frr) / 2, eq. 16 (= acer).
        apcer: attacks classified as bona fide / attacks (ISO/IEC 30107-3).
        bpcer: bona fide classified as attacks / bona fide (ISO/IEC 30107-3).
        acer: (apcer + bpcer) / 2 (ISO/IEC 30107-3).
    """

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
    """Every rate of :class:`ClassificationReport` from counts whose positive class is spoof (eqs. 9–16).

    Args:
        c: confusion counts with positive = spoof (as :func:`confusion_counts` gives by default).

    Returns:
        The :class:`ClassificationReport`; undefined ratios are NaN.
    """
    precision = _ratio(c.tp, c.tp + c.fp)  # eq. 11
    recall = _ratio(c.tp, c.tp + c.fn)  # eq. 12
    if np.isnan(precision) or np.isnan(recall):
        f1 = float("nan")
    else:
        # eq. 13 rewritten as 2TP / (2TP + FP + FN): identical when P + R > 0, and 0 (not 0/0) when TP = 0
        f1 = _ratio(2 * c.tp, 2 * c.tp + c.fp + c.fn)
    far = _ratio(c.fp, c.fp + c.tn)  # eq. 14: bona fide rejected, in this (spoof-positive) convention
    frr = _ratio(c.fn, c.fn + c.tp)  # eq. 15: attacks accepted
    apcer = _ratio(c.fn, c.fn + c.tp)  # attacks (positives) predicted bona fide
    bpcer = _ratio(c.fp, c.fp + c.tn)  # bona fide (negatives) predicted attack
    return ClassificationReport(
        accuracy=_ratio(c.tp + c.tn, c.total),  # eq. 9
        error_rate=_ratio(c.fp + c.fn, c.total),  # eq. 10
        precision=precision,
        recall=recall,
        f1=f1,
        far=far,
        frr=frr,
        hter=(far + frr) / 2,  # eq. 16
        apcer=apcer,
        bpcer=bpcer,
        acer=(apcer + bpcer) / 2,
    )


def classification_report(y_true: ArrayLike, y_pred: ArrayLike) -> ClassificationReport:
    """Seed 000 eqs. 9–16 and APCER/BPCER/ACER of predicted labels.

    Args:
        y_true: (N,) true labels, 0 = spoof/attack, 1 = genuine/bona fide.
        y_pred: (N,) predicted labels, same convention.

    Returns:
        The :class:`ClassificationReport` (positive = spoof). Single-class ``y_true`` is fine: the rates that
        need the missing class are NaN.

    Raises:
        ValueError: empty or non-1-D inputs, labels outside {0, 1}, or different lengths.
    """
    return report_from_counts(confusion_counts(y_true, y_pred, positive=SPOOF))


# ------------------------------------------------------------------------------------- score-based metrics


class ErrorCurve(NamedTuple):
    """Operating points of a bona fide score (accept when ``score >= threshold``); unpacks as a 3-tuple.

    Attributes:
        thresholds: (K,) float64, the distinct scores (and ``+inf`` = accept nothing, for :func:`roc_points`).
        apcer: (K,) float64 in [0, 1], attacks accepted at each threshold.
        bpcer: (K,) float64 in [0, 1], bona fide rejected at each threshold.
    """

    thresholds: np.ndarray
    apcer: np.ndarray
    bpcer: np.ndarray


class EerResult(NamedTuple):
    """Equal error rate.

    Attributes:
        eer: the rate in [0, 1] where APCER = BPCER (or FAR = FRR), interpolated on the ROC.
        threshold: the score threshold (accept ``score >= threshold``) at that point, interpolated likewise.
    """

    eer: float
    threshold: float


class BpcerAtApcer(NamedTuple):
    """BPCER at a fixed APCER; unpacks as ``(bpcer, threshold)``.

    Attributes:
        bpcer: in [0, 1], the lowest BPCER whose APCER does not exceed the target.
        threshold: the score threshold achieving it (accept ``score >= threshold``); ``+inf`` if only
            accepting nothing meets the target.
    """

    bpcer: float
    threshold: float


class ApcerBpcer(NamedTuple):
    """APCER and BPCER at one threshold; unpacks as ``(apcer, bpcer)``. NaN where the class is absent."""

    apcer: float
    bpcer: float


class FarFrr(NamedTuple):
    """Verification FAR and FRR at one threshold; unpacks as ``(far, frr)``.

    Attributes:
        far: impostor scores accepted (``>= threshold``) / impostor scores, in [0, 1].
        frr: genuine scores rejected (``< threshold``) / genuine scores, in [0, 1].
    """

    far: float
    frr: float


def roc_points(y_true: ArrayLike, scores: ArrayLike) -> ErrorCurve:
    """Every ROC operating point of bona fide scores, thresholds decreasing.

    Built on ``sklearn.metrics.roc_curve(y_true, scores, pos_label=1, drop_intermediate=False)``: with bona
    fide as the ROC positive, FPR = APCER and 1 − TPR = BPCER. The first point is ``(+inf, 0, 1)`` (accept
    nothing), the last ``(min score, 1, 0)`` (accept all); tied scores form one point.

    Args:
        y_true: (N,) labels, 0 = attack, 1 = bona fide; both classes needed.
        scores: (N,) finite bona fide scores.

    Returns:
        :class:`ErrorCurve` with (K,) arrays, K = number of distinct scores + 1.

    Raises:
        ValueError: invalid labels or scores, different lengths, or only one class present.
    """
    y, s = _labels_and_scores(y_true, scores)
    _require_both_classes(y, "an error curve")
    fpr, tpr, thresholds = roc_curve(y, s, pos_label=GENUINE, drop_intermediate=False)
    return ErrorCurve(thresholds.astype(np.float64), fpr.astype(np.float64), (1.0 - tpr).astype(np.float64))


error_curves = roc_points
"""Alias of :func:`roc_points` kept for existing callers."""


def det_curve(y_true: ArrayLike, scores: ArrayLike) -> ErrorCurve:
    """DET-curve points (APCER vs BPCER) at every distinct score, thresholds *increasing*.

    The same points as :func:`roc_points` without the ``+inf`` accept-nothing point, in the order of
    ``sklearn.metrics.det_curve``; plot ``apcer`` against ``bpcer`` (often on probit axes).

    Args:
        y_true: (N,) labels, 0 = attack, 1 = bona fide; both classes needed.
        scores: (N,) finite bona fide scores.

    Returns:
        :class:`ErrorCurve` with (K,) arrays, K = number of distinct scores.

    Raises:
        ValueError: as :func:`roc_points`.
    """
    t, a, b = roc_points(y_true, scores)
    finite = np.isfinite(t)
    return ErrorCurve(t[finite][::-1].copy(), a[finite][::-1].copy(), b[finite][::-1].copy())


def eer(y_true: ArrayLike, scores: ArrayLike) -> EerResult:
    """Equal error rate of bona fide scores (APCER = BPCER).

    Along the ROC points of :func:`roc_points` (thresholds decreasing) ``d = APCER − BPCER`` rises from −1 to
    +1. Let i be the first point with ``d ≥ 0``; if ``d_i = 0`` the EER is read there, otherwise the segment
    from point i−1 to point i is interpolated linearly at ``w = d_{i−1} / (d_{i−1} − d_i)``:
    ``EER = APCER_{i−1} + w (APCER_i − APCER_{i−1})`` (= the BPCER there), and the threshold likewise; where
    point i−1 is the ``+inf`` accept-nothing point, the threshold of point i is returned. All scores tied
    gives EER 0.5; perfectly separated classes give EER 0.

    Args:
        y_true: (N,) labels, 0 = attack, 1 = bona fide; both classes needed.
        scores: (N,) finite bona fide scores (higher = more bona fide).

    Returns:
        :class:`EerResult` ``(eer, threshold)``; accept as bona fide when ``score >= threshold``.

    Raises:
        ValueError: invalid labels or scores, different lengths, or only one class present.
    """
    thresholds, apcer, bpcer = roc_points(y_true, scores)
    diff = apcer - bpcer
    i = int(np.argmax(diff >= 0))  # exists: the last point (accept all) has diff = +1
    if diff[i] == 0 or i == 0:
        return EerResult(float(apcer[i]), float(thresholds[i]))
    d0, d1 = diff[i - 1], diff[i]
    w = d0 / (d0 - d1)
    rate = apcer[i - 1] + w * (apcer[i] - apcer[i - 1])
    if np.isfinite(thresholds[i - 1]):
        threshold = thresholds[i - 1] + w * (thresholds[i] - thresholds[i - 1])
    else:
        threshold = thresholds[i]
    return EerResult(float(rate), float(threshold))


def bpcer_at_apcer(y_true: ArrayLike, scores: ArrayLike, apcer: float = 0.05) -> BpcerAtApcer:
    """BPCER at a fixed APCER (e.g. BPCER@APCER=5 %, ISO/IEC 30107-3 operating point).

    Among the ROC thresholds (every distinct score, plus ``+inf``) whose APCER ≤ ``apcer``, returns the one
    with the lowest BPCER; since BPCER falls as the threshold falls, that is the *lowest* admissible
    threshold, which is an actual score value. No interpolation: the point is achievable.

    Args:
        y_true: (N,) labels, 0 = attack, 1 = bona fide; both classes needed.
        scores: (N,) finite bona fide scores.
        apcer: target APCER in [0, 1].

    Returns:
        :class:`BpcerAtApcer` ``(bpcer, threshold)``; accept as bona fide when ``score >= threshold``.
        ``threshold`` is ``+inf`` (BPCER 1) when even the highest score would breach the target.

    Raises:
        ValueError: ``apcer`` outside [0, 1], invalid labels or scores, or only one class present.
    """
    target = float(apcer)
    if not 0.0 <= target <= 1.0:
        raise ValueError(f"apcer target must be in [0, 1] (e.g. 0.05 for 5 %), got {apcer!r}")
    thresholds, apcers, bpcers = roc_points(y_true, scores)
    admissible = np.flatnonzero(apcers <= target + 1e-12)  # tolerance: k / n_attacks vs a decimal target
    i = int(admissible[-1])  # APCER is non-decreasing along the curve; point 0 (APCER 0) is always admissible
    return BpcerAtApcer(float(bpcers[i]), float(thresholds[i]))


def apcer_bpcer_at(y_true: ArrayLike, scores: ArrayLike, threshold: float) -> ApcerBpcer:
    """APCER and BPCER when ``score >= threshold`` is accepted as bona fide.

    Args:
        y_true: (N,) labels, 0 = attack, 1 = bona fide (one class alone is allowed).
        scores: (N,) finite bona fide scores.
        threshold: decision threshold (``±inf`` allowed, NaN not).

    Returns:
        :class:`ApcerBpcer` ``(apcer, bpcer)``; a rate whose class is absent is NaN.

    Raises:
        ValueError: invalid labels, scores or threshold, or different lengths.
    """
    y, s = _labels_and_scores(y_true, scores)
    accepted = s >= _threshold(threshold)
    attack, bona = y == SPOOF, y == GENUINE
    return ApcerBpcer(_ratio((accepted & attack).sum(), attack.sum()), _ratio((~accepted & bona).sum(), bona.sum()))


# --------------------------------------------------------------------------------------- verification


def _genuine_impostor(genuine_scores: ArrayLike, impostor_scores: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    g = _scores(genuine_scores, "genuine_scores", allow_empty=True)
    i = _scores(impostor_scores, "impostor_scores", allow_empty=True)
    if g.size == 0 or i.size == 0:
        raise ValueError(
            f"verification rates need both genuine and impostor scores; got {g.size} genuine and {i.size} impostor"
        )
    return g, i


def far_frr_at(genuine_scores: ArrayLike, impostor_scores: ArrayLike, threshold: float) -> FarFrr:
    """Verification FAR and FRR at a similarity threshold (accept the pair when ``score >= threshold``).

    This is the usual biometric-verification meaning: FAR = impostor pairs accepted / impostor pairs,
    FRR = genuine pairs rejected / genuine pairs. It is *not* seed 000's FAR (eq. 14), which with
    positive = spoof counts bona fide samples rejected.

    Args:
        genuine_scores: (G,) finite similarity scores of mated (same-person) pairs, G ≥ 1.
        impostor_scores: (I,) finite similarity scores of non-mated pairs, I ≥ 1.
        threshold: decision threshold (``±inf`` allowed, NaN not).

    Returns:
        :class:`FarFrr` ``(far, frr)``.

    Raises:
        ValueError: an empty or non-finite score set, or a NaN threshold.
    """
    g, i = _genuine_impostor(genuine_scores, impostor_scores)
    t = _threshold(threshold)
    return FarFrr(float((i >= t).mean()), float((g < t).mean()))


def eer_from_scores(genuine_scores: ArrayLike, impostor_scores: ArrayLike) -> EerResult:
    """Verification EER (FAR = FRR) of genuine and impostor similarity scores, as :func:`eer` computes it.

    Args:
        genuine_scores: (G,) finite similarity scores of mated pairs (should be higher), G ≥ 1.
        impostor_scores: (I,) finite similarity scores of non-mated pairs, I ≥ 1.

    Returns:
        :class:`EerResult` ``(eer, threshold)``; accept when ``score >= threshold``.

    Raises:
        ValueError: an empty or non-finite score set.
    """
    g, i = _genuine_impostor(genuine_scores, impostor_scores)
    labels = np.concatenate([np.full(g.size, GENUINE, np.int64), np.full(i.size, SPOOF, np.int64)])
    return eer(labels, np.concatenate([g, i]))
