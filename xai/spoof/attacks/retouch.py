"""Bona fide: a retouched portrait. Edge-preserving skin smoothing, a little glow and saturation, then a camera.

| effect            | parameters                                                                          |
|-------------------|-------------------------------------------------------------------------------------|
| smoothing         | bilateral filter (d 7–11, σ colour U(25, 75), σ space U(4, 9)) blended in with      |
|                   | weight U(0.5, 1): the "beautification" of phone apps and magazine retouching        |
| glow              | p 0.5: screen blend of a Gaussian (σ U(3, 8)) copy, weight U(0.05, 0.2)              |
| saturation        | × U(1, 1.25)                                                                         |
| camera            | JPEG quality U{75..95} (a retouched photo is usually exported once more)            |
"""

from __future__ import annotations

import cv2
import numpy as np

from xai.core.capture import check_image, check_rng, jpeg, to_uint8


def retouch(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """(H, W, 3) uint8 RGB → (H, W, 3) uint8 RGB: smoothed skin, glow, saturation, a final JPEG."""
    check_image(image)
    check_rng(rng)
    u = rng.random(8)
    quality = int(rng.integers(75, 96))
    d = 7 + 2 * int(3 * u[0])
    smooth = cv2.bilateralFilter(image, d, 25 + 50 * u[1], 4 + 5 * u[2]).astype(np.float32)
    a = 0.5 + 0.5 * u[3]
    x = a * smooth + (1 - a) * image.astype(np.float32)
    if u[4] < 0.5:
        glow = cv2.GaussianBlur(x, (0, 0), 3 + 5 * u[5])
        k = 0.05 + 0.15 * u[6]
        x = x + k * (255 - x) * glow / 255
    grey = x.mean(axis=2, keepdims=True)
    x = grey + (x - grey) * (1 + 0.25 * u[7])
    return jpeg(to_uint8(x), quality)
