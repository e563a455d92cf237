"""Presentation-attack simulator: print and replay attacks rendered from a bona fide photo, plus bona fide nuisances.

The Replay-Attack data set cannot be had here, so the region models are trained on attacks simulated from the
bona fide pool. Every image function takes an (H, W, 3) uint8 RGB image and a ``numpy.random.Generator`` and
returns an (H, W, 3) uint8 RGB image of the same size. Geometry stays mild (the print or screen fills most of
the frame; its edge, bezel or the holding fingers show only near the border), so the face stays where it was
and MediaPipe Face Mesh finds it again. ``strength`` s ∈ [0, 1] scales how visible the attack artefacts are
(``None`` draws s ~ U[0.3, 1]); the camera nuisances do not depend on s.

| chain  | artefact          | parameters (s = strength)                                                          |
|--------|-------------------|------------------------------------------------------------------------------------|
| print  | reduced gamut     | saturation × (1 − (0.15 + 0.4 s)); cast ± 12 s per channel; paper black 4 + U(0, 30) s, |
|        |                   | paper white 255 − U(0, 25) s                                                       |
| print  | halftone          | clustered-dot screen per C, M, Y ink at 15°, 75°, 0° (+ a common offset), cell        |
|        |                   | U(2, 5) px, 0.4 px ink spread, mixed in with weight 0.25 + 0.75 s                   |
| print  | paper texture     | fibrous (streaked) plus cloudy noise multiplied in, std (1.5 + 6 s) % × U(0.5, 1)  |
| print  | recapture blur    | Gaussian σ U(0.3, 0.7) px                                                          |
| print  | bending           | cylindrical bulge ≤ U(0.5, 4) s px + sinusoidal ripple ≤ U(0.5, 3) s px (smooth remap) |
| print  | paper edge        | straight edge at a random side, depth U(4, 12) % of the side, tilt ± 3°, optional    |
|        |                   | white margin ≤ 3 % (p 0.5), table/background tone beyond, soft contact shadow        |
| print  | holding fingers   | p 0.25 + 0.4 s: 1–2 shaded skin-tone capsules (width 9–15 % of the side, ±15°) from |
|        |                   | the paper-edge side, reaching 3–11 % of the frame over the paper                     |
| replay | screen grid       | image resampled to a screen of pitch p ~ U(2, 4) px (area downscale, nearest         |
|        |                   | upscale), RGB sub-pixel stripes with a black matrix (gap U(0.1, 0.3)), contrast      |
|        |                   | 0.15 + 0.4 s (stronger grids stop MediaPipe finding the face)                        |
| replay | moiré             | the display rotated ± U(0.3, 4)° and magnified U(1, 1.03) × the least scale that     |
|        |                   | fills the frame: the stripes' harmonics alias against the camera's pixel grid        |
|        |                   | into beat patterns                                                                  |
| replay | gamma / colour    | display gamma exp(± U(0, ln 1.4) s), colour temperature ± 15 s % (red vs blue),     |
|        |                   | black level 3 + U(0, 25) s, backlight falloff ≤ 12 s %                              |
| replay | banding           | quantisation to 5 bits (p 0.3 + 0.5 s) or 6 bits per channel                       |
| replay | glare             | p 0.4 + 0.5 s: rotated soft ellipse (radii 8–30 % of the side), screen-blended with  |
|        |                   | peak U(0.3, 0.9) s; veiling reflection U(0, 0.12) s                                  |
| replay | bezel             | dark frame (grey 6–40) at 1–2 random sides, depth U(4, 11) %, sharp straight edge     |
|        |                   | that follows the screen's rotation                                                   |
| replay | recapture optics  | Gaussian σ U(0.4, 0.8) px                                                           |
| all    | camera nuisances  | horizontal flip p 0.5; pose crop: zoom U(1, 1.08) and shift within the zoom margin;  |
|        |                   | brightness ± 20, contrast U(0.8, 1.2), gamma U(0.8, 1.25), colour temperature ± 8 %;  |
|        |                   | blur: none (p 0.5), Gaussian σ U(0.3, 1.5) (p 0.35), motion 3–7 px (p 0.15);       |
|        |                   | sensor noise σ U(0, 6) (+ 30 % chroma); JPEG quality U{40..95}                      |

Bona fide images get the camera nuisances only, and both attack chains end with the very same nuisances (drawn
from the same distributions), so "was the image processed" does not give the label away. Every parameter is
drawn up front by ``*Params.draw`` with a fixed number of draws, so the same seed and an explicit strength render
the same nuisances (and the same noise fields) at any strength.

Held-out split: the bona fide pool is tiny (five public-domain portraits: 3 × Barack Obama, Joe Biden, Eileen
Collins). The held-out test split (base seed :data:`HELD_OUT_SEED`) is made of new random renderings (new attack
parameters, new nuisances) of the SAME source faces; identities are not disjoint. It measures robustness to
unseen renderings, not to unseen people.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np

#: Base seed of the held-out test split. :func:`make_samples` with this seed renders the test set; no training or
#: validation run uses it (they use their own base seed and drop the indices :func:`split_of` calls "test").
#: The test renderings are new attack parameters and nuisances of the SAME five source portraits (identities are
#: not disjoint): the split measures robustness to unseen renderings, not to unseen people.
HELD_OUT_SEED = 20260617
BONA_FIDE, ATTACK = 1, 0  # the seed's labels: 1 = genuine, 0 = spoof
KINDS = ("bona_fide", "print", "replay")
_MIN_SIDE = 32


@dataclass(frozen=True, slots=True)
class SimulatedSample:
    """One rendered sample.

    Attributes:
        image: (H, W, 3) uint8 RGB, the size of the prepared source.
        label: 1 = bona fide, 0 = attack (the seed's convention: 0 spoof, 1 genuine).
        kind: "bona_fide", "print" or "replay".
        source: file name of the bona fide source image.
        seed: the seed that regenerates this sample alone with :func:`simulate`.
        strength: attack strength in [0, 1]; 0.0 for bona fide samples.
    """

    image: np.ndarray
    label: int
    kind: str
    source: str
    seed: int
    strength: float


# ---------------------------------------------------------------------------------------------- validation

def _check_image(image: np.ndarray) -> None:
    if not isinstance(image, np.ndarray):
        raise TypeError(f"image must be a numpy array, got {type(image).__name__}")
    if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
        raise ValueError(f"expected an (H, W, 3) uint8 RGB image, got {image.shape} {image.dtype}")
    if min(image.shape[:2]) < _MIN_SIDE:
        raise ValueError(f"the image is {image.shape[1]}×{image.shape[0]} px; at least {_MIN_SIDE} px per side needed")


def _check_rng(rng: np.random.Generator) -> None:
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy.random.Generator (np.random.default_rng(seed)), got {type(rng).__name__}")


def _resolve_strength(strength: float | None, rng: np.random.Generator) -> float:
    if strength is None:
        return float(rng.uniform(0.3, 1.0))
    s = float(strength)
    if not 0.0 <= s <= 1.0:
        raise ValueError(f"strength must be in [0, 1], got {strength}")
    return s


def prepare_source(image: np.ndarray, max_side: int = 640) -> np.ndarray:
    """Downscale so the longer side is ≤ ``max_side`` (keeps rendering fast); smaller images are returned as is.

    Args:
        image: (H, W, 3) uint8 RGB.
        max_side: longest side of the result in pixels (≥ 32).

    Returns:
        (H', W', 3) uint8 RGB, aspect ratio kept (area interpolation).
    """
    _check_image(image)
    if max_side < _MIN_SIDE:
        raise ValueError(f"max_side must be ≥ {_MIN_SIDE}, got {max_side}")
    scale = max_side / max(image.shape[:2])
    if scale >= 1:
        return image
    size = (max(round(image.shape[1] * scale), 1), max(round(image.shape[0] * scale), 1))
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA)


def _to_uint8(x: np.ndarray) -> np.ndarray:
    return np.clip(x + 0.5, 0, 255).astype(np.uint8)


@lru_cache(maxsize=8)
def _grid(h: int, w: int) -> tuple[np.ndarray, np.ndarray]:
    """Read-only (H, W) float32 row and column coordinates (cached: every chain needs them)."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    yy.setflags(write=False)
    xx.setflags(write=False)
    return yy, xx


def _noise(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Zero-mean, unit-std triangular noise, float32: a difference of two uniforms is ~5× cheaper than a normal
    and indistinguishable from one once blurred or JPEG-compressed."""
    return (rng.random(shape, dtype=np.float32) - rng.random(shape, dtype=np.float32)) * np.float32(np.sqrt(6))


def _smoothstep_mask(distance: np.ndarray, softness: float = 0.7) -> np.ndarray:
    """Anti-aliased inside mask from a signed distance in pixels (positive inside), float32 in [0, 1]."""
    return np.clip(distance / softness + 0.5, 0.0, 1.0)


# ---------------------------------------------------------------------------------------------- camera nuisances

@dataclass(frozen=True, slots=True)
class CaptureParams:
    """Camera nuisances any capture may show, bona fide or attack (ranges in the module table)."""

    flip: bool
    zoom: float
    shift: tuple[float, float]  # fraction of the zoom margin in [-1, 1], (x, y)
    brightness: float
    contrast: float
    gamma: float
    temperature: float
    blur_kind: str  # "none", "gaussian", "motion"
    blur_sigma: float
    motion_length: int
    motion_angle: float
    noise_sigma: float
    jpeg_quality: int

    @classmethod
    def draw(cls, rng: np.random.Generator) -> CaptureParams:
        """Draw every parameter (a fixed number of draws, so later streams do not depend on branches)."""
        u = rng.random(13)
        blur_kind = "none" if u[7] < 0.5 else "gaussian" if u[7] < 0.85 else "motion"
        return cls(
            flip=bool(u[0] < 0.5), zoom=float(1 + 0.08 * u[1]), shift=(float(2 * u[2] - 1), float(2 * u[3] - 1)),
            brightness=float(-20 + 40 * u[4]), contrast=float(0.8 + 0.4 * u[5]),
            gamma=float(np.exp(np.log(0.8) + (np.log(1.25) - np.log(0.8)) * u[6])),
            temperature=float(-0.08 + 0.16 * u[12]), blur_kind=blur_kind, blur_sigma=float(0.3 + 1.2 * u[8]),
            motion_length=3 + int(5 * u[9]), motion_angle=float(180 * u[10]),
            noise_sigma=float(6 * u[11]), jpeg_quality=int(rng.integers(40, 96)),
        )


def _jpeg(image: np.ndarray, quality: int) -> np.ndarray:
    ok, data = cv2.imencode(".jpg", cv2.cvtColor(image, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise RuntimeError("OpenCV could not JPEG-encode the image")
    return cv2.cvtColor(cv2.imdecode(data, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)


def _motion_kernel(length: int, angle: float) -> np.ndarray:
    kernel = np.zeros((length, length), np.float32)
    kernel[length // 2] = 1.0
    rot = cv2.getRotationMatrix2D(((length - 1) / 2, (length - 1) / 2), angle, 1.0)
    kernel = cv2.warpAffine(kernel, rot, (length, length), flags=cv2.INTER_LINEAR)
    return kernel / max(float(kernel.sum()), 1e-6)


def capture(image: np.ndarray, params: CaptureParams, rng: np.random.Generator) -> np.ndarray:
    """Apply camera nuisances: pose crop and flip, lighting, colour temperature, blur, sensor noise, JPEG.

    Args:
        image: (H, W, 3) uint8 RGB.
        params: the nuisances, from :meth:`CaptureParams.draw`.
        rng: draws the sensor noise field.

    Returns:
        (H, W, 3) uint8 RGB.
    """
    h, w = image.shape[:2]
    # Pose: a crop of 1/zoom of the frame resized back, shifted within the margin, so no border is invented.
    z = params.zoom
    tx = (1 - z) * w / 2 + params.shift[0] * (z - 1) * w / 2
    ty = (1 - z) * h / 2 + params.shift[1] * (z - 1) * h / 2
    if params.flip:
        matrix = np.array([[-z, 0, z * (w - 1) + tx], [0, z, ty]], np.float32)
    else:
        matrix = np.array([[z, 0, tx], [0, z, ty]], np.float32)
    x = cv2.warpAffine(image, matrix, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT_101)
    # Lighting, gamma and colour temperature are per-channel tone curves: one lookup table does them all.
    levels = np.arange(256, dtype=np.float32)
    tone = 255 * (np.clip((levels - 128) * params.contrast + 128 + params.brightness, 0, 255) / 255) ** params.gamma
    lut = tone[:, None] * np.array([1 + params.temperature, 1.0, 1 - params.temperature], np.float32)
    x = cv2.LUT(x, _to_uint8(lut).reshape(256, 1, 3))
    if params.blur_kind == "gaussian":
        x = cv2.GaussianBlur(x, (0, 0), params.blur_sigma)
    elif params.blur_kind == "motion":
        x = cv2.filter2D(x, -1, _motion_kernel(params.motion_length, params.motion_angle))
    # Sensor noise: luminance at full resolution, chroma at half (demosaicing smooths it).
    luma = _noise(rng, (h, w, 1))
    chroma = cv2.resize(_noise(rng, ((h + 1) // 2, (w + 1) // 2, 3)), (w, h), interpolation=cv2.INTER_LINEAR)
    noisy = x.astype(np.float32) + params.noise_sigma * (luma + 0.3 * chroma)
    return _jpeg(_to_uint8(noisy), params.jpeg_quality)


def bona_fide_augment(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A genuine capture: the camera nuisances only (no attack artefact).

    Args:
        image: (H, W, 3) uint8 RGB.
        rng: the only source of randomness.

    Returns:
        (H, W, 3) uint8 RGB of the same size.
    """
    _check_image(image)
    _check_rng(rng)
    params = CaptureParams.draw(rng)
    return capture(image, params, rng)


# ---------------------------------------------------------------------------------------------- print

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
    yy, xx = _grid(h, w)
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
    fine = _noise(rng, ((h + 1) // 2, (w + 1) // 2))
    fibres = cv2.blur(cv2.GaussianBlur(fine, (0, 0), 0.6), (7, 1))
    fibres = cv2.resize(fibres, (w, h), interpolation=cv2.INTER_LINEAR)
    coarse = cv2.resize(_noise(rng, (max(h // 16, 2), max(w // 16, 2))), (w, h), interpolation=cv2.INTER_CUBIC)
    texture = fibres / (fibres.std() + 1e-6) + 0.8 * coarse / (coarse.std() + 1e-6)
    return texture / (texture.std() + 1e-6)


def _bend(x: np.ndarray, p: PrintParams) -> np.ndarray:
    """Cylindrical bulge plus a sinusoidal ripple: a smooth remap of at most a few pixels."""
    h, w = x.shape[:2]
    yy, xx = _grid(h, w)
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


def _border_region(h: int, w: int, side: int, extent: float) -> tuple[slice, slice]:
    """The strip of ``extent`` px along ``side`` (0 left, 1 right, 2 top, 3 bottom) as (rows, columns) slices."""
    e = int(min(np.ceil(extent), w if side < 2 else h))
    return {0: (slice(0, h), slice(0, e)), 1: (slice(0, h), slice(w - e, w)),
            2: (slice(0, e), slice(0, w)), 3: (slice(h - e, h), slice(0, w))}[side]


def _side_distance(h: int, w: int, side: int, depth: float, tilt: float,
                   region: tuple[slice, slice] = (slice(None), slice(None))) -> np.ndarray:
    """Signed distance in px to a straight edge ``depth`` (fraction) in from ``side``, positive towards the centre,
    over ``region`` of the (H, W) frame."""
    yy, xx = (g[region] for g in _grid(h, w))
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
    region = _border_region(h, w, p.edge_side, p.edge_depth * across + abs(np.tan(p.edge_tilt)) * along / 2 + margin + 2)
    d = _side_distance(h, w, p.edge_side, p.edge_depth, p.edge_tilt, region)
    yy, xx = (g[region] for g in _grid(h, w))
    ramp = (xx / w + yy / h - 1)[..., None]
    background = np.float32(p.background) + ramp * np.float32(p.background_gradient)
    grain = cv2.GaussianBlur(_noise(rng, d.shape), (0, 0), 1.5)
    shadow = 1 - 0.35 * np.exp(np.minimum(d, 0) / 6.0)  # the sheet casts a soft shadow on the table
    background = background * (shadow + 0.02 * grain)[..., None]
    strip = x[region]
    if margin > 0:  # unprinted paper border between the photo and the edge
        inside_margin = _smoothstep_mask(margin - d)[..., None]
        strip = strip * (1 - inside_margin) + p.white * inside_margin
    paper = _smoothstep_mask(d)[..., None]
    x[region] = strip * paper + background * (1 - paper)
    return x


def _fingers(x: np.ndarray, p: PrintParams) -> np.ndarray:
    """1–2 shaded skin-tone capsules entering the frame across the paper edge's side (a hand holding the sheet)."""
    h, w = x.shape[:2]
    side_len, across = (h, w) if p.edge_side < 2 else (w, h)
    region = _border_region(h, w, p.edge_side, (p.edge_depth + max(p.finger_lengths)) * across + 4)
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


def _draw_attack(image: np.ndarray, rng: np.random.Generator, strength: float | None, params_cls):
    """Validate the inputs and draw, in this fixed order, the strength, the attack's and the camera's parameters."""
    _check_image(image)
    _check_rng(rng)
    s = _resolve_strength(strength, rng)
    return params_cls.draw(rng, s), CaptureParams.draw(rng)


def print_attack(image: np.ndarray, rng: np.random.Generator, strength: float | None = None) -> np.ndarray:
    """A printed photo held up to the camera: print (gamut, halftone, paper) → bend → edge/fingers → recapture.

    Args:
        image: (H, W, 3) uint8 RGB bona fide photo.
        rng: the only source of randomness.
        strength: artefact visibility in [0, 1]; ``None`` draws it from U[0.3, 1].

    Returns:
        (H, W, 3) uint8 RGB of the same size, ending with the bona fide camera nuisances.
    """
    p, cam = _draw_attack(image, rng, strength, PrintParams)
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
    return capture(_to_uint8(x), cam, rng)


# ---------------------------------------------------------------------------------------------- replay

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


@lru_cache(maxsize=64)
def _subpixel_tables(pitch: float, gap: float, row_gap: float) -> tuple[np.ndarray, np.ndarray]:
    """Sub-pixel stripe and pixel-row masks over one screen pixel sampled at 256 phases, normalised to mean 1.

    Returns ((256, 3) float32 stripe mask per R, G, B; (256,) float32 row mask), softened over 0.7 camera px."""
    phase = (np.arange(256, dtype=np.float32) + 0.5) / 256
    half_stripe = (1 - gap) / 6
    stripes = np.stack([
        _smoothstep_mask((half_stripe - np.abs((phase - (c + 0.5) / 3 + 0.5) % 1.0 - 0.5)) * pitch) for c in range(3)
    ], axis=-1)
    rows = _smoothstep_mask(((1 - row_gap) / 2 - np.abs(phase - 0.5)) * pitch)
    stripes /= stripes.mean(axis=0, keepdims=True)
    rows /= rows.mean()
    stripes.setflags(write=False)
    rows.setflags(write=False)
    return stripes, rows


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
    yy, xx = _grid(h, w)
    ca, sa = np.float32(np.cos(angle) / scale), np.float32(np.sin(angle) / scale)
    dx, dy = xx - np.float32(w / 2), yy - np.float32(h / 2)
    u = ca * dx + sa * dy + np.float32(w / 2)
    v = ca * dy - sa * dx + np.float32(h / 2)
    sy, sx = screen.shape[0] / h, screen.shape[1] / w
    # INTER_NEAREST rounds, so −0.5 makes it floor: each camera pixel shows the screen pixel it falls in.
    shown = cv2.remap(screen, u * np.float32(sx) - 0.5, v * np.float32(sy) - 0.5, cv2.INTER_NEAREST,
                      borderMode=cv2.BORDER_REPLICATE)
    stripes, rows = _subpixel_tables(round(pitch, 3), round(gap, 3), round(row_gap, 3))
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
    p, cam = _draw_attack(image, rng, strength, ReplayParams)
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
    gy, gx = (g * np.float32(8) for g in _grid(gh, gw))
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
        region = _border_region(h, w, side, depth * across + abs(np.tan(p.angle)) * along / 2 + across * 0.04 + 2)
        coord = (u if side < 2 else v)[region]
        d = coord - depth * across if side in (0, 2) else (1 - depth) * across - coord
        on_screen = _smoothstep_mask(d, 0.6)[..., None]
        rim = p.bezel_tone * (1 + 0.3 * np.clip(-d / (0.04 * across), 0, 1))[..., None]  # lighter towards the rim
        x[region] = x[region] * on_screen + rim * (1 - on_screen)
    return capture(_to_uint8(x), cam, rng)


# ---------------------------------------------------------------------------------------------- samples

def simulate(image: np.ndarray, source: str, kind: str, seed: int, strength: float | None = None) -> SimulatedSample:
    """Render one sample of ``kind`` from ``image``; the same ``seed`` gives identical bytes.

    Args:
        image: (H, W, 3) uint8 RGB bona fide source (call :func:`prepare_source` first for big photos).
        source: file name of the source, stored in the sample.
        kind: "bona_fide", "print" or "replay".
        seed: seeds ``np.random.default_rng``; the only source of randomness.
        strength: attack strength in [0, 1]; ``None`` draws it from U[0.3, 1] (ignored for bona fide).

    Returns:
        :class:`SimulatedSample` with an image of the same size as ``image``.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}; choose one of: {', '.join(KINDS)}")
    rng = np.random.default_rng(seed)
    if kind == "bona_fide":
        return SimulatedSample(bona_fide_augment(image, rng), BONA_FIDE, kind, source, seed, 0.0)
    s = _resolve_strength(strength, rng)
    render = print_attack if kind == "print" else replay_attack
    return SimulatedSample(render(image, rng, s), ATTACK, kind, source, seed, s)


def sample_seed(base_seed: int, index: int) -> int:
    """The seed of sample ``index`` of a run with ``base_seed`` (a 63-bit hash, so any sample can be redone alone)."""
    return int.from_bytes(hashlib.sha256(f"sample:{base_seed}:{index}".encode()).digest()[:8], "little") >> 1


def sample_plan(index: int, seed: int, sources: list[str], attack_fraction: float = 0.5) -> tuple[str, str, int]:
    """(kind, source, sample seed) of sample ``index``: what :func:`make_samples` renders there, without the others.

    Attacks are spread evenly (sample i is an attack when ⌊(i + 1) f⌋ > ⌊i f⌋), alternate print and replay, and
    each kind cycles over the sorted sources on its own, so every source appears as every kind.
    """
    if not sources:
        raise ValueError("the bona fide pool is empty")
    if not 0.0 <= attack_fraction <= 1.0:
        raise ValueError(f"attack_fraction must be in [0, 1], got {attack_fraction}")
    names = sorted(sources)
    attacks_before = int(index * attack_fraction)
    if int((index + 1) * attack_fraction) > attacks_before:
        kind = "print" if attacks_before % 2 == 0 else "replay"
        source = names[(attacks_before // 2) % len(names)]
    else:
        kind, source = "bona_fide", names[(index - attacks_before) % len(names)]
    return kind, source, sample_seed(seed, index)


def make_samples(pool: dict[str, np.ndarray], n: int, seed: int, attack_fraction: float = 0.5) -> Iterator[SimulatedSample]:
    """``n`` samples cycling over the pool: bona fide and attacks (print and replay alternating).

    Args:
        pool: source file name → (H, W, 3) uint8 RGB bona fide photo (downscaled here to ≤ 640 px).
        n: number of samples.
        seed: base seed; sample i uses :func:`sample_seed` (seed, i). Use :data:`HELD_OUT_SEED` for the test split.
        attack_fraction: share of attacks in [0, 1], split evenly between print and replay.

    Yields:
        :class:`SimulatedSample`, lazily (about 25–60 ms each on one core).
    """
    if n < 0:
        raise ValueError(f"n must be ≥ 0, got {n}")
    if not pool:
        raise ValueError("the bona fide pool is empty")
    names = sorted(pool)
    prepared: dict[str, np.ndarray] = {}
    for index in range(n):
        kind, source, sub = sample_plan(index, seed, names, attack_fraction)
        if source not in prepared:
            prepared[source] = prepare_source(pool[source])
        yield simulate(prepared[source], source, kind, sub)


def split_of(index: int, seed: int) -> str:
    """Stable 70/15/15 assignment of sample ``index`` of a run with base ``seed`` to "train", "val" or "test".

    Indices come in blocks of 20; a SHA-256 hash of (seed, block) shuffles each block, whose first 14 slots are
    "train", the next 3 "val" and the last 3 "test". The split is exact in every full block, does not depend on n
    or on the order samples are made in, and changes with ``seed``. The "test" indices of a training run are
    dropped; the held-out test set is rendered separately from :data:`HELD_OUT_SEED`.
    """
    if index < 0:
        raise ValueError(f"index must be ≥ 0, got {index}")
    block, slot = divmod(index, 20)
    digest = hashlib.sha256(f"split:{seed}:{block}".encode()).digest()
    order = np.random.default_rng(int.from_bytes(digest[:8], "little")).permutation(20)
    rank = int(order[slot])
    return "train" if rank < 14 else "val" if rank < 17 else "test"
