"""Every metric of the seeds for one score set at one operating threshold, as a record, table rows and a sweep.

Scores are *bona fide scores* (label convention of :mod:`xai.core.metrics`: 1 = bona fide, 0 = attack): higher =
more likely bona fide, accepted when ``score >= threshold``. For verification the score is the similarity and an
"attack" is an impostor pair, so APCER is the verification FAR and BPCER the FRR (the verification task adds
those rows, :data:`xai.verify.evaluate.VERIFY_ROWS`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from xai.core.metrics import (
    GENUINE,
    SPOOF,
    ClassificationReport,
    ConfusionCounts,
    bpcer_at_apcer,
    classification_report,
    confusion_counts,
    det_curve,
    eer,
)

MetricRow = tuple[str, str, str]
"""(name, key in :meth:`MetricSummary.as_dict`, definition) of one row of the metric table."""


@dataclass(frozen=True, slots=True)
class MetricSummary:
    """Every metric of one score set at one operating threshold.

    Attributes:
        n, n_bona_fide, n_attack: sample counts.
        threshold: the operating threshold (accept as bona fide when ``score >= threshold``).
        counts: confusion counts at ``threshold`` with positive = attack (seed 000, eqs. 9–16).
        report: accuracy, error rate, precision, recall, F1, seed FAR/FRR/HTER, APCER, BPCER, ACER at ``threshold``.
        eer: equal error rate in [0, 1]; eer_threshold: the threshold there.
        apcer_target: the APCER of the BPCER@APCER operating point (e.g. 0.05).
        bpcer_at_apcer: the lowest BPCER whose APCER ≤ ``apcer_target``; bpcer_at_apcer_threshold: its threshold.
        far, frr, hter: verification meaning (impostors accepted, genuine rejected, mean) = APCER, BPCER, ACER.
    """

    n: int
    n_bona_fide: int
    n_attack: int
    threshold: float
    counts: ConfusionCounts
    report: ClassificationReport
    eer: float
    eer_threshold: float
    apcer_target: float
    bpcer_at_apcer: float
    bpcer_at_apcer_threshold: float

    @property
    def far(self) -> float:
        return self.report.apcer

    @property
    def frr(self) -> float:
        return self.report.bpcer

    @property
    def hter(self) -> float:
        return self.report.acer

    def as_dict(self) -> dict[str, float | int]:
        """Flat JSON-ready dict (NaN stays NaN)."""
        out: dict[str, float | int] = {"n": self.n, "n_bona_fide": self.n_bona_fide, "n_attack": self.n_attack,
                                       "threshold": self.threshold}
        out.update({f: getattr(self.counts, f) for f in ("tp", "tn", "fp", "fn")})
        out.update({f: getattr(self.report, f) for f in self.report.__slots__})
        out.update({"eer": self.eer, "eer_threshold": self.eer_threshold, "apcer_target": self.apcer_target,
                    "bpcer_at_apcer": self.bpcer_at_apcer, "bpcer_at_apcer_threshold": self.bpcer_at_apcer_threshold})
        return out


def summarize(y_true: ArrayLike, scores: ArrayLike, threshold: float, apcer_target: float = 0.05) -> MetricSummary:
    """All metrics of bona fide ``scores`` at ``threshold`` (see :class:`MetricSummary`).

    Args:
        y_true: (N,) labels, 0 = attack, 1 = bona fide; **both classes** are needed (EER and curves).
        scores: (N,) finite bona fide scores; ties are one operating point (``sklearn.metrics.roc_curve``).
        threshold: operating threshold, accept when ``score >= threshold``.
        apcer_target: APCER of the BPCER@APCER point, in [0, 1].

    Raises:
        ValueError: invalid labels or scores, different lengths, or a single class (the message says which).
    """
    y = np.asarray(y_true)
    s = np.asarray(scores, dtype=np.float64)
    e = eer(y, s)  # validates labels/scores and raises for a single class
    b = bpcer_at_apcer(y, s, apcer_target)
    predicted = (s >= float(threshold)).astype(np.int64)
    counts = confusion_counts(y, predicted, positive=SPOOF)
    return MetricSummary(int(y.size), int((y == GENUINE).sum()), int((y == SPOOF).sum()), float(threshold), counts,
                         classification_report(y, predicted), e.eer, e.threshold, float(apcer_target), b.bpcer,
                         b.threshold)


#: the seeds' metric rows, every task
METRIC_ROWS: tuple[MetricRow, ...] = (
    ("Accuracy", "accuracy", "(TP + TN) / N (seed 000 eq. 9; positive = attack)"),
    ("Error rate", "error_rate", "(FP + FN) / N (eq. 10)"),
    ("Precision", "precision", "TP / (TP + FP): predicted attacks that are attacks (eq. 11)"),
    ("Recall", "recall", "TP / (TP + FN): attacks detected (eq. 12)"),
    ("F1", "f1", "2 P R / (P + R) (eq. 13)"),
    ("FAR (seed eq. 14)", "far", "FP / (FP + TN): bona fide rejected, as the seed prints it (= BPCER)"),
    ("FRR (seed eq. 15)", "frr", "FN / (FN + TP): attacks accepted, as the seed prints it (= APCER)"),
    ("HTER", "hter", "(FAR + FRR) / 2 (eq. 16, = ACER)"),
    ("APCER", "apcer", "attacks accepted as bona fide / attacks (ISO/IEC 30107-3)"),
    ("BPCER", "bpcer", "bona fide rejected as attacks / bona fide (ISO/IEC 30107-3)"),
    ("ACER", "acer", "(APCER + BPCER) / 2"),
    ("EER", "eer", "rate where APCER = BPCER, interpolated on the ROC"),
    ("BPCER@APCER", "bpcer_at_apcer", "lowest BPCER with APCER ≤ the target"),
)


def metric_rows(summary: MetricSummary, extra: Sequence[MetricRow] = ()) -> list[dict]:
    """Rows ``{"metric", "value", "definition"}`` of every seed metric, then a task's ``extra`` rows, then the
    thresholds."""
    values = summary.as_dict()
    rows = [{"metric": name if key != "bpcer_at_apcer" else f"BPCER@APCER={summary.apcer_target:.0%}",
             "value": values[key], "definition": text} for name, key, text in METRIC_ROWS]
    rows += [{"metric": name, "value": values[key], "definition": text} for name, key, text in extra]
    rows.append({"metric": "Threshold", "value": summary.threshold, "definition": "accept as bona fide when score ≥ it"})
    rows.append({"metric": "EER threshold", "value": summary.eer_threshold, "definition": "threshold at the EER"})
    return rows


def threshold_table(y_true: ArrayLike, scores: ArrayLike, max_rows: int = 200) -> list[dict]:
    """APCER, BPCER, ACER and accuracy at every distinct score (thresholds increasing), at most ``max_rows`` rows.

    Tied scores form one row; with more distinct scores than ``max_rows`` an evenly spaced subset is kept
    (always including the first and the last).

    Raises:
        ValueError: as :func:`xai.core.metrics.det_curve` (single class, invalid input).
    """
    thresholds, apcer, bpcer = det_curve(y_true, scores)
    y = np.asarray(y_true)
    n_attack, n_bona = int((y == SPOOF).sum()), int((y == GENUINE).sum())
    index = np.arange(thresholds.size)
    if thresholds.size > max_rows:
        index = np.unique(np.round(np.linspace(0, thresholds.size - 1, max_rows)).astype(int))
    rows = []
    for i in index:
        errors = apcer[i] * n_attack + bpcer[i] * n_bona
        rows.append({"threshold": float(thresholds[i]), "APCER": float(apcer[i]), "BPCER": float(bpcer[i]),
                     "ACER": float((apcer[i] + bpcer[i]) / 2), "accuracy": float(1 - errors / (n_attack + n_bona))})
    return rows
