"""Print attack: a printed photo held up to the camera, then recaptured with the camera nuisances.

| artefact          | parameters (s = strength)                                                          |
|-------------------|------------------------------------------------------------------------------------|
| reduced gamut     | saturation × (1 − (0.15 + 0.4 s)); cast ± 12 s per channel; paper black 4 + U(0, 30) s, |
|                   | paper white 255 − U(0, 25) s                                                       |
| halftone          | clustered-dot screen per C, M, Y ink at 15°, 75°, 0° (+ a common offset), cell        |
|                   | U(2, 5) px, 0.4 px ink spread, mixed in with weight 0.25 + 0.75 s                   |
| paper texture     | fibrous (streaked) plus cloudy noise multiplied in, std (1.5 + 6 s) % × U(0.5, 1)  |
| recapture blur    | Gaussian σ U(0.3, 0.7) px                                                          |
| bending           | cylindrical bulge ≤ U(0.5, 4) s px + sinusoidal ripple ≤ U(0.5, 3) s px (smooth remap) |
| paper edge        | straight edge at a random side, depth U(4, 12) % of the side, tilt ± 3°, optional    |
|                   | white margin ≤ 3 % (p 0.5), table/background tone beyond, soft contact shadow        |
| holding fingers   | p 0.25 + 0.4 s: 1–2 shaded skin-tone capsules (width 9–15 % of the side, ±15°) from |
|                   | the paper-edge side, reaching 3–11 % of the frame over the paper                     |
| camera            | the nuisances of :mod:`xai.core.capture`, drawn as for a bona fide capture           |
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from xai.core.capture import capture, grid, noise, smoothstep_mask, to_uint8
from xai.spoof.attacks.common import border_region, draw_attack


@dataclass(frozen=True, slots=True)
class PrintParams:
    """Parameters of one print attack (ranges in the module table); s is the strength."""

    strength: float
    saturation: float
    cast: tuple[float, float, float]
    black: float
    white: float
    cell: float
    screen_offset: float
    halftone_weight: float
    texture_amount: float
    recapture_sigma: float
    bulge: float
    ripple: float
    ripple_period: float
    ripple_phase: float
    bend_vertical: bool
    edge_side: int  # 0 left, 1 right, 2 top, 3 bottom
    edge_depth: float
    edge_tilt: float
    margin: float
    background: tuple[float, float, float]
    background_gradient: tuple[float, float, float]
    fingers: int
    finger_positions: tuple[float, float]
    finger_lengths: tuple[float, float]
    finger_widths: tuple[float, float]
    finger_angles: tuple[float, float]
    skin: tuple[float, float, float]

    @classmethod
    def draw(cls, rng: np.random.Generator, strength: float) -> PrintParams:
        """Draw every parameter with a fixed number of draws; ``strength`` only scales them."""
        s = strength
        u = rng.random(32)
        finger_p = 0.25 + 0.4 * s
        skin_level = 0.45 + 0.5 * u[29]
        return cls(
            strength=s, saturation=float(1 - (0.15 + 0.4 * s) * (0.5 + 0.5 * u[0])),
            cast=tuple(float(12 * s * (2 * v - 1)) for v in u[1:4]),
            black=float(4 + 30 * s * u[4]), white=float(255 - 25 * s * u[5]),
            cell=float(2 + 3 * u[6]), screen_offset=float(np.pi / 2 * u[7]),
            halftone_weight=float(0.25 + 0.75 * s), texture_amount=float((0.015 + 0.06 * s) * (0.5 + 0.5 * u[8])),
            recapture_sigma=float(0.3 + 0.4 * u[9]),
            bulge=float(s * (0.5 + 3.5 * u[10])), ripple=float(s * (0.5 + 2.5 * u[11])),
            ripple_period=float(0.6 + 1.0 * u[12]), ripple_phase=float(2 * np.pi * u[13]),
            bend_vertical=bool(u[14] < 0.5),
            edge_side=int(4 * u[15]) % 4, edge_depth=float(0.04 + 0.08 * u[16]), edge_tilt=float(np.radians(6 * u[17] - 3)),
            margin=float(0.03 * u[18]) if u[19] < 0.5 else 0.0,
            background=(float((30 + 170 * u[20]) * (1 + 0.3 * u[21])), float(30 + 170 * u[20]),
                        float((30 + 170 * u[20]) * (1 - 0.3 * u[22]))),  # grey to warm (wood, desk) tones
            background_gradient=tuple(float(v) for v in 40 * (2 * u[23:26] - 1)),
            fingers=0 if u[26] >= finger_p else 1 + int(u[27] < 0.4),
            finger_positions=(float(0.1 + 0.7 * u[28]), float(0.1 + 0.7 * u[28] + 0.1 + 0.05 * u[31])),
            finger_lengths=(float(0.04 + 0.07 * u[30]), float(0.03 + 0.07 * u[30])),  # beyond the paper edge
            finger_widths=(float(0.10 + 0.05 * u[31]), float(0.09 + 0.05 * u[31])),
            finger_angles=(float(30 * u[30] - 15), float(30 * u[31] - 15)),
            skin=(float(255 * skin_level), float(255 * skin_level * (0.68 + 0.1 * u[31])),
                  float(255 * skin_level * (0.55 + 0.12 * u[30]))),
        )


def halftone(x: np.ndarray, cell: float, offset: float = 0.0, spread: float = 0.4) -> np.ndarray:
    """Clustered-dot CMY halftone of ``x``.

    Each ink (C = 255 − R, M = 255 − G, Y = 255 − B) is screened with a rotated dot grid of period ``cell`` px
    (screen angles 15°, 75°, 0° plus ``offset``); a pixel is inked where the coverage exceeds the dot's threshold,
    with a 0.15-wide soft threshold against aliasing, then the ink spreads by a Gaussian of σ ``spread`` px.

    Args:
        x: (H, W, 3) float32 RGB in [0, 255].
        cell: dot period in pixels (2–5 in the print chain).
        offset: common rotation of the three screens in radians.
        spread: ink spread (dot gain) σ in pixels; 0 disables it.

    Returns:
        (H, W, 3) float32 RGB in [0, 255], the screened print (no continuous tone left).
    """
    h, w = x.shape[:2]
    yy, xx = grid(h, w)
    out = np.empty((h, w, 3), np.float32)
    for channel, angle in enumerate(np.radians([15.0, 75.0, 0.0]) + offset):
        c, s = np.float32(np.cos(angle) * 2 * np.pi / cell), np.float32(np.sin(angle) * 2 * np.pi / cell)
        threshold = (1 - np.cos(xx * c + yy * s) * np.cos(yy * c - xx * s)) / 2  # 0 at dot centres, 1 between
        ink = 1 - x[..., channel] / 255.0
        out[..., channel] = 255.0 * (1 - np.clip((ink - threshold) / 0.15 + 0.5, 0, 1))
    if spread > 0:
        out = cv2.GaussianBlur(out, (0, 0), spread)
    return out


def _fibres(h: int, w: int, rng: np.random.Generator) -> np.ndarray:
    """Paper texture: streaky fibres plus cloudy formation, zero mean, unit std, (H, W) float32."""
    # Fibres are drawn at half resolution and streaked along the paper's machine direction (~12 px long).
    fine = noise(rng, ((h + 1) // 2, (w + 1) // 2))
    fibres = cv2.blur(cv2.GaussianBlur(fine, (0, 0), 0.6), (7, 1))
    fibres = cv2.resize(fibres, (w, h), interpolation=cv2.INTER_LINEAR)
    coarse = cv2.resize(noise(rng, (max(h // 16, 2), max(w // 16, 2))), (w, h), interpolation=cv2.INTER_CUBIC)
    texture = fibres / (fibres.std() + 1e-6) + 0.8 * coarse / (coarse.std() + 1e-6)
    return texture / (texture.std() + 1e-6)


def _bend(x: np.ndarray, p: PrintParams) -> np.ndarray:
    """Cylindrical bulge plus a sinusoidal ripple: a smooth remap of at most a few pixels."""
    h, w = x.shape[:2]
    yy, xx = grid(h, w)
    if p.bend_vertical:  # paper curved about a vertical axis: rows bow, columns ripple
        nx = (xx - w / 2) / (w / 2)
        map_y = yy - p.bulge * (1 - nx * nx) * (yy - h / 2) / (h / 2)
        map_x = xx + p.ripple * np.sin(2 * np.pi * yy / (h * p.ripple_period) + p.ripple_phase)
    else:
        ny = (yy - h / 2) / (h / 2)
        map_x = xx - p.bulge * (1 - ny * ny) * (xx - w / 2) / (w / 2)
        map_y = yy + p.ripple * np.sin(2 * np.pi * xx / (w * p.ripple_period) + p.ripple_phase)
    return cv2.remap(x, map_x.astype(np.float32), map_y.astype(np.float32), cv2.INTER_LINEAR,
                     borderMode=cv2.BORDER_REFLECT_101)


def _side_distance(h: int, w: int, side: int, depth: float, tilt: float,
                   region: tuple[slice, slice] = (slice(None), slice(None))) -> np.ndarray:
    """Signed distance in px to a straight edge ``depth`` (fraction) in from ``side``, positive towards the centre,
    over ``region`` of the (H, W) frame."""
    yy, xx = (g[region] for g in grid(h, w))
    t = np.float32(np.tan(tilt))
    if side == 0:
        return xx - depth * w - t * (yy - h / 2)
    if side == 1:
        return (1 - depth) * w - xx - t * (yy - h / 2)
    if side == 2:
        return yy - depth * h - t * (xx - w / 2)
    return (1 - depth) * h - yy - t * (xx - w / 2)


def _paper_edge(x: np.ndarray, p: PrintParams, rng: np.random.Generator) -> np.ndarray:
    """Table/background beyond a straight, slightly tilted paper edge; optional white margin; contact shadow.
    Only the border strip that can change is computed (``x`` is modified in place and returned)."""
    h, w = x.shape[:2]
    across, along = (w, h) if p.edge_side < 2 else (h, w)
    margin = p.margin * min(h, w)
    region = border_region(h, w, p.edge_side, p.edge_depth * across + abs(np.tan(p.edge_tilt)) * along / 2 + margin + 2)
    d = _side_distance(h, w, p.edge_side, p.edge_depth, p.edge_tilt, region)
    yy, xx = (g[region] for g in grid(h, w))
    ramp = (xx / w + yy / h - 1)[..., None]
    background = np.float32(p.background) + ramp * np.float32(p.background_gradient)
    grain = cv2.GaussianBlur(noise(rng, d.shape), (0, 0), 1.5)
    shadow = 1 - 0.35 * np.exp(np.minimum(d, 0) / 6.0)  # the sheet casts a soft shadow on the table
    background = background * (shadow + 0.02 * grain)[..., None]
    strip = x[region]
    if margin > 0:  # unprinted paper border between the photo and the edge
        inside_margin = smoothstep_mask(margin - d)[..., None]
        strip = strip * (1 - inside_margin) + p.white * inside_margin
    paper = smoothstep_mask(d)[..., None]
    x[region] = strip * paper + background * (1 - paper)
    return x


def _fingers(x: np.ndarray, p: PrintParams) -> np.ndarray:
    """1–2 shaded skin-tone capsules entering the frame across the paper edge's side (a hand holding the sheet)."""
    h, w = x.shape[:2]
    side_len, across = (h, w) if p.edge_side < 2 else (w, h)
    region = border_region(h, w, p.edge_side, (p.edge_depth + max(p.finger_lengths)) * across + 4)
    strip = x[region]
    mask = np.zeros(strip.shape[:2], np.float32)
    rh, rw = mask.shape
    inward = {0: (1, 0), 1: (-1, 0), 2: (0, 1), 3: (0, -1)}[p.edge_side]
    for i in range(p.fingers):
        along = p.finger_positions[i] * side_len
        length, width = (p.edge_depth + p.finger_lengths[i]) * across, p.finger_widths[i] * side_len
        base = {0: (0, along), 1: (rw, along), 2: (along, 0), 3: (along, rh)}[p.edge_side]
        t = np.radians(p.finger_angles[i])
        direction = (inward[0] * np.cos(t) - inward[1] * np.sin(t), inward[0] * np.sin(t) + inward[1] * np.cos(t))
        # A capsule: a thick line with round caps from beyond the border to a rounded fingertip ``length`` inside.
        reach = max(length - width / 2, 1.0)
        start = (base[0] - direction[0] * width, base[1] - direction[1] * width)
        tip = (base[0] + direction[0] * reach, base[1] + direction[1] * reach)
        cv2.line(mask, (round(start[0]), round(start[1])), (round(tip[0]), round(tip[1])), 1.0,
                 max(round(width), 2), lineType=cv2.LINE_AA)
    core = cv2.distanceTransform((mask > 0.5).astype(np.uint8), cv2.DIST_L2, 3)
    # Cylinder-like shading: bright along the finger's axis, darker towards its sides.
    shade = 0.6 + 0.4 * np.sqrt(np.clip(core / (0.5 * max(p.finger_widths) * side_len + 1e-6), 0, 1))
    skin = np.float32(p.skin) * shade[..., None]
    mask = cv2.GaussianBlur(mask, (0, 0), 0.8)[..., None]
    x[region] = strip * (1 - mask) + skin * mask
    return x


def print_attack(image: np.ndarray, rng: np.random.Generator, strength: float | None = None) -> np.ndarray:
    """A printed photo held up to the camera: print (gamut, halftone, paper) → bend → edge/fingers → recapture.

    Args:
        image: (H, W, 3) uint8 RGB bona fide photo.
        rng: the only source of randomness.
        strength: artefact visibility in [0, 1]; ``None`` draws it from U[0.3, 1].

    Returns:
        (H, W, 3) uint8 RGB of the same size, ending with the bona fide camera nuisances.
    """
    p, cam = draw_attack(image, rng, strength, PrintParams)
    h, w = image.shape[:2]
    # Gamut: saturation towards grey, a colour cast, and the paper's white and the ink's black limiting the range,
    # as one affine colour transform.
    k = (p.white - p.black) / 255.0
    mix = k * (p.saturation * np.eye(3) + (1 - p.saturation) / 3 * np.ones((3, 3)))
    offset = p.black + k * np.asarray(p.cast)
    x = np.clip(cv2.transform(image.astype(np.float32), np.hstack([mix, offset[:, None]]).astype(np.float32)), 0, 255)
    x = (1 - p.halftone_weight) * x + p.halftone_weight * halftone(x, p.cell, p.screen_offset)
    x *= (1 + p.texture_amount * _fibres(h, w, rng))[..., None]
    x = cv2.GaussianBlur(x, (0, 0), p.recapture_sigma)
    x = _bend(x, p)
    x = _paper_edge(x, p, rng)
    if p.fingers:
        x = _fingers(x, p)
    return capture(to_uint8(x), cam, rng)
