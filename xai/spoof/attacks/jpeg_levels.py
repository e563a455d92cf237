"""Bona fide: JPEG levels. A live capture saved at a low to high JPEG quality, often re-saved (messengers).

| effect            | parameters                                                                          |
|-------------------|-------------------------------------------------------------------------------------|
| resize            | p 0.5: down and up again by U(0.6, 1) (an upload pipeline's resize), area / linear   |
| first save        | JPEG quality U{12..95}                                                               |
| re-save           | p 0.5: JPEG quality U{40..90} again                                                  |
"""

from __future__ import annotations

import cv2
import numpy as np

from xai.core.capture import check_image, check_rng, jpeg


def jpeg_levels(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """(H, W, 3) uint8 RGB → (H, W, 3) uint8 RGB: a resize, one or two JPEG round trips."""
    check_image(image)
    check_rng(rng)
    u = rng.random(3)
    q1, q2 = int(rng.integers(12, 96)), int(rng.integers(40, 91))
    h, w = image.shape[:2]
    x = image
    if u[0] < 0.5:
        f = 0.6 + 0.4 * u[1]
        small = cv2.resize(x, (max(round(w * f), 8), max(round(h * f), 8)), interpolation=cv2.INTER_AREA)
        x = cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)
    x = jpeg(x, q1)
    return jpeg(x, q2) if u[2] < 0.5 else x
