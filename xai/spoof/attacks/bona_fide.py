"""Bona fide augmentation: a genuine capture, with the camera nuisances of :mod:`xai.core.capture` only."""

from __future__ import annotations

import numpy as np

from xai.core.capture import CaptureParams, capture, check_image, check_rng


def bona_fide_augment(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A genuine capture: the camera nuisances only (no attack artefact).

    Args:
        image: (H, W, 3) uint8 RGB.
        rng: the only source of randomness.

    Returns:
        (H, W, 3) uint8 RGB of the same size.
    """
    check_image(image)
    check_rng(rng)
    params = CaptureParams.draw(rng)
    return capture(image, params, rng)
