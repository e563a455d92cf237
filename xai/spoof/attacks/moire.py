"""Screen moiré: a photo shown on a display of pitch 1.3–6 px at 0–30°, recaptured, then the camera nuisances.

| artefact          | parameters (s = strength)                                                          |
|-------------------|------------------------------------------------------------------------------------|
| pixel pitch       | one of 1.3, 1.8, 2.5, 3.5, 5 px (× U(0.92, 1.08)): from a phone held close to a     |
|                   | laptop at arm's length                                                              |
| angle             | ± U(0, 30)°, magnified to fill the frame: the sub-pixel stripes alias into beats    |
| grid              | sub-pixel gap U(0.1, 0.35), row gap U(0.1, 0.35), contrast 0.3 + 0.5 s             |
| optics            | Gaussian σ U(0.3, 0.9) px; display gamma exp(± 0.3 s); black level 2 + 15 s U     |
| camera            | the nuisances of :mod:`xai.core.capture`                                            |

Unlike :mod:`.replay_chain` (pitch 2–4 px, ≤ 4°, with glare and bezel), this species shows the moiré alone, at
the pitches and angles where it is strongest.
"""

from __future__ import annotations

import cv2
import numpy as np

from xai.core.capture import CaptureParams, capture, check_image, check_rng, to_uint8
from xai.spoof.attacks.common import resolve_strength
from xai.spoof.attacks.replay_chain import screen_grid

PITCHES = (1.3, 1.8, 2.5, 3.5, 5.0)


def moire_attack(image: np.ndarray, rng: np.random.Generator, strength: float | None = None) -> np.ndarray:
    """(H, W, 3) uint8 RGB → (H, W, 3) uint8 RGB: the photo on a fine-pitch display, recaptured at an angle."""
    check_image(image)
    check_rng(rng)
    s = resolve_strength(strength, rng)
    u = rng.random(10)
    cam = CaptureParams.draw(rng)
    h, w = image.shape[:2]
    pitch = PITCHES[int(u[0] * len(PITCHES)) % len(PITCHES)] * (0.92 + 0.16 * u[1])
    angle = np.radians(30 * u[2]) * (1 if u[3] < 0.5 else -1)
    scale = (abs(np.cos(angle)) + abs(np.sin(angle)) * max(h / w, w / h)) * (1 + 0.03 * u[4])
    screen = cv2.resize(image, (max(round(w / pitch), 2), max(round(h / pitch), 2)),
                        interpolation=cv2.INTER_AREA).astype(np.float32)
    screen = 255 * (screen / 255) ** float(np.exp(0.3 * s * (2 * u[5] - 1)))
    x, _, _ = screen_grid(screen, (h, w), pitch, angle, scale, 0.1 + 0.25 * u[6], 0.1 + 0.25 * u[7],
                          0.3 + 0.5 * s)
    x = cv2.GaussianBlur(x, (0, 0), 0.3 + 0.6 * u[8])
    black = 2 + 15 * s * u[9]
    x = black + np.clip(x, 0, 255) * np.float32((255 - black) / 255)
    return capture(to_uint8(x), cam, rng)
