"""Low-resolution recapture: a print or replay attack seen from afar or by a poor camera, upscaled again.

| artefact          | parameters (s = strength)                                                          |
|-------------------|------------------------------------------------------------------------------------|
| resolution        | the frame downscaled by U(2.5, 5) (area), never below 48 px                          |
| attack            | :func:`.print_chain.print_attack` (p 0.5) or :func:`.replay_chain.replay_attack`     |
|                   | rendered at that small size, strength s                                             |
| upscale           | bilinear back to the frame size, JPEG quality U{25..70}                             |
"""

from __future__ import annotations

import cv2
import numpy as np

from xai.core.capture import jpeg
from xai.spoof.attacks.draws import attack_draws
from xai.spoof.attacks.print_chain import print_attack
from xai.spoof.attacks.replay_chain import replay_attack


def lowres_attack(image: np.ndarray, rng: np.random.Generator, strength: float | None = None) -> np.ndarray:
    """(H, W, 3) uint8 RGB → (H, W, 3) uint8 RGB: an attack rendered at low resolution and upscaled."""
    s, u, quality = attack_draws(image, rng, strength, 2, quality=(25, 70))
    h, w = image.shape[:2]
    factor = min(2.5 + 2.5 * u[0], min(h, w) / 48)
    small = cv2.resize(image, (max(round(w / factor), 48), max(round(h / factor), 48)), interpolation=cv2.INTER_AREA)
    render = print_attack if u[1] < 0.5 else replay_attack
    attacked = render(small, rng, s)
    return jpeg(cv2.resize(attacked, (w, h), interpolation=cv2.INTER_LINEAR), quality)
