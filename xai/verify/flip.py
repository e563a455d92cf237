"""Where an influencing factor flips the verification decision (seed 001 §III.A).

The factor is applied to the probe crop at increasing strengths (:func:`xai.verify.influence.factor_sweep`);
the flip point is the first strength whose decision differs from the unchanged pair's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from models.base import FaceEmbedder
from models.registry import load_model
from xai.verify.influence import FactorSweep, factor_sweep
from xai.verify.pipeline import VerificationResult

#: Strengths the studio sweeps: 0, 0.1, …, 1.
SWEEP_STRENGTHS = np.round(np.linspace(0, 1, 11), 2)


def first_flip(sweep: FactorSweep, same_person: bool) -> float | None:
    """The lowest strength of ``sweep`` whose decision differs from ``same_person``; None when none does."""
    return next((float(s) for s, same in zip(sweep.strengths, sweep.same_person, strict=True)
                 if bool(same) != same_person), None)


@dataclass(frozen=True, slots=True)
class FlipSearch:
    """A factor sweep of the probe and where it flips the decision.

    Attributes:
        sweep: the scores and decisions per strength.
        flips_at: the first strength in [0, 1] at which the decision differs from the unchanged pair's;
            None when it never does over the sweep.
    """

    sweep: FactorSweep
    flips_at: float | None


def find_flip(result: VerificationResult, factor: str, strengths: np.ndarray = SWEEP_STRENGTHS,
              loader: Callable[[str], FaceEmbedder] = load_model) -> FlipSearch:
    """Sweep ``factor`` over ``strengths`` on the probe crop and find where the decision flips.

    Raises:
        ValueError: unknown factor or a strength outside [0, 1] (see :func:`xai.verify.influence.apply_factor`).
    """
    sweep = factor_sweep(result, factor, strengths, loader=loader)
    return FlipSearch(sweep, first_flip(sweep, result.same_person))
