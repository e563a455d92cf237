"""Replay attack: a photo shown on a screen and recaptured, then the camera nuisances.

| artefact          | parameters (s = strength)                                                          |
|-------------------|------------------------------------------------------------------------------------|
| screen grid       | image resampled to a screen of pitch p ~ U(2, 4) px (area downscale, nearest         |
|                   | upscale), RGB sub-pixel stripes with a black matrix (gap U(0.1, 0.3)), contrast      |
|                   | 0.15 + 0.4 s (stronger grids stop MediaPipe finding the face)                        |
| moiré             | the display rotated ± U(0.3, 4)° and magnified U(1, 1.03) × the least scale that     |
|                   | fills the frame: the stripes' harmonics alias against the camera's pixel grid        |
|                   | into beat patterns                                                                  |
| gamma / colour    | display gamma exp(± U(0, ln 1.4) s), colour temperature ± 15 s % (red vs blue),     |
|                   | black level 3 + U(0, 25) s, backlight falloff ≤ 12 s %                              |
| banding           | quantisation to 5 bits (p 0.3 + 0.5 s) or 6 bits per channel                       |
| glare             | p 0.4 + 0.5 s: rotated soft ellipse (radii 8–30 % of the side), screen-blended with  |
|                   | peak U(0.3, 0.9) s; veiling reflection U(0, 0.12) s                                  |
| bezel             | dark frame (grey 6–40) at 1–2 random sides, depth U(4, 11) %, sharp straight edge     |
|                   | that follows the screen's rotation                                                   |
| recapture optics  | Gaussian σ U(0.4, 0.8) px                                                           |
| camera            | the nuisances of :mod:`xai.core.capture`, drawn as for a bona fide capture           |

The sub-pixel stripe and row masks are :func:`xai.core.capture.subpixel_tables` (seed 003's card recaptures
use the same display model).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from xai.core.capture import capture, grid, smoothstep_mask, subpixel_tables, to_uint8
from xai.spoof.attacks.common import border_region, draw_attack


@dataclass(frozen=True, slots=True)
class ReplayParams:
    """Parameters of one replay attack (ranges in the module table); s is the strength."""

    strength: float
    pitch: float
    angle: float
    scale: float
    gap: float
    row_gap: float
    grid_contrast: float
    gamma: float
    temperature: float
    black: float
    falloff: float
    bits: int
    glare: bool
    glare_centre: tuple[float, float]
    glare_radii: tuple[float, float]
    glare_angle: float
    glare_peak: float
    veil: float
    bezel_sides: tuple[int, ...]
    bezel_depths: tuple[float, float]
    bezel_tone: float
    optics_sigma: float

    @classmethod
    def draw(cls, rng: np.random.Generator, strength: float) -> ReplayParams:
        """Draw every parameter with a fixed number of draws; ``strength`` only scales them."""
        s = strength
        u = rng.random(26)
        sides = rng.permutation(4)
        n_sides = 1 + int(u[25] < 0.4)
        return cls(
            strength=s, pitch=float(2 + 2 * u[0]), angle=float(np.radians((0.3 + 3.7 * u[1]) * (1 if u[2] < 0.5 else -1))),
            scale=float(_cover_scale(np.radians(0.3 + 3.7 * u[1])) * (1 + 0.03 * u[3])), gap=float(0.1 + 0.2 * u[4]), row_gap=float(0.1 + 0.2 * u[5]),
            grid_contrast=float(0.15 + 0.4 * s), gamma=float(np.exp(s * np.log(1.4) * (2 * u[6] - 1))),
            temperature=float(0.15 * s * (2 * u[7] - 1)), black=float(3 + 25 * s * u[8]),
            falloff=float(0.12 * s * u[9]), bits=5 if u[10] < 0.3 + 0.5 * s else 6,
            glare=bool(u[11] < 0.4 + 0.5 * s), glare_centre=(float(0.15 + 0.7 * u[12]), float(0.15 + 0.7 * u[13])),
            glare_radii=(float(0.08 + 0.22 * u[14]), float(0.08 + 0.22 * u[15])), glare_angle=float(180 * u[16]),
            glare_peak=float(s * (0.3 + 0.6 * u[17])), veil=float(0.12 * s * u[18]),
            bezel_sides=tuple(int(v) for v in sides[:n_sides]),
            bezel_depths=(float(0.04 + 0.07 * u[19]), float(0.04 + 0.07 * u[20])),
            bezel_tone=float(6 + 34 * u[21]), optics_sigma=float(0.4 + 0.4 * u[22]),
        )


def _cover_scale(angle: float) -> float:
    """Least display magnification at which a display rotated by ``angle`` still fills a square frame (no border
    outside the shown image; the bezel is drawn on purpose)."""
    return float(abs(np.cos(angle)) + abs(np.sin(angle)))


def screen_grid(screen: np.ndarray, shape: tuple[int, int], pitch: float, angle: float = 0.0, scale: float = 1.0,
                gap: float = 0.2, row_gap: float = 0.2, contrast: float = 1.0,
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Show the screen-resolution image ``screen`` on a display of pixel pitch ``pitch`` px, as a camera samples it.

    Each screen pixel covers ``pitch`` × ``pitch`` camera pixels (nearest upscale) and is split into R, G, B
    sub-pixel stripes separated by a black matrix (``gap``, ``row_gap`` are the dark fractions). The display is
    rotated by ``angle`` and scaled by ``scale`` about the frame centre; the camera samples it on its own pixel grid,
    so the stripes' harmonics alias into moiré beat patterns.

    Args:
        screen: (h, w, 3) float32 RGB in [0, 255], the image at the screen's resolution (≈ H / pitch × W / pitch).
        shape: (H, W) of the camera frame.
        pitch: screen pixel pitch in camera pixels (2–4 in the replay chain).
        angle: display rotation in radians; scale: display magnification about the frame centre.
        gap, row_gap: dark fraction of each sub-pixel column and pixel row, in [0, 1).
        contrast: 0 shows the blocky screen pixels only, 1 the full sub-pixel mask.

    Returns:
        ((H, W, 3) float32 RGB with the mean brightness kept (may exceed 255 before the optics blur),
        (H, W) float32 display x coordinate u, (H, W) float32 display y coordinate v), in camera pixels.
    """
    h, w = shape
    yy, xx = grid(h, w)
    ca, sa = np.float32(np.cos(angle) / scale), np.float32(np.sin(angle) / scale)
    dx, dy = xx - np.float32(w / 2), yy - np.float32(h / 2)
    u = ca * dx + sa * dy + np.float32(w / 2)
    v = ca * dy - sa * dx + np.float32(h / 2)
    sy, sx = screen.shape[0] / h, screen.shape[1] / w
    # INTER_NEAREST rounds, so −0.5 makes it floor: each camera pixel shows the screen pixel it falls in.
    shown = cv2.remap(screen, u * np.float32(sx) - 0.5, v * np.float32(sy) - 0.5, cv2.INTER_NEAREST,
                      borderMode=cv2.BORDER_REPLICATE)
    stripes, rows = subpixel_tables(round(pitch, 3), round(gap, 3), round(row_gap, 3))
    phase_u = (u * np.float32(256 / pitch)).astype(np.int32) & 255  # two's complement: negative u wraps too
    phase_v = (v * np.float32(256 / pitch)).astype(np.int32) & 255
    mask = stripes[phase_u] * rows[phase_v][..., None]
    return shown * ((1 - contrast) + contrast * mask), u, v


def replay_attack(image: np.ndarray, rng: np.random.Generator, strength: float | None = None) -> np.ndarray:
    """A photo shown on a screen and recaptured: display tone → banding → sub-pixel grid/moiré → glare → bezel.

    Args:
        image: (H, W, 3) uint8 RGB bona fide photo.
        rng: the only source of randomness.
        strength: artefact visibility in [0, 1]; ``None`` draws it from U[0.3, 1].

    Returns:
        (H, W, 3) uint8 RGB of the same size, ending with the bona fide camera nuisances.
    """
    p, cam = draw_attack(image, rng, strength, ReplayParams)
    h, w = image.shape[:2]
    # The display shows the photo at its own resolution: area downscale to the screen grid, then its tone curve,
    # colour temperature and bit depth apply per screen pixel.
    screen = cv2.resize(image, (max(round(w / p.pitch), 2), max(round(h / p.pitch), 2)),
                        interpolation=cv2.INTER_AREA).astype(np.float32)
    screen = 255 * (screen / 255) ** p.gamma
    screen *= np.array([1 + p.temperature, 1.0, 1 - p.temperature], np.float32)
    step = 256 / 2 ** p.bits
    screen = np.floor(np.clip(screen, 0, 255) / step) * step + step / 2
    # A non-square frame needs a little more magnification for the rotated display to fill it.
    scale = max(p.scale, abs(np.cos(p.angle)) + abs(np.sin(p.angle)) * max(h / w, w / h))
    x, u, v = screen_grid(screen, (h, w), p.pitch, p.angle, scale, p.gap, p.row_gap, p.grid_contrast)
    x = cv2.GaussianBlur(x, (0, 0), p.optics_sigma)
    # Smooth light fields (backlight falloff, glare, veil) are computed at 1/8 resolution and upscaled.
    gh, gw = max(h // 8, 2), max(w // 8, 2)
    gy, gx = (g * np.float32(8) for g in grid(gh, gw))
    falloff = 1 - p.falloff * (((gx - w / 2) / (w / 2)) ** 2 + ((gy - h / 2) / (h / 2)) ** 2) / 2
    glare = np.zeros((gh, gw), np.float32)
    if p.glare:  # reflection of a lamp or window on the glass
        cx, cy = p.glare_centre[0] * w, p.glare_centre[1] * h
        t = np.radians(p.glare_angle)
        a = ((gx - cx) * np.cos(t) + (gy - cy) * np.sin(t)) / (p.glare_radii[0] * w)
        b = ((gy - cy) * np.cos(t) - (gx - cx) * np.sin(t)) / (p.glare_radii[1] * h)
        glare = p.glare_peak * np.exp(-(a * a + b * b))
    wash = 1 - (1 - glare) * (1 - p.veil)  # screen blend of glare and veil towards white
    falloff = cv2.resize(falloff.astype(np.float32), (w, h), interpolation=cv2.INTER_LINEAR)[..., None]
    wash = cv2.resize(wash.astype(np.float32), (w, h), interpolation=cv2.INTER_LINEAR)[..., None]
    x = p.black + np.clip(x, 0, 255) * falloff * np.float32((255 - p.black) / 255)
    x = x + (255 - x) * wash
    for side, depth in zip(p.bezel_sides, p.bezel_depths, strict=False):
        # The bezel follows the display's own coordinates, so its edge is straight and tilted with the screen.
        across, along = (w, h) if side < 2 else (h, w)
        region = border_region(h, w, side, depth * across + abs(np.tan(p.angle)) * along / 2 + across * 0.04 + 2)
        coord = (u if side < 2 else v)[region]
        d = coord - depth * across if side in (0, 2) else (1 - depth) * across - coord
        on_screen = smoothstep_mask(d, 0.6)[..., None]
        rim = p.bezel_tone * (1 + 0.3 * np.clip(-d / (0.04 * across), 0, 1))[..., None]  # lighter towards the rim
        x[region] = x[region] * on_screen + rim * (1 - on_screen)
    return capture(to_uint8(x), cam, rng)
