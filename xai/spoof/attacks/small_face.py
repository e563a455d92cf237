"""Bona fide: a small face. The live face captured from afar (few pixels across), as the page later enlarges it.

| effect            | parameters                                                                          |
|-------------------|-------------------------------------------------------------------------------------|
| resolution        | the frame downscaled by U(2, 4.5) (area), never below 48 px                          |
| sensor            | noise σ U(1, 5) at the small size                                                    |
| save + enlarge    | JPEG quality U{60..95} at the small size, bicubic back to the frame size              |
"""

from __future__ import annotations

import cv2
import numpy as np

from xai.core.capture import jpeg, noise, to_uint8
from xai.spoof.attacks.draws import bona_fide_draws


def small_face(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """(H, W, 3) uint8 RGB → (H, W, 3) uint8 RGB: captured small, saved, enlarged."""
    u, quality = bona_fide_draws(image, rng, 2, quality=(60, 95))
    h, w = image.shape[:2]
    factor = min(2 + 2.5 * u[0], min(h, w) / 48)
    sw, sh = max(round(w / factor), 48), max(round(h / factor), 48)
    small = cv2.resize(image, (sw, sh), interpolation=cv2.INTER_AREA).astype(np.float32)
    small = jpeg(to_uint8(small + (1 + 4 * u[1]) * noise(rng, (sh, sw, 1))), quality)
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC)
