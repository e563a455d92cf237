"""Influencing factors and soft-biometric agreement on real sample pairs."""

from __future__ import annotations

import numpy as np
import pytest

from xai.verify.esb import pair_soft_biometrics
from xai.verify.influence import FACTORS, apply_factor, factor_sweep
from xai.verify.pipeline import verify_pair


@pytest.fixture(scope="module")
def same_pair(sample_images):
    return verify_pair(sample_images["obama.jpg"], sample_images["obama2.jpg"], "faceres")


@pytest.mark.parametrize("factor", list(FACTORS))
def test_factor_strength_grows_the_change(factor, same_pair):
    crop = same_pair.probe_crop
    changes = [np.abs(apply_factor(crop, factor, s).astype(int) - crop).mean() for s in (0.0, 0.5, 1.0)]
    assert changes[0] < changes[1] < changes[2]
    assert changes[0] < 2.0  # strength 0 leaves the crop (nearly: JPEG at quality 95) as it was


def test_heavy_degradations_lower_the_similarity_of_a_genuine_pair(same_pair):
    for factor in ("blur", "downscale", "mask"):
        sweep = factor_sweep(same_pair, factor, np.array([0.0, 1.0]))
        assert sweep.cosine[1] < sweep.cosine[0] - 0.05, factor
    sweep = factor_sweep(same_pair, "blur", np.linspace(0, 1, 6))
    assert np.all(np.diff(sweep.cosine) < 0)  # every step of blur lowers the similarity
    # each decision is the pair's threshold applied to its score (at faceres' 0.52 even full blur keeps this match)
    assert list(sweep.same_person) == [bool(s >= same_pair.threshold) for s in sweep.native]


def test_unknown_factor_and_bad_strength_are_clear_errors(same_pair):
    with pytest.raises(ValueError, match="choose one of"):
        apply_factor(same_pair.probe_crop, "sepia", 0.5)
    with pytest.raises(ValueError):
        apply_factor(same_pair.probe_crop, "blur", 1.5)


def test_soft_biometrics_agree_for_the_same_person_and_not_across_genders(sample_images):
    same = {r.estimator: r for r in pair_soft_biometrics(sample_images["obama.jpg"], sample_images["obama2.jpg"])}
    mixed = pair_soft_biometrics(sample_images["obama.jpg"], sample_images["astronaut.png"])
    assert {"faceres-agegender", "gear", "ssrnet"} <= set(same)
    assert same["faceres-agegender"].agrees and same["ssrnet"].agrees
    assert all(not r.gender_agrees and not r.agrees for r in mixed)
