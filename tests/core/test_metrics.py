"""Metric functions against hand-computed cases (seed 000 eqs. 9–16, ISO/IEC 30107-3, EER, verification)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from xai.core.metrics import (
    ConfusionCounts,
    apcer_bpcer_at,
    bpcer_at_apcer,
    classification_report,
    confusion_counts,
    det_curve,
    eer,
    eer_from_scores,
    far_frr_at,
    report_from_counts,
    roc_points,
)

# Shared constructed score set: bona fide 0.6 0.7 0.8 0.9, attacks 0.1 0.2 0.3 0.65 (accept when score >= t).
# By hand, for every distinct threshold (APCER = attacks >= t / 4, BPCER = bona fide < t / 4):
#   t = inf  : APCER 0,    BPCER 1
#   t = 0.9  : APCER 0,    BPCER 3/4
#   t = 0.8  : APCER 0,    BPCER 2/4
#   t = 0.7  : APCER 0,    BPCER 1/4
#   t = 0.65 : APCER 1/4,  BPCER 1/4   <- APCER = BPCER: EER 0.25 (same for any t in (0.6, 0.65])
#   t = 0.6  : APCER 1/4,  BPCER 0
#   t = 0.3  : APCER 2/4,  BPCER 0
#   t = 0.2  : APCER 3/4,  BPCER 0
#   t = 0.1  : APCER 1,    BPCER 0
Y = [1, 1, 1, 1, 0, 0, 0, 0]
S = [0.6, 0.7, 0.8, 0.9, 0.1, 0.2, 0.3, 0.65]


def test_confusion_matrix_metrics_by_hand():
    # 0 = spoof (positive), 1 = genuine. Truth: 4 spoof, 6 genuine. Predictions: 3 spoofs caught (TP = 3), 1 spoof
    # passed as genuine (FN = 1), 2 genuine rejected as spoof (FP = 2), 4 genuine accepted (TN = 4).
    y_true = [0, 0, 0, 0, 1, 1, 1, 1, 1, 1]
    y_pred = [0, 0, 0, 1, 0, 0, 1, 1, 1, 1]
    c = confusion_counts(y_true, y_pred)
    assert (c.tp, c.tn, c.fp, c.fn) == (3, 4, 2, 1) and c.total == 10
    r = classification_report(y_true, y_pred)
    assert r.accuracy == pytest.approx(7 / 10)  # eq. 9: (3 + 4) / 10
    assert r.error_rate == pytest.approx(3 / 10)  # eq. 10: (2 + 1) / 10
    assert r.precision == pytest.approx(3 / 5)  # eq. 11: 3 / (3 + 2)
    assert r.recall == pytest.approx(3 / 4)  # eq. 12: 3 / (3 + 1)
    assert r.f1 == pytest.approx(2 * 0.6 * 0.75 / 1.35)  # eq. 13: 0.9 / 1.35 = 2/3
    assert r.f1 == pytest.approx(2 / 3)
    assert r.far == pytest.approx(2 / 6)  # eq. 14: FP / (FP + TN), bona fide rejected
    assert r.frr == pytest.approx(1 / 4)  # eq. 15: FN / (FN + TP), attacks accepted
    assert r.hter == pytest.approx((2 / 6 + 1 / 4) / 2)  # eq. 16: 7/24
    # ISO names: APCER = attacks accepted = 1/4 (= seed FRR), BPCER = bona fide rejected = 2/6 (= seed FAR)
    assert r.apcer == pytest.approx(1 / 4) and r.bpcer == pytest.approx(2 / 6)
    assert r.acer == pytest.approx(7 / 24) and r.acer == pytest.approx(r.hter)


def test_positive_class_can_be_switched():
    # Same data with genuine as positive: TP = 4 (genuine kept), TN = 3, FP = 1 (spoof accepted), FN = 2
    y_true = [0, 0, 0, 0, 1, 1, 1, 1, 1, 1]
    y_pred = [0, 0, 0, 1, 0, 0, 1, 1, 1, 1]
    c = confusion_counts(y_true, y_pred, positive=1)
    assert (c.tp, c.tn, c.fp, c.fn) == (4, 3, 1, 2)
    with pytest.raises(ValueError, match="positive must be 0"):
        confusion_counts(y_true, y_pred, positive=2)


def test_seed_table2_hter_arithmetic():
    # Table 2, nose row: FAR 0.0010, FRR 0.0645 → HTER (0.0010 + 0.0645) / 2 = 0.03275 (printed 0.0323, i.e. the
    # paper truncated/rounded from unrounded rates). Counts that give those rates: FP = 1 of 1000 bona fide
    # (FAR = 1/1000 = 0.0010), FN = 2 of 31 spoofs (FRR = 2/31 = 0.064516...). HTER = (0.001 + 0.064516) / 2
    # = 0.032758.
    r = report_from_counts(ConfusionCounts(tp=29, tn=999, fp=1, fn=2))
    assert r.far == pytest.approx(0.0010) and r.frr == pytest.approx(0.0645, abs=5e-5)
    assert r.hter == pytest.approx((1 / 1000 + 2 / 31) / 2)
    assert r.hter == pytest.approx(0.03275, abs=1e-4)
    # Full-face row: FAR 0.0000, FRR 0.0613 → HTER 0.03065 (printed 0.0306)
    assert report_from_counts(ConfusionCounts(tp=950, tn=100, fp=0, fn=62)).hter == pytest.approx((0 + 62 / 1012) / 2)


def test_precision_nan_when_nothing_predicted_spoof():
    # 2 spoofs, 2 genuine, everything predicted genuine: TP = 0, FP = 0 → precision 0/0 = NaN, recall 0/2 = 0,
    # F1 NaN (precision undefined), accuracy 2/4, APCER 2/2 = 1, BPCER 0/2 = 0.
    r = classification_report([0, 0, 1, 1], [1, 1, 1, 1])
    assert math.isnan(r.precision) and r.recall == 0.0 and math.isnan(r.f1)
    assert r.accuracy == 0.5 and r.apcer == 1.0 and r.bpcer == 0.0 and r.hter == 0.5


def test_f1_is_zero_not_nan_when_tp_is_zero_but_both_rates_defined():
    # truth [0, 1], predicted [1, 0]: TP 0, FP 1, FN 1 → precision 0/1 = 0, recall 0/1 = 0, F1 = 2·0/(0+1+1) = 0
    r = classification_report([0, 1], [1, 0])
    assert r.precision == 0.0 and r.recall == 0.0 and r.f1 == 0.0


def test_single_class_labels_report_works_score_metrics_raise():
    r = classification_report([1, 1, 1], [1, 0, 1])  # bona fide only: TN 2, FP 1
    assert r.accuracy == pytest.approx(2 / 3) and r.bpcer == pytest.approx(1 / 3) and r.far == pytest.approx(1 / 3)
    assert math.isnan(r.apcer) and math.isnan(r.recall) and math.isnan(r.frr) and math.isnan(r.hter)
    assert r.precision == 0.0  # 0 / (0 + 1) is defined
    with pytest.raises(ValueError, match="needs both bona fide and attack samples"):
        eer([1, 1, 1], [0.1, 0.5, 0.9])
    with pytest.raises(ValueError, match="needs both bona fide and attack samples"):
        bpcer_at_apcer([0, 0], [0.1, 0.5])
    with pytest.raises(ValueError, match="needs both bona fide and attack samples"):
        det_curve([0, 0], [0.1, 0.5])
    rates = apcer_bpcer_at([0, 0], [0.1, 0.5], 0.3)  # defined rate is given, missing class → NaN
    assert rates.apcer == 0.5 and math.isnan(rates.bpcer)


def test_roc_and_det_points_match_the_hand_table():
    t, a, b = roc_points(Y, S)
    assert np.isinf(t[0]) and t[1:].tolist() == [0.9, 0.8, 0.7, 0.65, 0.6, 0.3, 0.2, 0.1]
    np.testing.assert_allclose(a, [0, 0, 0, 0, 0.25, 0.25, 0.5, 0.75, 1])
    np.testing.assert_allclose(b, [1, 0.75, 0.5, 0.25, 0.25, 0, 0, 0, 0])
    d = det_curve(Y, S)
    assert d.thresholds.tolist() == [0.1, 0.2, 0.3, 0.6, 0.65, 0.7, 0.8, 0.9]
    np.testing.assert_allclose(d.apcer, a[1:][::-1])
    np.testing.assert_allclose(d.bpcer, b[1:][::-1])
    # each curve point agrees with the direct count at its threshold
    for thr, ap, bp in zip(d.thresholds, d.apcer, d.bpcer, strict=True):
        assert apcer_bpcer_at(Y, S, thr) == (pytest.approx(ap), pytest.approx(bp))


def test_eer_on_a_constructed_score_set():
    # From the hand table: at t = 0.65 APCER = BPCER = 1/4 exactly → EER 0.25 with no interpolation,
    # threshold 0.65 (any t in (0.6, 0.65] gives the same rates).
    result = eer(Y, S)
    assert result.eer == pytest.approx(0.25)
    assert 0.6 < result.threshold <= 0.65
    assert apcer_bpcer_at(Y, S, result.threshold) == (pytest.approx(0.25), pytest.approx(0.25))


def test_eer_interpolates_where_apcer_and_bpcer_cross():
    # bona fide 0.5 0.5 0.5 0.9, attacks 0.5 0.1. Points: inf (0, 1), 0.9 (0, 3/4), 0.5 (1/2, 0), 0.1 (1, 0).
    # d = APCER − BPCER: −1, −3/4, +1/2 → crossing between t = 0.9 and t = 0.5 at w = (−3/4) / (−3/4 − 1/2) = 3/5:
    # APCER = 0 + 3/5 · 1/2 = 0.3, BPCER = 3/4 + 3/5 · (0 − 3/4) = 0.3 → EER 0.3; threshold 0.9 + 3/5 · (0.5 − 0.9)
    # = 0.66.
    result = eer([1, 1, 1, 1, 0, 0], [0.5, 0.5, 0.5, 0.9, 0.5, 0.1])
    assert result.eer == pytest.approx(0.3) and result.threshold == pytest.approx(0.66)
    # bona fide 0.2 0.6 0.9, attacks 0.1 0.7. Points: 0.7 (1/2, 2/3), 0.6 (1/2, 1/3): vertical segment,
    # d −1/6 → +1/6, w = 1/2 → EER 1/2 at threshold 0.65.
    result = eer([1, 1, 1, 0, 0], [0.2, 0.6, 0.9, 0.1, 0.7])
    assert result.eer == pytest.approx(0.5) and result.threshold == pytest.approx(0.65)


def test_eer_extremes_and_ties():
    # perfectly separated: t = 0.8 accepts both bona fide and no attack → EER 0 at 0.8
    assert eer([1, 1, 0, 0], [0.9, 0.8, 0.2, 0.1]) == (pytest.approx(0.0), pytest.approx(0.8))
    # all scores tied: the only points are (0, 1) at +inf and (1, 0) at 0.5; the segment crosses at 0.5
    tied = eer([1, 1, 0, 0], [0.5, 0.5, 0.5, 0.5])
    assert tied.eer == pytest.approx(0.5) and tied.threshold == pytest.approx(0.5)
    # perfectly inverted: attacks always score higher → EER 1
    assert eer([1, 1, 0, 0], [0.1, 0.2, 0.8, 0.9]).eer == pytest.approx(1.0)


def test_bpcer_at_apcer_on_the_constructed_set():
    # APCER 0 needs t > 0.65; the lowest such score threshold is 0.7, which rejects the 0.6 bona fide → BPCER 1/4
    assert bpcer_at_apcer(Y, S, 0.0) == (pytest.approx(0.25), pytest.approx(0.7))
    assert bpcer_at_apcer(Y, S, 0.05) == (pytest.approx(0.25), pytest.approx(0.7))  # 0.05 < 1/4 → same as 0
    # APCER ≤ 1/4 admits t = 0.6 → BPCER 0
    bpcer, threshold = bpcer_at_apcer(Y, S, 0.25)
    assert bpcer == 0.0 and threshold == 0.6
    # the highest score is an attack: only "accept nothing" meets APCER 0 → BPCER 1 at +inf
    assert bpcer_at_apcer([1, 0], [0.4, 0.9], 0.0) == (1.0, math.inf)
    with pytest.raises(ValueError, match=r"apcer target must be in \[0, 1\]"):
        bpcer_at_apcer(Y, S, 5.0)


def test_apcer_bpcer_at_a_threshold():
    # t = 0.5: attacks >= 0.5 are {0.65} → APCER 1/4; bona fide < 0.5 none → BPCER 0
    assert apcer_bpcer_at(Y, S, 0.5) == (pytest.approx(0.25), pytest.approx(0.0))
    # ties: score equal to the threshold is accepted (>=)
    assert apcer_bpcer_at([1, 0], [0.5, 0.5], 0.5) == (1.0, 0.0)
    with pytest.raises(ValueError, match="threshold must be a number"):
        apcer_bpcer_at(Y, S, float("nan"))


def test_verification_far_frr_and_eer():
    # impostors >= 0.5: {0.6}, one of four → FAR 0.25; genuine < 0.5: {0.4}, one of three → FRR 1/3
    assert far_frr_at([0.9, 0.7, 0.4], [0.1, 0.2, 0.6, 0.3], 0.5) == (pytest.approx(0.25), pytest.approx(1 / 3))
    # a score equal to the threshold is accepted: the 0.5 impostor counts as a false accept
    assert far_frr_at([0.5], [0.5], 0.5) == (1.0, 0.0)
    assert eer_from_scores([0.9, 0.8], [0.1, 0.2]).eer == pytest.approx(0.0)
    # same numbers as the spoof EER set with genuine = bona fide and impostor = attack → 0.25
    assert eer_from_scores(S[:4], S[4:]).eer == pytest.approx(0.25)
    with pytest.raises(ValueError, match="both genuine and impostor scores"):
        far_frr_at([], [0.1], 0.5)
    with pytest.raises(ValueError, match="both genuine and impostor scores"):
        eer_from_scores([0.3], [])


@pytest.mark.parametrize(
    ("y_true", "y_pred", "message"),
    [
        ([0, 2], [0, 1], "only 0 .spoof/attack. or 1"),
        ([0, 1], [0, 0.5], "only 0 .spoof/attack. or 1"),
        (["a", "b"], [0, 1], "only 0 .spoof/attack. or 1"),
        ([0, 1], [0], "y_true has 2 labels but y_pred has 1"),
        ([], [], "y_true is empty"),
        ([[0, 1]], [[0, 1]], "1-D"),
    ],
)
def test_label_validation(y_true, y_pred, message):
    with pytest.raises(ValueError, match=message):
        classification_report(y_true, y_pred)


@pytest.mark.parametrize(
    ("y_true", "scores", "message"),
    [
        ([0, 1], [0.2], "2 labels but scores has 1"),
        ([0, 1], [0.2, float("nan")], "NaN or infinite"),
        ([0, 1], ["x", "y"], "must be numeric"),
        ([0, 3], [0.2, 0.4], "only 0 .spoof/attack. or 1"),
    ],
)
def test_score_validation(y_true, scores, message):
    with pytest.raises(ValueError, match=message):
        eer(y_true, scores)


def test_counts_reject_negative_values():
    with pytest.raises(ValueError, match="non-negative integer"):
        ConfusionCounts(tp=-1, tn=0, fp=0, fn=0)
