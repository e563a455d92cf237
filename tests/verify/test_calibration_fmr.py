"""Thresholds at a target FMR, exact confidence intervals, the resolvable FMR and the decision's threshold origin.

Hand-built score lists with answers derived by hand; the intervals against scipy's exact binomial interval.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from scipy.stats import binomtest

from xai.verify import calibration
from xai.verify.calibration import (
    CalibrationError,
    ScoreReference,
    accepts,
    calibration_path,
    check_target,
    clopper_pearson,
    error_tradeoff,
    pairs_needed,
    rates_at,
    resolvable_fmr,
    summarize,
    threshold_at_fmr,
    threshold_origin,
)

IMPOSTOR = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95]
GENUINE = [0.85, 0.92, 0.97]


def reference(genuine, impostor, metric="cosine", targets=()):
    return ScoreReference("m", metric, "hand-made", list(genuine), list(impostor), 2, 6, "2026-01-01", targets)


def test_threshold_is_the_most_permissive_observed_score_within_the_target():
    # 20 %: two of ten impostors may pass, so the threshold must exceed 0.8; the lowest score above is 0.85
    assert threshold_at_fmr(IMPOSTOR, GENUINE, 0.2) == 0.85
    fmr, fnmr = rates_at(reference(GENUINE, IMPOSTOR), 0.85)
    assert (fmr.errors, fmr.trials, fnmr.errors, fnmr.trials) == (2, 10, 0, 3)  # 0.85 itself is accepted
    # 10 %: one impostor (0.95) may pass: above 0.9 the lowest score is the genuine 0.92, which rejects 0.85
    assert threshold_at_fmr(IMPOSTOR, GENUINE, 0.1) == 0.92
    fmr, fnmr = rates_at(reference(GENUINE, IMPOSTOR), 0.92)
    assert (fmr.errors, fnmr.errors) == (1, 1)
    # 0.29 · 100 is 28.999… in floating point: 29 of 100 impostors still meet a 29 % target
    scores = list(np.arange(100) / 100)
    assert threshold_at_fmr(scores, [], 0.29) == pytest.approx(0.71)


def test_tied_impostors_are_accepted_together():
    impostor, genuine = [0.5, 0.5, 0.5, 0.1], [0.6]
    # at 0.5 three of four impostors pass (ties accepted): 75 % meets 0.75 but not 0.5
    assert threshold_at_fmr(impostor, genuine, 0.75) == 0.5
    assert threshold_at_fmr(impostor, genuine, 0.5) == 0.6
    assert rates_at(reference(genuine, impostor), 0.6)[0].errors == 0


def test_euclidean_distances_accept_below_the_threshold():
    impostor, genuine = [0.9, 0.8, 0.7, 0.5], [0.3, 0.45, 0.6]
    # 25 %: one impostor (0.5) may pass; the largest distance below 0.7 is the genuine 0.6
    assert threshold_at_fmr(impostor, genuine, 0.25, "euclidean") == 0.6
    ref = reference(genuine, impostor, "euclidean")
    fmr, fnmr = rates_at(ref, 0.6)
    assert (fmr.errors, fnmr.errors) == (1, 0)
    # 10 %: no impostor may pass: below 0.5 the largest is 0.45, which rejects the genuine 0.6
    assert threshold_at_fmr(impostor, genuine, 0.1, "euclidean") == 0.45
    assert rates_at(ref, 0.45)[1].errors == 1
    assert accepts("euclidean", 0.45, 0.45) and not accepts("euclidean", 0.46, 0.45)
    assert accepts("cosine", 0.45, 0.45) and not accepts("cosine", 0.44, 0.45)


def test_when_every_score_accepts_too_many_impostors_the_threshold_accepts_nothing():
    threshold = threshold_at_fmr([0.9], [0.1], 0.5)
    assert threshold == np.nextafter(0.9, np.inf)
    fmr, fnmr = rates_at(reference([0.1], [0.9]), threshold)
    assert (fmr.rate, fnmr.rate) == (0.0, 1.0)
    assert threshold_at_fmr([0.1], [0.9], 0.5, "euclidean") == np.nextafter(0.1, -np.inf)


@pytest.mark.parametrize("errors, trials", [(0, 7), (1, 3), (3, 7), (7, 7), (5, 100), (0, 1)])
def test_clopper_pearson_matches_scipy_and_contains_the_estimate(errors, trials):
    rate = clopper_pearson(errors, trials)
    exact = binomtest(errors, trials).proportion_ci(0.95, method="exact")
    assert rate.rate == errors / trials
    assert (rate.low, rate.high) == (pytest.approx(exact.low, abs=1e-12), pytest.approx(exact.high, abs=1e-12))
    assert rate.low <= rate.rate <= rate.high


def test_clopper_pearson_by_hand_and_bad_counts():
    assert clopper_pearson(0, 7).high == pytest.approx(1 - 0.025 ** (1 / 7))  # k = 0: 1 − (α/2)^(1/n)
    assert clopper_pearson(3, 3).low == pytest.approx(0.025 ** (1 / 3))
    assert np.isnan(clopper_pearson(0, 0).rate)
    with pytest.raises(CalibrationError, match=r"errors must lie in \[0, trials\], got 4 errors of 3 trials"):
        clopper_pearson(4, 3)
    with pytest.raises(CalibrationError, match="errors must be an integer"):
        clopper_pearson(0.5, 3)


def test_resolvable_fmr_is_the_rule_of_three():
    assert resolvable_fmr(300) == pytest.approx(3 / 300, rel=0.01)
    assert resolvable_fmr(7) == pytest.approx(1 - 0.05 ** (1 / 7))
    assert pairs_needed(0.01) == 299 and resolvable_fmr(299) <= 0.01 < resolvable_fmr(298)
    assert resolvable_fmr(0) == 1.0


def test_a_target_below_the_resolvable_fmr_is_flagged_and_never_decides():
    summary = summarize(reference(GENUINE, IMPOSTOR, targets=(0.01, 0.3)))
    low, high = summary.points
    assert summary.resolvable_fmr == pytest.approx(1 - 0.05 ** 0.1)  # ten impostor pairs: ≈ 25.9 %
    assert not low.supported and low.pairs_needed == 299
    assert low.fmr.rate == 0.0 <= low.target_fmr  # met on the pairs, yet not shown by them
    assert high.supported and summary.operating is high and high.fmr.rate <= 0.3
    only_low = summarize(reference(GENUINE, IMPOSTOR, targets=(0.01,)))
    assert only_low.operating is None


def test_eer_follows_the_metric_direction():
    cos = summarize(reference([0.6, 0.7, 0.8, 0.9], [0.1, 0.2, 0.3, 0.65]))
    dist = summarize(reference([-0.6, -0.7, -0.8, -0.9], [-0.1, -0.2, -0.3, -0.65], "euclidean"))
    assert cos.eer == dist.eer and 0.0 < cos.eer <= 0.25
    assert dist.eer_threshold == -cos.eer_threshold
    separated = summarize(reference(GENUINE, [0.1, 0.2]))
    assert separated.eer == 0.0


def test_error_tradeoff_is_the_det_curve_at_every_observed_score():
    ref = reference(GENUINE, IMPOSTOR)
    curve = error_tradeoff(ref)
    assert len(curve.thresholds) == len(set(GENUINE + IMPOSTOR))
    assert (np.diff(curve.fmr) <= 0).all() and (np.diff(curve.fnmr) >= 0).all()
    for t, fmr, fnmr in zip(curve.thresholds, curve.fmr, curve.fnmr, strict=True):
        measured = rates_at(ref, float(t))
        assert (measured[0].rate, measured[1].rate) == (fmr, fnmr)
    dist = error_tradeoff(reference([0.3, 0.45], [0.5, 0.9], "euclidean"))
    assert list(dist.thresholds) == [0.9, 0.5, 0.45, 0.3] and list(dist.fmr) == [1.0, 0.5, 0.0, 0.0]


@pytest.mark.parametrize("bad", [0, 1, 1.5, -0.01])
def test_targets_outside_zero_one_are_refused(bad):
    with pytest.raises(CalibrationError, match="a target FMR must lie strictly between 0 and 1"):
        check_target(bad)


def test_every_decision_names_its_threshold_origin():
    none = threshold_origin("m", 0.62)
    assert not none.calibrated and none.threshold == 0.62
    assert none.text.startswith("no calibration: model's stated threshold")
    assert "python -m xai calibrate verify --data DIR --model m" in none.text
    plain = threshold_origin("m", 0.62, reference(GENUINE, IMPOSTOR))
    assert plain.threshold == 0.62 and "model's stated threshold" in plain.text and "calibrated confidence" in plain.text
    # 30 % (ten impostor pairs resolve ≥ 25.9 %): three impostors may pass, the lowest score above 0.7 is 0.8
    calibrated = threshold_origin("m", 0.62, reference(GENUINE, IMPOSTOR, targets=(0.3,)), "/x/calibration.json")
    assert calibrated.calibrated and calibrated.threshold == 0.8 and calibrated.target_fmr == 0.3
    assert calibrated.text.startswith("calibrated at FMR 30.00% on 10 impostor and 3 genuine pairs from hand-made, "
                                      "2026-01-01")
    assert calibrated.to_json()["fmr"]["errors"] == 3 and calibrated.to_json()["reference"] == "/x/calibration.json"
    unsupported = threshold_origin("m", 0.62, reference(GENUINE, IMPOSTOR, targets=(0.001,)))
    assert not unsupported.calibrated and unsupported.threshold == 0.62
    assert "cannot resolve FMR 0.10%" in unsupported.text and "needs 2995 impostor pairs" in unsupported.text
    stated_none = threshold_origin("m", float("nan"))
    assert "states no threshold" in stated_none.text


def test_shipped_files_load_and_user_models_are_stored_in_their_folder(tmp_path, monkeypatch):
    shipped = ScoreReference.load("faceres")  # written before targets existed
    assert calibration_path("faceres") == calibration.CALIBRATION_DIR / "faceres.json"
    assert shipped is not None and shipped.targets == () and len(shipped.impostor) == 7
    monkeypatch.setenv("FACE_XAI_MODELS", str(tmp_path / "store"))
    assert calibration_path("my-arcface") == tmp_path / "store" / "my-arcface" / "calibration.json"
    saved = reference(GENUINE, IMPOSTOR, targets=(0.3,))
    path = ScoreReference("my-arcface", "cosine", "my folder", GENUINE, IMPOSTOR, 2, 6, "2026-01-01",
                          (0.3,)).save()
    assert path == tmp_path / "store" / "my-arcface" / "calibration.json"
    loaded = ScoreReference.load("my-arcface")
    assert loaded.targets == (0.3,) and loaded.genuine == saved.genuine
    stored = json.loads(path.read_text())
    assert stored["calibration"]["decision_threshold"] == summarize(saved).operating.threshold
    assert stored["calibration"]["operating_points"][0]["fmr"]["trials"] == 10
    for bad in ("../escape", "a/b", ""):
        with pytest.raises(CalibrationError, match="is not a model name"):
            calibration_path(bad)


def test_broken_calibration_files_say_what_is_wrong(tmp_path):
    (tmp_path / "a.json").write_text("{not json")
    with pytest.raises(CalibrationError, match="is not a calibration file"):
        ScoreReference.read(tmp_path / "a.json")
    (tmp_path / "b.json").write_text(json.dumps({"model": "m", "metric": "cosine"}))
    with pytest.raises(CalibrationError, match="missing created, genuine, identities, images, impostor, source"):
        ScoreReference.read(tmp_path / "b.json")
    with pytest.raises(CalibrationError, match="metric must be one of cosine, euclidean"):
        reference(GENUINE, IMPOSTOR, metric="dot")
    with pytest.raises(CalibrationError, match="impostor scores must be a flat list of finite numbers"):
        reference(GENUINE, [0.1, float("nan")])
