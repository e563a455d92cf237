"""The camera and display models that simulated captures share: camera nuisances, sub-pixel masks, pixel helpers.

Seed 000's presentation-attack simulator (:mod:`xai.spoof.attacks`) and seed 003's synthetic ID cards
(:mod:`xai.idcard.synth`) photograph their scenes with the same simulated camera, so a genuine capture and a
recapture differ only by what was in front of the lens. Every image function takes an (H, W, 3) uint8 RGB image
(and a ``numpy.random.Generator`` where it draws anything) and returns an (H, W, 3) uint8 RGB image of the same
size.

| stage             | parameters (:meth:`CaptureParams.draw`)                                                  |
|-------------------|------------------------------------------------------------------------------------------|
| pose              | horizontal flip p 0.5; pose crop: zoom U(1, 1.08) and shift within the zoom margin       |
| tone              | brightness ± 20, contrast U(0.8, 1.2), gamma U(0.8, 1.25), colour temperature ± 8 %      |
| blur              | none (p 0.5), Gaussian σ U(0.3, 1.5) (p 0.35), motion 3–7 px (p 0.15)                    |
| sensor            | noise σ U(0, 6) (+ 30 % chroma at half resolution); JPEG quality U{40..95}               |

A display is modelled by :func:`subpixel_tables`: R, G, B sub-pixel stripes separated by a black matrix, sampled
at 256 phases of one screen pixel, so a camera pixel looks its phase up instead of integrating the stripes.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np

#: The shortest image side the simulators accept (a smaller one has no room for a pose crop or a border).
MIN_SIDE = 32


# ---------------------------------------------------------------------------------------------- validation

def check_image(image: np.ndarray) -> None:
    """Raise ``TypeError``/``ValueError`` unless ``image`` is an (H, W, 3) uint8 RGB array with sides ≥ 32 px."""
    if not isinstance(image, np.ndarray):
        raise TypeError(f"image must be a numpy array, got {type(image).__name__}")
    if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
        raise ValueError(f"expected an (H, W, 3) uint8 RGB image, got {image.shape} {image.dtype}")
    if min(image.shape[:2]) < MIN_SIDE:
        raise ValueError(f"the image is {image.shape[1]}×{image.shape[0]} px; at least {MIN_SIDE} px per side needed")


def check_rng(rng: np.random.Generator) -> None:
    """Raise ``TypeError`` unless ``rng`` is a ``numpy.random.Generator`` (the only source of randomness)."""
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy.random.Generator (np.random.default_rng(seed)), got {type(rng).__name__}")


def prepare_source(image: np.ndarray, max_side: int = 640) -> np.ndarray:
    """Downscale so the longer side is ≤ ``max_side`` (keeps rendering fast); smaller images are returned as is.

    Args:
        image: (H, W, 3) uint8 RGB.
        max_side: longest side of the result in pixels (≥ 32).

    Returns:
        (H', W', 3) uint8 RGB, aspect ratio kept (area interpolation).
    """
    check_image(image)
    if max_side < MIN_SIDE:
        raise ValueError(f"max_side must be ≥ {MIN_SIDE}, got {max_side}")
    scale = max_side / max(image.shape[:2])
    if scale >= 1:
        return image
    size = (max(round(image.shape[1] * scale), 1), max(round(image.shape[0] * scale), 1))
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA)


# ---------------------------------------------------------------------------------------------- pixel helpers

def to_uint8(x: np.ndarray) -> np.ndarray:
    """Round a float image to uint8, clipping to [0, 255] (``x + 0.5`` then truncation: round half up)."""
    return np.clip(x + 0.5, 0, 255).astype(np.uint8)


@lru_cache(maxsize=8)
def grid(h: int, w: int) -> tuple[np.ndarray, np.ndarray]:
    """Read-only (H, W) float32 row and column coordinates (cached: every chain needs them)."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    yy.setflags(write=False)
    xx.setflags(write=False)
    return yy, xx


def noise(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Zero-mean, unit-std triangular noise, float32: a difference of two uniforms is ~5× cheaper than a normal
    and indistinguishable from one once blurred or JPEG-compressed."""
    return (rng.random(shape, dtype=np.float32) - rng.random(shape, dtype=np.float32)) * np.float32(np.sqrt(6))


def smoothstep_mask(distance: np.ndarray, softness: float = 0.7) -> np.ndarray:
    """Anti-aliased inside mask from a signed distance in pixels (positive inside), float32 in [0, 1]."""
    return np.clip(distance / softness + 0.5, 0.0, 1.0)


# ---------------------------------------------------------------------------------------------- display

@lru_cache(maxsize=64)
def subpixel_tables(pitch: float, gap: float, row_gap: float) -> tuple[np.ndarray, np.ndarray]:
    """Sub-pixel stripe and pixel-row masks over one screen pixel sampled at 256 phases, normalised to mean 1.

    Args:
        pitch: screen pixel pitch in camera pixels (sets the 0.7 camera-px softening in phase units).
        gap, row_gap: dark fraction of each sub-pixel column and of each pixel row, in [0, 1).

    Returns:
        ((256, 3) float32 stripe mask per R, G, B; (256,) float32 row mask), read-only (cached).
    """
    phase = (np.arange(256, dtype=np.float32) + 0.5) / 256
    half_stripe = (1 - gap) / 6
    stripes = np.stack([
        smoothstep_mask((half_stripe - np.abs((phase - (c + 0.5) / 3 + 0.5) % 1.0 - 0.5)) * pitch) for c in range(3)
    ], axis=-1)
    rows = smoothstep_mask(((1 - row_gap) / 2 - np.abs(phase - 0.5)) * pitch)
    stripes /= stripes.mean(axis=0, keepdims=True)
    rows /= rows.mean()
    stripes.setflags(write=False)
    rows.setflags(write=False)
    return stripes, rows


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


def jpeg(image: np.ndarray, quality: int) -> np.ndarray:
    """JPEG round trip of an (H, W, 3) uint8 RGB image at ``quality`` (0–100) through OpenCV."""
    ok, data = cv2.imencode(".jpg", cv2.cvtColor(image, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise RuntimeError("OpenCV could not JPEG-encode the image")
    return cv2.cvtColor(cv2.imdecode(data, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)


def motion_kernel(length: int, angle: float) -> np.ndarray:
    """(length, length) float32 line kernel at ``angle`` degrees, summing to 1: linear motion blur."""
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
    x = cv2.LUT(x, to_uint8(lut).reshape(256, 1, 3))
    if params.blur_kind == "gaussian":
        x = cv2.GaussianBlur(x, (0, 0), params.blur_sigma)
    elif params.blur_kind == "motion":
        x = cv2.filter2D(x, -1, motion_kernel(params.motion_length, params.motion_angle))
    # Sensor noise: luminance at full resolution, chroma at half (demosaicing smooths it).
    luma = noise(rng, (h, w, 1))
    chroma = cv2.resize(noise(rng, ((h + 1) // 2, (w + 1) // 2, 3)), (w, h), interpolation=cv2.INTER_LINEAR)
    noisy = x.astype(np.float32) + params.noise_sigma * (luma + 0.3 * chroma)
    return jpeg(to_uint8(noisy), params.jpeg_quality)
