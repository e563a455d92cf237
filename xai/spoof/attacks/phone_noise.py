"""Bona fide: a phone camera in low light. Signal-dependent sensor noise, the phone's denoising and sharpening.

| effect            | parameters                                                                          |
|-------------------|-------------------------------------------------------------------------------------|
| exposure          | × U(0.6, 1) (a dim room), gamma U(0.9, 1.1)                                          |
| shot + read noise | σ² = a · I + b with a U(0.05, 0.6), b U(1, 30) (levels²); chroma noise at 1/2 res     |
|                   | with weight U(0.3, 0.8)                                                              |
| denoise           | Gaussian σ U(0.4, 1.2) (p 0.5) or a bilateral filter                                 |
| sharpen           | unsharp mask amount U(0.2, 1.2), σ U(0.8, 2)                                         |
| save              | JPEG quality U{70..95}                                                               |
"""

from __future__ import annotations

import cv2
import numpy as np

from xai.core.capture import jpeg, noise, to_uint8
from xai.spoof.attacks.draws import bona_fide_draws


def phone_noise(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """(H, W, 3) uint8 RGB → (H, W, 3) uint8 RGB: noise, denoise and sharpening as a phone pipeline does."""
    u, quality = bona_fide_draws(image, rng, 10, quality=(70, 95))
    h, w = image.shape[:2]
    x = 255 * (image.astype(np.float32) / 255 * (0.6 + 0.4 * u[0])) ** (0.9 + 0.2 * u[1])
    sigma = np.sqrt((0.05 + 0.55 * u[2]) * x + 1 + 29 * u[3])
    luma = noise(rng, (h, w, 1))
    chroma = cv2.resize(noise(rng, ((h + 1) // 2, (w + 1) // 2, 3)), (w, h), interpolation=cv2.INTER_LINEAR)
    x = np.clip(x + sigma * (luma + (0.3 + 0.5 * u[4]) * chroma), 0, 255)
    if u[5] < 0.5:
        x = cv2.GaussianBlur(x, (0, 0), 0.4 + 0.8 * u[6])
    else:
        x = cv2.bilateralFilter(x.astype(np.float32), 5, 20 + 30 * u[6], 3)
    blur = cv2.GaussianBlur(x, (0, 0), 0.8 + 1.2 * u[7])
    x = x + (0.2 + 1.0 * u[8]) * (x - blur)
    return jpeg(to_uint8(x), quality)
