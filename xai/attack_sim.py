"""Presentation-attack simulator: print and replay attacks rendered from a bona fide photo, plus bona fide nuisances.

Replay-Attack cannot be had here, so the region models are trained on simulated attacks. Every function takes
an (H, W, 3) uint8 RGB image and a ``numpy.random.Generator`` and returns an image of the same size; the face
stays roughly in place so MediaPipe can find it again. ``strength`` s ∈ [0, 1] scales every artefact.

| chain | artefact | parameters (s = strength) |
|---|---|---|
| print | reduced gamut | saturation × (1 − 0.45 s), colour cast ± 12 s per channel |
| print | halftone | clustered-dot screen per channel, cell 3–6 px, at 15°/45°/75°, mixed in with weight 0.35 + 0.5 s |
| print | paper texture | low-frequency multiplicative noise, ± 8 s % |
| print | bending | sinusoidal horizontal warp, amplitude 1–4 s px |
| print | paper edge | a straight edge 4–14 % in from one border, beyond it the background (a table tone) |
| print | fingers | 0–2 skin-tone ellipses at the bottom or side border (probability 0.5) |
| replay | screen grid | RGB sub-pixel stripes at pitch 3–5 px, contrast 0.25 + 0.45 s |
| replay | moiré | the grid rotated 1–6° and resampled, so it beats with the camera's pixel grid |
| replay | gamma / colour | gamma 0.75–1.3, blue/red shift ± 15 s |
| replay | banding | quantisation to 4–6 bits per channel |
| replay | glare | soft elliptical highlight, peak 60–160 s grey levels |
| replay | bezel | dark frame 3–10 % wide on one or two borders, sharp straight edge |
| all | camera nuisances | brightness ± 25, contrast 0.8–1.2, gamma 0.8–1.25, colour temperature, Gaussian or motion blur, sensor noise σ ≤ 6, JPEG q 40–95, shift/scale ≤ 8 %, horizontal flip |

Bona fide images get the camera nuisances only, so "was the image processed" does not give the label away.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass

import cv2
import numpy as np

#: Base seed of the held-out test split: training and validation renderings never use it.
HELD_OUT_SEED = 20260617
BONA_FIDE, ATTACK = 1, 0  # the seed's labels: 1 = genuine, 0 = spoof


@dataclass(frozen=True, slots=True)
class SimulatedSample:
    """One rendered sample: image (H, W, 3) uint8 RGB, label (1 bona fide, 0 attack), kind, source, seed, strength."""

    image: np.ndarray
    label: int
    kind: str
    source: str
    seed: int
    strength: float


def prepare_source(image: np.ndarray, max_side: int = 640) -> np.ndarray:
    """Downscale so the longer side is ≤ ``max_side`` (keeps rendering fast)."""
    scale = max_side / max(image.shape[:2])
    if scale >= 1:
        return image
    return cv2.resize(image, (round(image.shape[1] * scale), round(image.shape[0] * scale)),
                      interpolation=cv2.INTER_AREA)


def _clip(x: np.ndarray) -> np.ndarray:
    return np.clip(x, 0, 255).astype(np.uint8)


# ---------------------------------------------------------------------------------------------- nuisances

def camera_nuisances(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Photometric and small geometric changes any genuine capture may show."""
    h, w = image.shape[:2]
    x = image.astype(np.float32)
    if rng.random() < 0.5:
        x = x[:, ::-1]
    scale = rng.uniform(0.94, 1.06)
    dx, dy = rng.uniform(-0.04, 0.04, 2) * (w, h)
    matrix = np.array([[scale, 0, (1 - scale) * w / 2 + dx], [0, scale, (1 - scale) * h / 2 + dy]], np.float32)
    x = cv2.warpAffine(np.ascontiguousarray(x), matrix, (w, h), borderMode=cv2.BORDER_REFLECT)
    x = (x - 128) * rng.uniform(0.8, 1.2) + 128 + rng.uniform(-25, 25)
    x = 255 * (np.clip(x, 0, 255) / 255) ** rng.uniform(0.8, 1.25)
    x *= np.array([1 + rng.uniform(-0.08, 0.08), 1.0, 1 + rng.uniform(-0.08, 0.08)], np.float32)
    blur = rng.random()
    if blur < 0.3:
        x = cv2.GaussianBlur(x, (0, 0), rng.uniform(0.4, 1.6))
    elif blur < 0.45:
        k = int(rng.integers(3, 8))
        kernel = np.zeros((k, k), np.float32)
        kernel[k // 2] = 1.0 / k
        rot = cv2.getRotationMatrix2D((k / 2 - 0.5, k / 2 - 0.5), rng.uniform(0, 180), 1)
        x = cv2.filter2D(x, -1, cv2.warpAffine(kernel, rot, (k, k)))
    x = x + rng.normal(0, rng.uniform(0, 6), x.shape).astype(np.float32)
    return _jpeg(_clip(x), int(rng.integers(40, 96)))


def _jpeg(image: np.ndarray, quality: int) -> np.ndarray:
    ok, data = cv2.imencode(".jpg", cv2.cvtColor(image, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, quality])
    return cv2.cvtColor(cv2.imdecode(data, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)


def bona_fide_augment(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A genuine capture: camera nuisances only."""
    return camera_nuisances(image, rng)


# ---------------------------------------------------------------------------------------------- print

def halftone(x: np.ndarray, rng: np.random.Generator, strength: float) -> np.ndarray:
    """Clustered-dot CMY-like screen mixed into (H, W, 3) float32 ``x`` in [0, 255]; returns float32."""
    h, w = x.shape[:2]
    cell = rng.uniform(3.0, 6.0)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    out = np.empty_like(x)
    for channel, angle in enumerate(np.radians([15.0, 45.0, 75.0]) + rng.uniform(0, 0.2)):
        u = (xx * np.cos(angle) + yy * np.sin(angle)) / cell
        v = (-xx * np.sin(angle) + yy * np.cos(angle)) / cell
        screen = (np.cos(2 * np.pi * u) * np.cos(2 * np.pi * v) + 1) / 2  # clustered-dot threshold in [0, 1]
        ink = 1 - x[..., channel] / 255.0
        out[..., channel] = np.where(ink > screen, 0.0, 255.0)
    weight = 0.35 + 0.5 * strength
    return (1 - weight) * x + weight * cv2.GaussianBlur(out, (0, 0), 0.6)


def _paper_edge(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    h, w = x.shape[:2]
    background = rng.uniform(40, 200, 3).astype(np.float32)
    side = rng.integers(4)
    depth = rng.uniform(0.04, 0.14)
    tilt = rng.uniform(-0.03, 0.03)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    if side == 0:
        outside = xx < depth * w + tilt * yy
    elif side == 1:
        outside = xx > (1 - depth) * w + tilt * yy
    elif side == 2:
        outside = yy < depth * h + tilt * xx
    else:
        outside = yy > (1 - depth) * h + tilt * xx
    x = x.copy()
    x[outside] = background + rng.normal(0, 4, (int(outside.sum()), 3))
    return x


def _fingers(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    h, w = x.shape[:2]
    skin = np.array([rng.uniform(170, 235), rng.uniform(120, 180), rng.uniform(95, 150)])
    x = x.copy()
    for _ in range(int(rng.integers(1, 3))):
        cx = int(rng.uniform(0.15, 0.85) * w)
        axes = (int(w * rng.uniform(0.04, 0.07)), int(h * rng.uniform(0.08, 0.14)))
        cv2.ellipse(x, (cx, h), axes, rng.uniform(-20, 20), 0, 360, skin.tolist(), -1)
    return x


def print_attack(image: np.ndarray, rng: np.random.Generator, strength: float | None = None) -> np.ndarray:
    """A printed photo held up to the camera (print → paper → recapture)."""
    s = float(rng.uniform(0.3, 1.0) if strength is None else strength)
    h, w = image.shape[:2]
    x = image.astype(np.float32)
    grey = x.mean(axis=2, keepdims=True)
    x = grey + (x - grey) * (1 - 0.45 * s) + rng.uniform(-12, 12, 3) * s
    x = halftone(np.clip(x, 0, 255), rng, s)
    texture = cv2.GaussianBlur(rng.normal(0, 1, (h, w)).astype(np.float32), (0, 0), 3)
    x *= (1 + 0.08 * s * texture / (texture.std() + 1e-6))[..., None]
    amplitude = rng.uniform(1, 4) * s
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    map_x = xx + amplitude * np.sin(2 * np.pi * yy / (h * rng.uniform(0.8, 1.6)) + rng.uniform(0, 6.3))
    x = cv2.remap(np.clip(x, 0, 255).astype(np.float32), map_x, yy, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    x = _paper_edge(x, rng)
    if rng.random() < 0.5:
        x = _fingers(x, rng)
    x = cv2.GaussianBlur(x, (0, 0), rng.uniform(0.3, 0.9))
    return camera_nuisances(_clip(x), rng)


# ---------------------------------------------------------------------------------------------- replay

def replay_attack(image: np.ndarray, rng: np.random.Generator, strength: float | None = None) -> np.ndarray:
    """A photo shown on a screen and recaptured (display grid, moiré, gamma, banding, glare, bezel)."""
    s = float(rng.uniform(0.3, 1.0) if strength is None else strength)
    h, w = image.shape[:2]
    x = image.astype(np.float32)
    x = 255 * (x / 255) ** rng.uniform(0.75, 1.3)
    x *= np.array([1 + rng.uniform(-0.15, 0.15) * s, 1.0, 1 + rng.uniform(-0.15, 0.15) * s], np.float32)
    bits = int(rng.integers(4, 7))
    step = 256 / 2 ** bits
    x = np.floor(np.clip(x, 0, 255) / step) * step + step / 2
    pitch = rng.uniform(3.0, 5.0)
    angle = np.radians(rng.uniform(1, 6) * rng.choice([-1, 1]))
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    u = (xx * np.cos(angle) + yy * np.sin(angle)) / pitch
    contrast = 0.25 + 0.45 * s
    stripes = np.stack([np.cos(2 * np.pi * (u - k / 3)) for k in range(3)], axis=-1)  # R, G, B sub-pixels
    rows = np.cos(2 * np.pi * (-xx * np.sin(angle) + yy * np.cos(angle)) / pitch)[..., None]
    x = x * (1 + contrast * (0.6 * stripes + 0.4 * rows) / 2)
    cy, cx = rng.uniform(0.2, 0.8) * h, rng.uniform(0.2, 0.8) * w
    sy, sx = rng.uniform(0.08, 0.25) * h, rng.uniform(0.08, 0.25) * w
    glare = np.exp(-(((yy - cy) / sy) ** 2 + ((xx - cx) / sx) ** 2))
    x = x + glare[..., None] * rng.uniform(60, 160) * s
    x = np.clip(x, 0, 255)
    for side in rng.choice(4, size=int(rng.integers(1, 3)), replace=False):
        width = int(rng.uniform(0.03, 0.10) * (w if side < 2 else h))
        tone = rng.uniform(5, 40)
        if side == 0:
            x[:, :width] = tone
        elif side == 1:
            x[:, w - width:] = tone
        elif side == 2:
            x[:width] = tone
        else:
            x[h - width:] = tone
    x = cv2.GaussianBlur(x, (0, 0), rng.uniform(0.3, 0.8))
    return camera_nuisances(_clip(x), rng)


# ---------------------------------------------------------------------------------------------- samples

KINDS = ("bona_fide", "print", "replay")


def simulate(image: np.ndarray, source: str, kind: str, seed: int, strength: float | None = None) -> SimulatedSample:
    """Render one sample of ``kind`` from ``image``; deterministic for a given ``seed``."""
    rng = np.random.default_rng(seed)
    if kind == "bona_fide":
        return SimulatedSample(bona_fide_augment(image, rng), BONA_FIDE, kind, source, seed, 0.0)
    s = float(rng.uniform(0.3, 1.0) if strength is None else strength)
    render = {"print": print_attack, "replay": replay_attack}.get(kind)
    if render is None:
        raise ValueError(f"unknown kind {kind!r}; choose one of: {', '.join(KINDS)}")
    return SimulatedSample(render(image, rng, s), ATTACK, kind, source, seed, s)


def sample_seed(base_seed: int, index: int) -> int:
    """The seed of sample ``index`` of a run with ``base_seed`` (any sample can be regenerated alone)."""
    return int.from_bytes(hashlib.sha256(f"{base_seed}:{index}".encode()).digest()[:4], "little")


def make_samples(pool: dict[str, np.ndarray], n: int, seed: int, attack_fraction: float = 0.5) -> Iterator[SimulatedSample]:
    """``n`` samples cycling over the pool: bona fide and attacks (print and replay alternating)."""
    sources = sorted(pool)
    if not sources:
        raise ValueError("the bona fide pool is empty")
    prepared = {name: prepare_source(pool[name]) for name in sources}
    for index in range(n):
        sub = sample_seed(seed, index)
        attacks_before = int(index * attack_fraction)
        is_attack = int((index + 1) * attack_fraction) > attacks_before  # spreads attacks evenly
        kind = ("print" if attacks_before % 2 == 0 else "replay") if is_attack else "bona_fide"
        source = sources[(index // 2) % len(sources)]
        yield simulate(prepared[source], source, kind, sub)


def split_of(index: int, seed: int) -> str:
    """Stable 70/15/15 assignment of sample ``index`` of a run with ``seed`` to "train", "val" or "test"."""
    u = int.from_bytes(hashlib.sha256(f"split:{seed}:{index}".encode()).digest()[:4], "little") / 2**32
    return "train" if u < 0.70 else "val" if u < 0.85 else "test"
