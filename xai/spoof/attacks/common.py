"""What the print and replay chains share: the strength, the fixed draw order, and the border strips they edit."""

from __future__ import annotations

from typing import Protocol, TypeVar

import numpy as np

from xai.core.capture import CaptureParams, check_image, check_rng


class AttackParams(Protocol):
    """A chain's parameter set: every parameter drawn up front from ``rng``, scaled by ``strength``."""

    @classmethod
    def draw(cls, rng: np.random.Generator, strength: float) -> AttackParams: ...


P = TypeVar("P", bound=AttackParams)


def resolve_strength(strength: float | None, rng: np.random.Generator) -> float:
    """``strength`` checked to lie in [0, 1], or drawn from U[0.3, 1] with ``rng`` when it is ``None``."""
    if strength is None:
        return float(rng.uniform(0.3, 1.0))
    s = float(strength)
    if not 0.0 <= s <= 1.0:
        raise ValueError(f"strength must be in [0, 1], got {strength}")
    return s


def draw_attack(image: np.ndarray, rng: np.random.Generator, strength: float | None, params_cls: type[P],
                ) -> tuple[P, CaptureParams]:
    """Validate the inputs and draw, in this fixed order, the strength, the attack's and the camera's parameters."""
    check_image(image)
    check_rng(rng)
    s = resolve_strength(strength, rng)
    return params_cls.draw(rng, s), CaptureParams.draw(rng)


def border_region(h: int, w: int, side: int, extent: float) -> tuple[slice, slice]:
    """The strip of ``extent`` px along ``side`` (0 left, 1 right, 2 top, 3 bottom) as (rows, columns) slices."""
    e = int(min(np.ceil(extent), w if side < 2 else h))
    return {0: (slice(0, h), slice(0, e)), 1: (slice(0, h), slice(w - e, w)),
            2: (slice(0, e), slice(0, w)), 3: (slice(h - e, h), slice(0, w))}[side]
