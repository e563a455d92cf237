"""The up-front draws of the single-pass species (curved print, cut-out, low resolution; phone noise, small face).

Each of these species checks its input, then draws everything its table lists before rendering, in one fixed
order: the strength (attack species only, and only when it is not given), ``n`` uniforms, the JPEG quality.
Keeping that order in one place keeps a seed's rendering the same whatever else a species changes.
"""

from __future__ import annotations

import numpy as np

from xai.core.capture import check_image, check_rng
from xai.spoof.attacks.common import resolve_strength


def _uniforms_and_quality(rng: np.random.Generator, n: int, quality: tuple[int, int]) -> tuple[np.ndarray, int]:
    """(n,) float64 uniforms in [0, 1), then one JPEG quality drawn from the inclusive range ``quality``."""
    u = rng.random(n)
    low, high = quality
    return u, int(rng.integers(low, high + 1))


def attack_draws(image: np.ndarray, rng: np.random.Generator, strength: float | None, n: int,
                 quality: tuple[int, int]) -> tuple[float, np.ndarray, int]:
    """Check ``image`` ((H, W, 3) uint8 RGB) and ``rng``; draw (strength s ∈ [0, 1], (n,) uniforms, JPEG quality).

    ``strength`` None draws s ~ U[0.3, 1] first (:func:`.common.resolve_strength`); ``quality`` is inclusive.
    """
    check_image(image)
    check_rng(rng)
    s = resolve_strength(strength, rng)
    u, jpeg_quality = _uniforms_and_quality(rng, n, quality)
    return s, u, jpeg_quality


def bona_fide_draws(image: np.ndarray, rng: np.random.Generator, n: int,
                    quality: tuple[int, int]) -> tuple[np.ndarray, int]:
    """Check ``image`` ((H, W, 3) uint8 RGB) and ``rng``; draw ((n,) uniforms in [0, 1), JPEG quality).

    ``quality`` is inclusive: (60, 95) draws U{60..95}.
    """
    check_image(image)
    check_rng(rng)
    return _uniforms_and_quality(rng, n, quality)
