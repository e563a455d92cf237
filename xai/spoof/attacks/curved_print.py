"""Curved glossy print: a print attack on paper bent round a vertical or horizontal axis, with a specular sheen.

| artefact          | parameters (s = strength)                                                          |
|-------------------|------------------------------------------------------------------------------------|
| print             | :func:`.print_chain.print_attack` at the same strength                              |
| curvature         | cylinder of half-angle U(20, 20 + 40 s)° about a vertical (p 0.7) or horizontal axis: |
|                   | the sheet is foreshortened towards its edges (zoomed so that it fills the frame)    |
| shading           | Lambertian falloff cos(θ)^U(0.3, 1) across the bend                                 |
| gloss             | a specular band (Gaussian across the bend, width U(4, 14) % of the side, at U(0.2, |
|                   | 0.8) of it) blended towards white with peak U(0.15, 0.55) s, desaturating          |
| camera            | JPEG quality U{60..95}                                                              |
"""

from __future__ import annotations

import cv2
import numpy as np

from xai.core.capture import grid, jpeg, to_uint8
from xai.spoof.attacks.draws import attack_draws
from xai.spoof.attacks.print_chain import print_attack


def curved_print_attack(image: np.ndarray, rng: np.random.Generator, strength: float | None = None) -> np.ndarray:
    """(H, W, 3) uint8 RGB → (H, W, 3) uint8 RGB: a glossy print bent round an axis, recaptured."""
    s, u, quality = attack_draws(image, rng, strength, 10, quality=(60, 95))
    printed = print_attack(image, rng, s).astype(np.float32)
    vertical = u[0] < 0.7
    x = printed if vertical else printed.transpose(1, 0, 2)
    h, w = x.shape[:2]
    half = np.radians(20 + 40 * s * u[1])  # half of the arc the sheet spans
    yy, xx = grid(h, w)
    # Camera column c sees the sheet at angle θ = asin(c'/sin(half)) (c' in [-1, 1]): sheet coordinate θ/half.
    c = (xx - (w - 1) / 2) / ((w - 1) / 2)
    sin_t = np.clip(c * np.sin(half), -1, 1)
    theta = np.arcsin(sin_t)
    src_x = (theta / half * (w - 1) / 2 + (w - 1) / 2).astype(np.float32)
    # The chord is shorter than the arc: the sheet fills the frame only where |θ| ≤ half after a zoom of the arc.
    zoom = np.float32(half / np.sin(half))
    src_x = ((src_x - (w - 1) / 2) * zoom + (w - 1) / 2).astype(np.float32)
    bent = cv2.remap(x, src_x, np.ascontiguousarray(yy), cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT_101)
    shade = np.cos(theta) ** (0.3 + 0.7 * u[2])
    centre, width = 0.2 + 0.6 * u[3], 0.04 + 0.10 * u[4]
    band = np.exp(-0.5 * ((xx / w - centre) / width) ** 2) * (0.15 + 0.4 * u[5]) * s
    lit = bent * shade[..., None]
    grey = lit.mean(axis=2, keepdims=True)
    lit = lit + (grey - lit) * band[..., None] * 0.6  # the sheen washes the colour out
    lit = lit + (255 - lit) * band[..., None]
    out = lit if vertical else lit.transpose(1, 0, 2)
    return jpeg(to_uint8(np.ascontiguousarray(out)), quality)
