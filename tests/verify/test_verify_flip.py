"""xai.verify.flip: where an influencing factor flips the decision (hand-made sweeps and a real pair)."""

from __future__ import annotations

import numpy as np
import pytest

from xai.verify.flip import SWEEP_STRENGTHS, find_flip, first_flip
from xai.verify.influence import FactorSweep, factor_sweep
from xai.verify.pipeline import verify_pair


def sweep(decisions: list[bool]) -> FactorSweep:
    strengths = np.round(np.linspace(0, 1, len(decisions)), 2)
    zeros = np.zeros(len(decisions), np.float32)
    return FactorSweep("blur", strengths, zeros, zeros, np.array(decisions))


def test_the_first_strength_whose_decision_differs_is_the_flip():
    assert first_flip(sweep([True, True, False, True, False]), same_person=True) == 0.5
    assert first_flip(sweep([False, False, True]), same_person=False) == 1.0
    assert first_flip(sweep([True, True, True]), same_person=True) is None


def test_the_studio_sweeps_eleven_strengths_from_zero_to_one():
    np.testing.assert_array_equal(SWEEP_STRENGTHS, [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0])


@pytest.mark.parametrize("factor", ["sunglasses", "brightness"])
def test_flip_search_on_a_real_pair_agrees_with_its_sweep(sample_images, factor):
    result = verify_pair(sample_images["obama.jpg"], sample_images["obama2.jpg"], "faceres")
    flip = find_flip(result, factor)
    expected = factor_sweep(result, factor, SWEEP_STRENGTHS)
    np.testing.assert_array_equal(flip.sweep.same_person, expected.same_person)
    np.testing.assert_allclose(flip.sweep.native, expected.native, atol=1e-5)
    assert bool(flip.sweep.same_person[0]) == result.same_person  # strength 0 leaves the probe unchanged
    if flip.flips_at is None:
        assert all(bool(d) == result.same_person for d in flip.sweep.same_person)
    else:
        before = flip.sweep.strengths < flip.flips_at
        assert all(bool(d) == result.same_person for d in flip.sweep.same_person[before])
        assert bool(flip.sweep.same_person[list(flip.sweep.strengths).index(flip.flips_at)]) != result.same_person


def test_an_unknown_factor_is_a_value_error(sample_images):
    result = verify_pair(sample_images["obama.jpg"], sample_images["obama2.jpg"], "faceres")
    with pytest.raises(ValueError, match="unknown factor"):
        find_flip(result, "fog")
