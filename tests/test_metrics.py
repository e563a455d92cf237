"""Metric functions against hand-computed cases (seed 000 eqs. 9–16, ISO/IEC 30107-3, EER)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from xai.metrics import (
    apcer_bpcer_at,
    bpcer_at_apcer,
    classification_report,
    confusion_counts,
    eer,
    eer_from_scores,
    far_frr_at,
)


def test_confusion_matrix_metrics_by_hand():
    # 0 = spoof (positive), 1 = genuine. Truth: 4 spoof, 6 genuine. Predictions: 3 spoof caught (TP=3), 1 spoof
    # passed as genuine (FN=1), 2 genuine rejected as spoof (FP=2), 4 genuine accepted (TN=4).
    y_true = [0, 0, 0, 0, 1, 1, 1, 1, 1, 1]
    y_pred = [0, 0, 0, 1, 0, 0, 1, 1, 1, 1]
    c = confusion_counts(y_true, y_pred)
    assert (c.tp, c.tn, c.fp, c.fn) == (3, 4, 2, 1)
    r = classification_report(y_true, y_pred)
    assert r.accuracy == pytest.approx(7 / 10)           # eq. 9
    assert r.error_rate == pytest.approx(3 / 10)         # eq. 10
    assert r.precision == pytest.approx(3 / 5)           # eq. 11
    assert r.recall == pytest.approx(3 / 4)              # eq. 12
    assert r.f1 == pytest.approx(2 * 0.6 * 0.75 / 1.35)  # eq. 13
    assert r.far == pytest.approx(2 / 6)                 # eq. 14: FP / (FP + TN)
    assert r.frr == pytest.approx(1 / 4)                 # eq. 15: FN / (FN + TP)
    assert r.hter == pytest.approx((2 / 6 + 1 / 4) / 2)  # eq. 16
    assert r.apcer == pytest.approx(1 / 4) and r.bpcer == pytest.approx(2 / 6)
    assert r.acer == pytest.approx((1 / 4 + 2 / 6) / 2)


def test_seed_table2_hter_arithmetic():
    # Table 2, nose: FAR 0.0010, FRR 0.0645 → HTER (0.0010 + 0.0645) / 2 = 0.03275 (printed 0.0323)
    from xai.metrics import ConfusionCounts, report_from_counts

    r = report_from_counts(ConfusionCounts(tp=29, tn=999, fp=1, fn=2))  # FAR 1/1000, FRR 2/31 = 0.0645
    assert r.far == pytest.approx(0.001) and r.frr == pytest.approx(0.0645, abs=1e-4)
    assert r.hter == pytest.approx(0.03276, abs=1e-4)


def test_undefined_ratios_are_nan_and_single_class_reports_work():
    r = classification_report([1, 1, 1], [1, 1, 1])  # nothing predicted spoof, no spoof present
    assert r.accuracy == 1.0 and math.isnan(r.precision) and math.isnan(r.recall) and math.isnan(r.apcer)
    assert r.bpcer == 0.0
    with pytest.raises(ValueError, match="both bona fide and attack"):
        eer([1, 1, 1], [0.1, 0.5, 0.9])


def test_eer_on_a_constructed_score_set():
    # bona fide 0.6 0.7 0.8 0.9, attacks 0.1 0.2 0.3 0.65. At t = 0.65 one attack is accepted (APCER 1/4) and
    # one bona fide rejected (BPCER 1/4): EER = 0.25.
    result = eer([1, 1, 1, 1, 0, 0, 0, 0], [0.6, 0.7, 0.8, 0.9, 0.1, 0.2, 0.3, 0.65])
    assert result.eer == pytest.approx(0.25)
    assert 0.6 < result.threshold <= 0.65


def test_eer_extremes_and_ties():
    assert eer([1, 1, 0, 0], [0.9, 0.8, 0.2, 0.1]).eer == pytest.approx(0.0)
    assert eer([1, 1, 0, 0], [0.5, 0.5, 0.5, 0.5]).eer == pytest.approx(0.5)


def test_bpcer_at_fixed_apcer_and_rates_at_a_threshold():
    y = [1, 1, 1, 1, 0, 0, 0, 0]
    s = [0.6, 0.7, 0.8, 0.9, 0.1, 0.2, 0.3, 0.65]
    # APCER 0 needs t > 0.65 → lowest such threshold 0.7 rejects the 0.6 bona fide: BPCER 1/4
    assert bpcer_at_apcer(y, s, 0.0) == (pytest.approx(0.25), pytest.approx(0.7))
    assert apcer_bpcer_at(y, s, 0.5) == (pytest.approx(0.25), pytest.approx(0.0))


def test_verification_far_frr():
    # impostors ≥ 0.5: one of four → FAR 0.25; genuine < 0.5: one of three → FRR 1/3
    assert far_frr_at([0.9, 0.7, 0.4], [0.1, 0.2, 0.6, 0.3], 0.5) == (pytest.approx(0.25), pytest.approx(1 / 3))
    assert eer_from_scores([0.9, 0.8], [0.1, 0.2]).eer == pytest.approx(0.0)
    with pytest.raises(ValueError):
        far_frr_at([], [0.1], 0.5)


@pytest.mark.parametrize("y_true,y_pred", [([0, 2], [0, 1]), ([0, 1], [0]), ([], [])])
def test_label_validation(y_true, y_pred):
    with pytest.raises(ValueError):
        classification_report(np.asarray(y_true), np.asarray(y_pred))
