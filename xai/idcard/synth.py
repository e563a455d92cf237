"""Synthetic ID cards, photographed genuinely or recaptured from a screen (demo data for seed 003).

DLC-2021 cannot be downloaded here, so the demo weights are trained on cards rendered by this module. Every
function is deterministic given its seed (``numpy.random.default_rng``).

**Card** (:func:`render_card`, ID-1 format 85.6 × 54 mm at 1000 × 630 px, a fictitious "Republic of Xaivia"):
pastel base with a vertical gradient, guilloche (rosettes of hypotrochoids and sine-wave line fields, 1 px
anti-aliased lines), header band, the face photo (a head-and-shoulders crop of one sample portrait, sometimes
greyscale), labelled text fields (name, dates, number), a TD1 machine-readable zone (3 × 30 characters), an
iridescent hologram (hue follows the angle and the viewing direction), rounded corners. The layout is fixed
(:data:`ZONES`), so zone occlusion can map it onto any detected card.

**Genuine** (:func:`genuine_capture`): the printed card photographed on a background (wood, cloth, desk,
paper), card width U(0.5, 0.72) × frame, rotation ± 12°, perspective jitter ± 5 % of the card width, a soft
contact shadow, a lighting gradient, a laminate glare (p 0.35), then the camera nuisances of
:func:`xai.core.capture.capture` (lighting, colour temperature, blur, sensor noise, JPEG; no flip, no zoom, so
the annotated card position stays exact).

**Spoof** (:func:`screen_recapture`): the attacker's photo of the same card (a genuine capture at screen
resolution) is shown on a display and photographed. The display is a quadrilateral in the frame (perspective
as above); each camera pixel samples the screen pixel it sees (point sampling, like a sensor without an
anti-aliasing filter) and its R, G, B sub-pixel stripes and black matrix (:func:`xai.core.capture.subpixel_tables`)
at pixel pitch U(1.3, 3.6) camera px, so the grid aliases into moiré; the display's gamma (exp(±U(0, ln 1.4))),
colour temperature (± 12 %), black level (3–25), 5- or 6-bit banding, backlight falloff (≤ 12 %), glare
(p 0.6) and veil, and a bezel (grey 8–45, 4–12 % of the display) around it; then optics blur σ U(0.4, 0.9)
and the same camera nuisances as genuine captures.

Labels follow DLC-2021: 0 = genuine ("or"), 1 = spoof ("re"). The pool of faces is the five public-domain
sample portraits: identities are not disjoint between splits (the layouts, names, colours and captures are).
"""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np

from models.idcard import OUTPUT_GENUINE, OUTPUT_SPOOF
from xai.core.capture import CaptureParams, capture, smoothstep_mask, subpixel_tables

CARD_W, CARD_H = 1000, 630
FRAME_H, FRAME_W = 1200, 1200
#: Seeds of the splits of ``python -m xai train idcard``; the held-out split's seed is used by nothing else.
TRAIN_SEED, VAL_SEED, HELD_OUT_SEED = 3, 1003, 20260003
#: Zones of the fixed layout, as (x0, y0, x1, y1) fractions of the card; "border" is the card minus an inset.
ZONES: dict[str, tuple[float, float, float, float]] = {
    "photo": (0.04, 0.22, 0.30, 0.70),
    "text block": (0.33, 0.20, 0.97, 0.68),
    "MRZ": (0.03, 0.72, 0.97, 0.97),
}
BORDER_INSET = 0.035
ZONE_NAMES = ("photo", "text block", "MRZ", "border", "background")

_SURNAMES = ("NGUYEN", "GARCIA", "OKAFOR", "LINDQVIST", "ROSSI", "TANAKA", "DUBOIS", "KOWALSKA", "SILVA", "MARTIN")
_GIVEN = ("ANA", "MINH", "JOHN", "AMARA", "ELENA", "KENJI", "LUCAS", "SOFIA", "DAVID", "MAYA", "OMAR")
_FONT = cv2.FONT_HERSHEY_SIMPLEX
_MONO = cv2.FONT_HERSHEY_PLAIN


@dataclass(frozen=True, slots=True)
class CardSample:
    """One rendered frame.

    Attributes:
        image: (FRAME_H, FRAME_W, 3) uint8 RGB photo.
        label: 0 genuine, 1 spoof (screen recapture).
        quad: (4, 2) float32 card corners (x, y) in frame pixels, clockwise from the card's top-left.
        centroid: (x, y) mean of the corners (the "annotated card centroid" of the protocol).
        photo: file name of the face photo on the card.
        seed: the seed that re-renders this sample alone (:func:`render_sample`).
    """

    image: np.ndarray
    label: int
    quad: np.ndarray
    centroid: tuple[float, float]
    photo: str
    seed: int


# ---------------------------------------------------------------------------------------------- card


@lru_cache(maxsize=1)
def face_photos() -> dict[str, np.ndarray]:
    """file name → (280, 210, 3) uint8 RGB 3:4 head-and-shoulders crop of each sample portrait."""
    from xai.core.samples import bona_fide_pool

    out = {}
    for name, crop in bona_fide_pool(size=320, context=1.9).items():
        out[name] = cv2.resize(crop[:, 40:280], (210, 280), interpolation=cv2.INTER_AREA)
    return out


def _hsv_colour(h: float, s: float, v: float) -> np.ndarray:
    pixel = np.uint8([[[int(h) % 180, int(s), int(v)]]])
    return cv2.cvtColor(pixel, cv2.COLOR_HSV2RGB)[0, 0].astype(np.float32)


def _guilloche(card: np.ndarray, rng: np.random.Generator, colour: np.ndarray) -> None:
    """Rosettes and sine-wave line fields drawn in place, 1 px anti-aliased lines."""
    line = tuple(int(c) for c in colour)
    t = np.linspace(0, 2 * np.pi * 7, 3000)
    for _ in range(rng.integers(1, 3)):
        cx, cy = rng.uniform(0.35, 0.9) * CARD_W, rng.uniform(0.25, 0.75) * CARD_H
        big, small, d = rng.uniform(90, 160), rng.uniform(15, 45), rng.uniform(30, 90)
        for k in range(int(rng.integers(3, 6))):
            r = (big - small)
            x = cx + r * np.cos(t + k * 0.3) + d * np.cos(r / small * t)
            y = cy + r * np.sin(t + k * 0.3) - d * np.sin(r / small * t)
            cv2.polylines(card, [np.stack([x, y], 1).astype(np.int32)], False, line, 1, cv2.LINE_AA)
    xs = np.arange(0, CARD_W, 3, dtype=np.float32)
    period, amp, phase = rng.uniform(80, 220), rng.uniform(6, 20), rng.uniform(0, 2 * np.pi)
    for y0 in np.arange(rng.uniform(0, 14), CARD_H, rng.uniform(9, 16)):
        ys = y0 + amp * np.sin(2 * np.pi * xs / period + phase + y0 / 40)
        cv2.polylines(card, [np.stack([xs, ys], 1).astype(np.int32)], False, line, 1, cv2.LINE_AA)


def _hologram(card: np.ndarray, rng: np.random.Generator, view: float) -> None:
    """An iridescent ellipse blended in place; its hues rotate with the viewing direction ``view`` in [0, 1]."""
    cx, cy = rng.uniform(0.2, 0.32) * CARD_W, rng.uniform(0.55, 0.7) * CARD_H
    ax, ay = rng.uniform(50, 80), rng.uniform(35, 60)
    yy, xx = np.mgrid[0:CARD_H, 0:CARD_W].astype(np.float32)
    inside = ((xx - cx) / ax) ** 2 + ((yy - cy) / ay) ** 2
    alpha = np.clip((1.0 - inside) * 3, 0, 1) * 0.35
    hue = (np.degrees(np.arctan2(yy - cy, xx - cx)) / 2 + 180 * view + (xx + yy) * 0.4) % 180
    hsv = np.stack([hue, np.full_like(hue, 150), np.full_like(hue, 250)], -1).astype(np.uint8)
    rainbow = cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB).astype(np.float32)
    card[:] = (card * (1 - alpha[..., None]) + rainbow * alpha[..., None]).astype(np.uint8)


def _text(card, text, x, y, scale, colour, thickness=1, font=_FONT) -> None:
    cv2.putText(card, text, (int(x), int(y)), font, scale, colour, thickness, cv2.LINE_AA)


def _mrz(surname: str, given: str, number: str, birth: str, expiry: str, sex: str) -> list[str]:
    """Three 30-character TD1 lines (check digits left as '0': the model never reads them)."""
    line1 = f"IDXAV{number}0".ljust(30, "<")[:30]
    line2 = f"{birth}0{sex}{expiry}0XAV".ljust(29, "<")[:29] + "0"
    line3 = f"{surname}<<{given}".replace(" ", "<").ljust(30, "<")[:30]
    return [line1, line2, line3]


def render_card(rng: np.random.Generator, photo: np.ndarray, view: float = 0.5) -> np.ndarray:
    """A fictitious ID-1 card: (CARD_H, CARD_W, 3) uint8 RGB in the layout of :data:`ZONES`.

    Args:
        rng: the only source of randomness (colours, guilloche, names, dates, number).
        photo: (h, w, 3) uint8 RGB face photo, resized into the photo zone.
        view: hologram viewing direction in [0, 1].
    """
    hue = rng.uniform(0, 180)
    top, bottom = _hsv_colour(hue, rng.uniform(20, 60), 245), _hsv_colour(hue + rng.uniform(-20, 20), 40, 225)
    ramp = np.linspace(0, 1, CARD_H, dtype=np.float32)[:, None, None]
    card = (top * (1 - ramp) + bottom * ramp).repeat(CARD_W, axis=1).astype(np.uint8)
    _guilloche(card, rng, _hsv_colour(hue + rng.uniform(20, 60), rng.uniform(60, 140), rng.uniform(170, 215)))
    band = tuple(int(c) for c in _hsv_colour(hue + rng.uniform(-15, 15), rng.uniform(120, 220), rng.uniform(90, 160)))
    cv2.rectangle(card, (0, 0), (CARD_W, int(0.16 * CARD_H)), band, -1)
    _text(card, "REPUBLIC OF XAIVIA", 30, 45, 1.1, (255, 255, 255), 2)
    _text(card, "IDENTITY CARD  -  CARTE D'IDENTITE", 32, 85, 0.7, (240, 240, 240), 1)
    x0, y0, x1, y1 = (int(ZONES["photo"][i] * (CARD_W if i % 2 == 0 else CARD_H)) for i in range(4))
    face = cv2.resize(photo, (x1 - x0, y1 - y0), interpolation=cv2.INTER_AREA)
    if rng.random() < 0.3:
        face = cv2.cvtColor(cv2.cvtColor(face, cv2.COLOR_RGB2GRAY), cv2.COLOR_GRAY2RGB)
    card[y0:y1, x0:x1] = face
    cv2.rectangle(card, (x0, y0), (x1, y1), (60, 60, 60), 1)
    surname, given = _SURNAMES[rng.integers(len(_SURNAMES))], _GIVEN[rng.integers(len(_GIVEN))]
    number = "".join(str(d) for d in rng.integers(0, 10, 9))
    yb, yx = rng.integers(1950, 2006), rng.integers(2026, 2036)
    mb, db = rng.integers(1, 13), rng.integers(1, 29)
    sex = "F" if rng.random() < 0.5 else "M"
    fields = [("Surname / Nom", surname), ("Given names / Prenoms", given),
              ("Date of birth", f"{db:02d}.{mb:02d}.{yb}"), ("Sex", sex),
              ("Document no.", number), ("Date of expiry", f"{db:02d}.{mb:02d}.{yx}")]
    tx = ZONES["text block"][0] * CARD_W + 5
    for i, (label, value) in enumerate(fields):
        y = ZONES["text block"][1] * CARD_H + 28 + i * 49
        _text(card, label, tx, y, 0.45, (90, 90, 90), 1)
        _text(card, value, tx, y + 22, 0.75, (20, 20, 30), 2)
    _hologram(card, rng, view)
    mx0, my0 = ZONES["MRZ"][0] * CARD_W, ZONES["MRZ"][1] * CARD_H
    cv2.rectangle(card, (int(mx0) - 8, int(my0)), (CARD_W - 20, CARD_H - 12), (238, 238, 232), -1)
    birth, expiry = f"{yb % 100:02d}{mb:02d}{db:02d}", f"{yx % 100:02d}{mb:02d}{db:02d}"
    for i, line in enumerate(_mrz(surname, given, number, birth, expiry, sex)):
        _text(card, line, mx0, my0 + 44 + i * 52, 2.45, (15, 15, 15), 2, _MONO)
    return card


def card_mask(radius: int = 37) -> np.ndarray:
    """(CARD_H, CARD_W) float32 in [0, 1]: 1 inside the card's rounded rectangle (corner radius 3.18 mm)."""
    mask = np.zeros((CARD_H, CARD_W), np.uint8)
    cv2.rectangle(mask, (radius, 0), (CARD_W - radius, CARD_H), 255, -1)
    cv2.rectangle(mask, (0, radius), (CARD_W, CARD_H - radius), 255, -1)
    for cx, cy in ((radius, radius), (CARD_W - radius, radius), (radius, CARD_H - radius),
                   (CARD_W - radius, CARD_H - radius)):
        cv2.circle(mask, (cx, cy), radius, 255, -1, cv2.LINE_AA)
    return mask.astype(np.float32) / 255.0


CARD_CORNERS = np.float32([[0, 0], [CARD_W, 0], [CARD_W, CARD_H], [0, CARD_H]])


# ---------------------------------------------------------------------------------------------- scenes


def background(rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    """(h, w, 3) float32 RGB in [0, 255]: wood, cloth, desk or paper clutter."""
    kind = int(rng.integers(4))
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    base = _hsv_colour(rng.uniform(0, 180), rng.uniform(10, 120), rng.uniform(60, 210))
    if kind == 0:  # wood grain
        angle = rng.uniform(0, np.pi)
        t = xx * np.cos(angle) + yy * np.sin(angle)
        warp = cv2.resize(rng.normal(0, 1, (h // 64 + 2, w // 64 + 2)).astype(np.float32), (w, h)) * 25
        grain = 0.5 + 0.5 * np.sin((t + warp) / rng.uniform(6, 18))
        tone = base * (0.75 + 0.3 * grain[..., None])
    elif kind == 1:  # cloth: a fine woven texture
        period = rng.uniform(3, 7)
        weave = np.sin(xx / period) * np.sin(yy / period)
        tone = base * (0.85 + 0.12 * weave[..., None])
    elif kind == 2:  # plain desk with a gradient
        g = (xx / w * rng.uniform(-0.3, 0.3) + yy / h * rng.uniform(-0.3, 0.3))[..., None]
        tone = base * (1 + g)
    else:  # paper clutter: light rectangles with lines of "text"
        tone = np.broadcast_to(base, (h, w, 3)).copy()
        for _ in range(int(rng.integers(2, 5))):
            x0, y0 = int(rng.uniform(-0.2, 0.8) * w), int(rng.uniform(-0.2, 0.8) * h)
            sheet = tone[max(y0, 0):y0 + int(0.5 * h), max(x0, 0):x0 + int(0.45 * w)]
            sheet[:] = rng.uniform(215, 250)
            sheet[::int(rng.integers(14, 24)), ::2] *= 0.5
    noise = cv2.GaussianBlur(rng.normal(0, 1, (h, w)).astype(np.float32), (0, 0), 1.5)[..., None]
    return np.clip(tone + 6 * noise, 0, 255).astype(np.float32)


def _random_quad(rng: np.random.Generator, h: int, w: int, width_range: tuple[float, float], aspect: float
                 ) -> np.ndarray:
    """(4, 2) float32 corners of a rectangle of the given aspect, width U(range) × w, rotated ± 12°, near the
    centre, with ± 5 % perspective jitter."""
    width = rng.uniform(*width_range) * w
    height = width / aspect
    angle = np.radians(rng.uniform(-12, 12))
    centre = np.float32([w / 2 + rng.uniform(-0.04, 0.04) * w, h / 2 + rng.uniform(-0.04, 0.04) * h])
    corners = np.float32([[-width / 2, -height / 2], [width / 2, -height / 2], [width / 2, height / 2],
                          [-width / 2, height / 2]])
    rot = np.float32([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    jitter = rng.uniform(-0.05, 0.05, (4, 2)).astype(np.float32) * width
    return corners @ rot.T + centre + jitter


def _composite(scene: np.ndarray, layer: np.ndarray, mask: np.ndarray, src_corners: np.ndarray,
               dst_quad: np.ndarray, shadow: float = 0.0) -> None:
    """Warp ``layer`` (with its (h, w) ``mask``) onto ``scene`` (float32, in place) so ``src_corners`` → quad."""
    h, w = scene.shape[:2]
    hom = cv2.getPerspectiveTransform(np.float32(src_corners), np.float32(dst_quad))
    warped = cv2.warpPerspective(layer.astype(np.float32), hom, (w, h), flags=cv2.INTER_AREA)
    alpha = cv2.warpPerspective(mask, hom, (w, h), flags=cv2.INTER_LINEAR)[..., None]
    if shadow > 0:
        soft = cv2.GaussianBlur(alpha, (0, 0), 12)
        soft = np.roll(soft, (8, 6), axis=(0, 1))[..., None] if soft.ndim == 2 else np.roll(soft, (8, 6), (0, 1))
        scene *= 1 - shadow * soft.reshape(h, w, 1)
    scene[:] = scene * (1 - alpha) + warped * alpha


def _lighting(scene: np.ndarray, rng: np.random.Generator, glare_p: float) -> None:
    """Multiplicative lighting gradient and, with probability ``glare_p``, a soft specular highlight, in place."""
    h, w = scene.shape[:2]
    gy, gx = np.mgrid[0:h // 8, 0:w // 8].astype(np.float32) * 8
    light = 1 + rng.uniform(-0.2, 0.2) * (gx / w - 0.5) + rng.uniform(-0.2, 0.2) * (gy / h - 0.5)
    glare = np.zeros_like(light)
    if rng.random() < glare_p:
        cx, cy = rng.uniform(0.2, 0.8) * w, rng.uniform(0.2, 0.8) * h
        r = rng.uniform(0.06, 0.2) * w
        glare = rng.uniform(0.2, 0.7) * np.exp(-((gx - cx) ** 2 + (gy - cy) ** 2) / (2 * r * r))
    light = cv2.resize(light, (w, h))[..., None]
    glare = cv2.resize(glare, (w, h))[..., None]
    scene[:] = scene * light
    scene[:] = scene + (255 - np.clip(scene, 0, 255)) * glare


def _camera(rng: np.random.Generator) -> CaptureParams:
    """Camera nuisances of :mod:`xai.core.capture` without flip or zoom (the card annotation stays exact)."""
    return dataclasses.replace(CaptureParams.draw(rng), flip=False, zoom=1.0, shift=(0.0, 0.0))


def photograph_card(card: np.ndarray, rng: np.random.Generator, h: int, w: int,
                    width_range: tuple[float, float] = (0.5, 0.72)) -> tuple[np.ndarray, np.ndarray]:
    """The card on a background with shadow, lighting and laminate glare, before camera nuisances.

    Returns ((h, w, 3) float32 RGB scene, (4, 2) float32 card quad in scene pixels)."""
    scene = background(rng, h, w)
    quad = _random_quad(rng, h, w, width_range, CARD_W / CARD_H)
    _composite(scene, card, card_mask(), CARD_CORNERS, quad, shadow=rng.uniform(0.1, 0.4))
    _lighting(scene, rng, glare_p=0.35)
    return scene, quad


def genuine_capture(card: np.ndarray, rng: np.random.Generator, h: int = FRAME_H, w: int = FRAME_W
                    ) -> tuple[np.ndarray, np.ndarray]:
    """The printed card photographed: ((h, w, 3) uint8 RGB, (4, 2) float32 card quad)."""
    scene, quad = photograph_card(card, rng, h, w)
    if rng.random() < 0.5:  # defocus is common on handheld captures of documents
        scene = cv2.GaussianBlur(scene, (0, 0), rng.uniform(0.4, 1.0))
    return capture(np.clip(scene + 0.5, 0, 255).astype(np.uint8), _camera(rng), rng), quad


def _warp_points(hom: np.ndarray, points: np.ndarray) -> np.ndarray:
    return cv2.perspectiveTransform(np.float32(points).reshape(-1, 1, 2), hom).reshape(-1, 2)


def screen_recapture(card: np.ndarray, rng: np.random.Generator, h: int = FRAME_H, w: int = FRAME_W
                     ) -> tuple[np.ndarray, np.ndarray]:
    """The card's photo shown on a screen and photographed: ((h, w, 3) uint8 RGB, (4, 2) float32 card quad)."""
    pitch = float(rng.uniform(1.3, 3.6))
    gap, row_gap = float(rng.uniform(0.1, 0.35)), float(rng.uniform(0.1, 0.3))
    contrast = float(rng.uniform(0.2, 0.75))
    # Where the display lies in the frame; the card fills 80–95 % of the display's width.
    aspect = float(rng.choice([16 / 9, 4 / 3, 3 / 2]))
    display_quad = _random_quad(rng, h, w, (0.62, 0.86), aspect)
    side = np.linalg.norm(display_quad[1] - display_quad[0])
    sw = max(int(side / pitch), 64)
    sh = max(int(sw / aspect), 36)
    # The attacker's photo of the card at the screen's resolution (its own lighting and JPEG).
    content, card_in_content = photograph_card(card, rng, sh, sw, width_range=(0.8, 0.95))
    content = capture(np.clip(content + 0.5, 0, 255).astype(np.uint8), _camera(rng), rng).astype(np.float32)
    gamma = float(np.exp(np.log(1.4) * rng.uniform(-1, 1)))
    temperature = float(rng.uniform(-0.12, 0.12))
    content = 255 * (content / 255) ** gamma * np.float32([1 + temperature, 1, 1 - temperature])
    step = 256 / 2 ** (5 if rng.random() < 0.4 else 6)
    content = np.floor(np.clip(content, 0, 255) / step) * step + step / 2
    # Camera pixel → screen pixel coordinates (u, v) through the inverse homography.
    screen_corners = np.float32([[0, 0], [sw, 0], [sw, sh], [0, sh]])
    to_frame = cv2.getPerspectiveTransform(screen_corners, display_quad)
    to_screen = np.linalg.inv(to_frame)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    den = to_screen[2, 0] * xx + to_screen[2, 1] * yy + to_screen[2, 2]
    u = ((to_screen[0, 0] * xx + to_screen[0, 1] * yy + to_screen[0, 2]) / den).astype(np.float32)
    v = ((to_screen[1, 0] * xx + to_screen[1, 1] * yy + to_screen[1, 2]) / den).astype(np.float32)
    shown = cv2.remap(content.astype(np.float32), u - 0.5, v - 0.5, cv2.INTER_NEAREST, borderMode=cv2.BORDER_REPLICATE)
    stripes, rows = subpixel_tables(round(pitch, 2), round(gap, 2), round(row_gap, 2))
    phase_u = (u * 256).astype(np.int32) & 255
    phase_v = (v * 256).astype(np.int32) & 255
    mask = stripes[phase_u] * rows[phase_v][..., None]
    x = shown * ((1 - contrast) + contrast * mask)
    # Display light: black level, backlight falloff, glare and a veiling reflection.
    black = float(rng.uniform(3, 25))
    nu, nv = u / sw - 0.5, v / sh - 0.5
    falloff = 1 - rng.uniform(0, 0.12) * (nu ** 2 + nv ** 2) * 2
    x = black + np.clip(x, 0, 255) * falloff[..., None] * ((255 - black) / 255)
    if rng.random() < 0.6:
        cu, cv_ = rng.uniform(-0.35, 0.35), rng.uniform(-0.35, 0.35)
        radius = rng.uniform(0.08, 0.3)
        glare = rng.uniform(0.15, 0.7) * np.exp(-((nu - cu) ** 2 + (nv - cv_) ** 2) / (2 * radius ** 2))
        x = x + (255 - x) * glare[..., None]
    x = x + (255 - x) * rng.uniform(0, 0.08)
    # The device around the display: bezel then the scene behind.
    bezel = rng.uniform(0.04, 0.12)
    inside = np.minimum(np.minimum(u, sw - u), np.minimum(v, sh - v) * 1.0)
    on_screen = smoothstep_mask(inside * (side / sw), 0.7)[..., None]
    device = np.minimum(np.minimum(u + bezel * sw, sw * (1 + bezel) - u),
                        np.minimum(v + bezel * sw, sh + bezel * sw - v))
    on_device = smoothstep_mask(device * (side / sw), 0.7)[..., None]
    scene = background(rng, h, w)
    scene = scene * (1 - on_device) + rng.uniform(8, 45) * on_device
    x = scene * (1 - on_screen) + x * on_screen
    x = cv2.GaussianBlur(x.astype(np.float32), (0, 0), rng.uniform(0.4, 0.9))
    quad = _warp_points(to_frame, card_in_content)
    return capture(np.clip(x + 0.5, 0, 255).astype(np.uint8), _camera(rng), rng), quad


# ---------------------------------------------------------------------------------------------- samples


def sample_seed(base_seed: int, index: int) -> int:
    """The seed of sample ``index`` of a split with ``base_seed`` (63-bit hash: any sample can be redone alone)."""
    return int.from_bytes(hashlib.sha256(f"idcard:{base_seed}:{index}".encode()).digest()[:8], "little") >> 1


def render_sample(seed: int, label: int, photo_name: str | None = None) -> CardSample:
    """One frame: a new card (layout details, names, colours from ``seed``) captured genuinely (label 0) or
    recaptured from a screen (label 1). The card itself depends only on ``seed``, so the genuine and spoof
    samples of one seed show the same card."""
    photos = face_photos()
    names = sorted(photos)
    card_rng = np.random.default_rng([seed, 0])
    name = photo_name if photo_name is not None else names[int(card_rng.integers(len(names)))]
    if name not in photos:
        raise ValueError(f"unknown photo {name!r}; choose one of: {', '.join(names)}")
    card = render_card(card_rng, photos[name], view=float(card_rng.random()))
    rng = np.random.default_rng([seed, 1 + label])
    if label == OUTPUT_GENUINE:
        image, quad = genuine_capture(card, rng)
    elif label == OUTPUT_SPOOF:
        image, quad = screen_recapture(card, rng)
    else:
        raise ValueError(f"label must be 0 (genuine) or 1 (spoof), got {label}")
    centroid = quad.mean(axis=0)
    return CardSample(image, label, quad.astype(np.float32), (float(centroid[0]), float(centroid[1])), name, seed)


def make_split(base_seed: int, n: int) -> list[CardSample]:
    """``n`` samples, alternately genuine and spoof, each with its own :func:`sample_seed` (different cards)."""
    if n < 2:
        raise ValueError(f"a split needs at least 2 samples (one per class), got {n}")
    return [render_sample(sample_seed(base_seed, i), i % 2) for i in range(n)]


#: The demo cards the page and CLI offer: (label, photo, seed) → a genuine and a spoof capture of the same card.
DEMO_SEED = 77


def demo_pair(photo_name: str) -> tuple[CardSample, CardSample]:
    """The genuine capture and the screen recapture of one demo card showing ``photo_name``."""
    seed = sample_seed(DEMO_SEED, sorted(face_photos()).index(photo_name)) if photo_name in face_photos() else None
    if seed is None:
        raise ValueError(f"unknown photo {photo_name!r}; choose one of: {', '.join(sorted(face_photos()))}")
    return render_sample(seed, OUTPUT_GENUINE, photo_name), render_sample(seed, OUTPUT_SPOOF, photo_name)
