"""Bona fide: studio lighting. A key light from one side, a soft fill, an optional rim light, a warm or cool cast.

| effect            | parameters                                                                          |
|-------------------|-------------------------------------------------------------------------------------|
| key light         | multiplicative ramp 1 ± U(0.15, 0.5) along a random direction (smooth, half-cosine)  |
| high key          | exposure × U(0.95, 1.25), gamma U(0.8, 1.05): bright backdrop portraits            |
| rim light         | p 0.4: a bright soft band U(3, 8) % wide along one side, + U(10, 40) levels         |
| cast              | colour temperature ± 10 % (red vs blue)                                              |
| camera            | the nuisances of :mod:`xai.core.capture`                                            |
"""

from __future__ import annotations

import numpy as np

from xai.core.capture import CaptureParams, capture, check_image, check_rng, grid, to_uint8


def studio_light(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """(H, W, 3) uint8 RGB → (H, W, 3) uint8 RGB: the same live face under studio lights, then a camera."""
    check_image(image)
    check_rng(rng)
    u = rng.random(10)
    cam = CaptureParams.draw(rng)
    h, w = image.shape[:2]
    yy, xx = grid(h, w)
    t = 2 * np.pi * u[0]
    along = ((xx / w - 0.5) * np.cos(t) + (yy / h - 0.5) * np.sin(t)) * 2  # in [-1.4, 1.4]
    key = 1 + (0.15 + 0.35 * u[1]) * np.sin(np.clip(along, -1, 1) * np.pi / 2)
    x = image.astype(np.float32) / 255
    x = np.clip(x * (0.95 + 0.3 * u[2]), 0, 1) ** (0.8 + 0.25 * u[3]) * 255
    x = x * key[..., None]
    if u[4] < 0.4:
        side_x = xx / w if u[5] < 0.5 else 1 - xx / w
        band = np.exp(-side_x / (0.03 + 0.05 * u[6]))
        x = x + (10 + 30 * u[7]) * band[..., None]
    cast = 0.1 * (2 * u[8] - 1)
    x = x * np.array([1 + cast, 1.0, 1 - cast], np.float32)
    return capture(to_uint8(x), cam, rng)
