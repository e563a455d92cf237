"""Spoof components (seed 002), each a score in [0, 1] (higher = more spoof-like) with the evidence behind it.

* **artifact** = max(moiré, reflection).
  Moiré: the luma of a square patch around the face (native resolution, at most 512 px, Hann-windowed) is
  Fourier-transformed; the log power minus its 9×9 median background leaves isolated periodic peaks. Local maxima
  beyond 0.06 cycles/px, off the two axes and off the 8×8 JPEG block grid (k/8 cycles/px), are the candidate peaks;
  the moiré strength is the mean excess of the three strongest, in dB, mapped by a logistic with midpoint
  15.5 dB and scale 1.5 dB. A screen's sub-pixel grid, its beat with the camera's pixel grid, and a print's
  halftone screen all give such peaks; skin, hair and JPEG blocking do not (bona fide samples: 9–13 dB).
  Reflection: the share of face-oval pixels (eyes and mouth excluded) that are near-white and colourless (HSV value > 0.9, saturation
  < 0.15), as glare on a screen's glass produces; 5 % (normal specular highlights) maps to 0, 20 % to 1.
* **spoof_edge**: straight borders around the face (paper edge, card border, device bezel). Probabilistic Hough
  lines on Canny edges; a line is a border when it is within 15° of an image axis, lies beside the face (left,
  right, above or below its box), spans at least 80 % of the face's extent along it, is at least
  max(1.2 × that extent, 35 % of the image's side) long, and the mean luma of strips 1–4 % of the image away on
  its two sides differs by at least 0.08 (a border is a step; a thin pole or a fold between like regions is not).
  A side's evidence is min(1, 2 / number of distinct straight lines on that side): a lone border is strong
  evidence, one among many parallel lines is background structure (curtains, shelves, columns).
  spoof_edge = 1 − Π (1 − 0.6 e_side): one clean side gives 0.6 (doubt), two give 0.84, a frame of four 0.97.
* **deformation**: unnatural warping from the landmark geometry. A real face is mirror-symmetric and rigid, so
  under a (near-)affine camera the vectors joining mirror-symmetric landmark pairs (eye corners, brow points,
  lip corners, face-oval points) are all parallel. Bending the paper, a ripple or a cut mask tilts them
  differently in different places. The residual of each pair is its component perpendicular to the pairs'
  length-weighted mean direction, divided by the inter-ocular distance; the RMS residual r maps by a logistic
  with midpoint 0.045 and scale 0.006 (bona fide samples: r ≤ 0.031; a ripple of 8 % of the face width: 0.05–0.075).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from xai.core.faces import DetectedFace
from xai.core.landmarks import LEFT_EYE, OUTER_LIPS, RIGHT_EYE
from xai.gates.checks import GateCheck
from xai.gates.quality import face_mask
from xai.gates.thresholds import GateThresholds, component_verdict

MAX_PATCH = 512
MOIRE_MIN_FREQUENCY = 0.06
MOIRE_MID_DB, MOIRE_SCALE_DB = 15.5, 1.5
GLARE_VALUE, GLARE_SATURATION = 0.9, 0.15
GLARE_ZERO, GLARE_FULL = 0.05, 0.20
EDGE_SIDE_WEIGHT = 0.6
EDGE_MAX_TILT = 15.0
EDGE_MIN_STEP = 0.08  # luma step across a border candidate
DEFORMATION_MID, DEFORMATION_SCALE = 0.045, 0.006
#: Mirror-symmetric Face Mesh landmark pairs (image-left index, image-right index).
SYMMETRIC_PAIRS: tuple[tuple[int, int], ...] = (
    # eyes
    (33, 263), (133, 362), (7, 249), (163, 390), (144, 373), (145, 374), (153, 380), (154, 381), (155, 382),
    (173, 398), (157, 384), (158, 385), (159, 386), (160, 387), (161, 388), (246, 466),
    # eyebrows
    (70, 300), (63, 293), (105, 334), (66, 296), (107, 336), (46, 276), (53, 283), (52, 282), (65, 295), (55, 285),
    # face oval
    (109, 338), (67, 297), (103, 332), (54, 284), (21, 251), (162, 389), (127, 356), (234, 454), (93, 323),
    (132, 361), (58, 288), (172, 397), (136, 365), (150, 379), (149, 378), (176, 400), (148, 377),
    # lips
    (61, 291), (146, 375), (91, 321), (181, 405), (84, 314), (185, 409), (40, 270), (39, 269), (37, 267),
    # nose and cheeks
    (98, 327), (129, 358), (49, 279), (48, 278), (64, 294), (240, 460), (50, 280), (205, 425), (187, 411),
    (123, 352), (116, 345), (117, 346), (118, 347), (119, 348),
)


def _logistic(x: float) -> float:
    return float(1.0 / (1.0 + math.exp(-x)))


@dataclass(frozen=True, slots=True)
class SpectrumPeak:
    """One periodic peak: frequency (fx, fy) in cycles/pixel of the patch, excess over the background in dB."""

    fx: float
    fy: float
    excess_db: float


@dataclass(frozen=True, slots=True)
class ArtifactEvidence:
    """Behind the artifact score.

    Attributes:
        moire: moiré score in [0, 1].
        moire_db: mean excess of the three strongest peaks, dB.
        peaks: up to 8 strongest :class:`SpectrumPeak`, strongest first.
        spectrum: (N, N) float32 log-power excess in [0, 1] (for display), zero frequency at the centre.
        patch_box: (x0, y0, x1, y1) int of the analysed patch in the image.
        reflection: reflection score in [0, 1].
        glare_share: share of face pixels that are near-white and colourless, [0, 1].
        glare_mask: (H, W) bool, the glare pixels inside the face.
    """

    moire: float
    moire_db: float
    peaks: tuple[SpectrumPeak, ...]
    spectrum: np.ndarray
    patch_box: tuple[int, int, int, int]
    reflection: float
    glare_share: float
    glare_mask: np.ndarray


@dataclass(frozen=True, slots=True)
class BorderLine:
    """A straight border: endpoints in image pixels, its side of the face, its length (px), its luma step in [0, 1]."""

    x0: float
    y0: float
    x1: float
    y1: float
    side: str
    length: float
    step: float


@dataclass(frozen=True, slots=True)
class EdgeEvidence:
    """Behind the spoof_edge score: the border lines kept, and each side's evidence in [0, 1]."""

    lines: tuple[BorderLine, ...]
    sides: dict[str, float]


@dataclass(frozen=True, slots=True)
class DeformationEvidence:
    """Behind the deformation score.

    Attributes:
        rms_residual: RMS of the pair residuals / inter-ocular distance (≥ 0).
        direction_deg: the pairs' mean direction, degrees (0 = image horizontal).
        pairs: (P, 2) int landmark indices used.
        residuals: (P,) float32 signed perpendicular residuals / inter-ocular distance.
        midpoints: (P, 2) float32 image positions of the pairs' midpoints (for drawing).
    """

    rms_residual: float
    direction_deg: float
    pairs: np.ndarray
    residuals: np.ndarray
    midpoints: np.ndarray


@dataclass(frozen=True, slots=True)
class ComponentsReport:
    """The three spoof components (seed 002), each in [0, 1], with evidence and checklist rows."""

    artifact: float
    spoof_edge: float
    deformation: float
    artifact_evidence: ArtifactEvidence
    edge_evidence: EdgeEvidence
    deformation_evidence: DeformationEvidence
    verdicts: dict[str, str]
    checks: tuple[GateCheck, ...]


def moire_evidence(luma: np.ndarray, face: DetectedFace) -> tuple[float, float, tuple[SpectrumPeak, ...], np.ndarray,
                                                                  tuple[int, int, int, int]]:
    """(score, dB, peaks, display spectrum, patch box) of the periodic peaks around the face; luma (H, W) in [0, 1]."""
    h, w = luma.shape
    x0, y0, x1, y1 = face.box
    side = int(min(max(x1 - x0, y1 - y0), MAX_PATCH, h, w))
    side -= side % 2
    left = int(np.clip((x0 + x1) / 2 - side / 2, 0, w - side))
    top = int(np.clip((y0 + y1) / 2 - side / 2, 0, h - side))
    patch = luma[top:top + side, left:left + side].astype(np.float64)
    patch = patch - patch.mean()
    window = np.hanning(side)
    power = np.abs(np.fft.fftshift(np.fft.fft2(patch * np.outer(window, window)))) ** 2
    log_power = np.log(power + 1e-12)
    lo, hi = float(log_power.min()), float(log_power.max())
    scaled = np.clip((log_power - lo) / max(hi - lo, 1e-9) * 255, 0, 255).astype(np.uint8)
    background = cv2.medianBlur(scaled, 9).astype(np.float64) / 255 * (hi - lo) + lo
    excess = (log_power - background).astype(np.float32)
    freq = np.fft.fftshift(np.fft.fftfreq(side))
    fx, fy = np.meshgrid(freq, freq)
    tol = 1.5 / side
    on_jpeg_grid = (np.abs(fx * 8 - np.round(fx * 8)) < tol * 8) & (np.abs(fy * 8 - np.round(fy * 8)) < tol * 8)
    valid = (np.hypot(fx, fy) > MOIRE_MIN_FREQUENCY) & ~on_jpeg_grid & (np.abs(fx) > tol) & (np.abs(fy) > tol)
    valid &= fy >= 0  # the spectrum of a real image is point-symmetric: keep one half
    local_max = (excess == cv2.dilate(excess, np.ones((5, 5), np.uint8))) & valid
    order = np.argsort(excess[local_max])[::-1]
    ys, xs = np.nonzero(local_max)
    db = 10 / math.log(10)
    peaks = tuple(SpectrumPeak(float(fx[ys[i], xs[i]]), float(fy[ys[i], xs[i]]), float(excess[ys[i], xs[i]] * db))
                  for i in order[:8])
    strength = float(np.mean([p.excess_db for p in peaks[:3]])) if peaks else 0.0
    display = np.clip(excess / 8.0, 0, 1).astype(np.float32)
    return (_logistic((strength - MOIRE_MID_DB) / MOIRE_SCALE_DB), strength, peaks, display,
            (left, top, left + side, top + side))


def glare_evidence(image: np.ndarray, mask: np.ndarray) -> tuple[float, float, np.ndarray]:
    """(reflection score, glare share, (H, W) bool glare mask) inside the face mask."""
    hsv = cv2.cvtColor(image, cv2.COLOR_RGB2HSV)
    glare = (hsv[..., 2] > GLARE_VALUE * 255) & (hsv[..., 1] < GLARE_SATURATION * 255) & mask
    share = float(glare.sum() / max(mask.sum(), 1))
    return float(np.clip((share - GLARE_ZERO) / (GLARE_FULL - GLARE_ZERO), 0, 1)), share, glare


def _step_contrast(luma: np.ndarray, line: tuple[float, float, float, float]) -> float:
    """|mean luma of a strip on one side − on the other| of a line, in [0, 1].

    The strips run along the middle 80 % of the line, 1 % to 4 % of the image's shorter side away from it: a
    border between a medium and its surroundings is a step, a thin pole or a fold between like regions is not.
    """
    xa, ya, xb, yb = line
    length = max(math.hypot(xb - xa, yb - ya), 1.0)
    tx, ty = (xb - xa) / length, (yb - ya) / length
    nx, ny = -ty, tx
    short = min(luma.shape)
    t = np.linspace(0.1, 0.9, 64)[None, :]
    offsets = np.linspace(0.01, 0.04, 6)[:, None] * short
    px, py = xa + (xb - xa) * t, ya + (yb - ya) * t
    means = []
    for sign in (1, -1):
        mx = (px + sign * nx * offsets).astype(np.float32)
        my = (py + sign * ny * offsets).astype(np.float32)
        means.append(float(cv2.remap(luma, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE).mean()))
    return abs(means[0] - means[1])


def edge_evidence(image: np.ndarray, face: DetectedFace) -> tuple[float, EdgeEvidence]:
    """(spoof_edge score, evidence): straight borders beside the face in an (H, W, 3) uint8 RGB image."""
    h, w = image.shape[:2]
    scale = min(1.0, 800 / max(h, w))
    grey = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
    luma = grey.astype(np.float32) / 255.0
    if scale < 1:
        grey = cv2.resize(grey, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA)
    edges = cv2.Canny(cv2.GaussianBlur(grey, (5, 5), 1.2), 40, 120)
    short = min(grey.shape)
    found = cv2.HoughLinesP(edges, 1, np.pi / 360, threshold=max(30, short // 10), minLineLength=short * 0.2,
                            maxLineGap=max(3, short // 30))
    x0, y0, x1, y1 = face.box
    candidates: dict[str, list[BorderLine]] = {"left": [], "right": [], "top": [], "bottom": []}
    clutter: dict[str, list[float]] = {"left": [], "right": [], "top": [], "bottom": []}
    for xa, ya, xb, yb in ([] if found is None else found.reshape(-1, 4) / scale):
        length = math.hypot(xb - xa, yb - ya)
        angle = math.degrees(math.atan2(yb - ya, xb - xa)) % 180
        if min(angle, 180 - angle) <= EDGE_MAX_TILT:  # horizontal: above or below the face
            extent, lo, hi, span = x1 - x0, x0, x1, (min(xa, xb), max(xa, xb))
            middle, merge = (ya + yb) / 2, 0.02 * h
            side = "top" if max(ya, yb) < y0 else "bottom" if min(ya, yb) > y1 else None
            need = max(1.2 * extent, 0.35 * w)
        elif abs(angle - 90) <= EDGE_MAX_TILT:  # vertical: left or right of the face
            extent, lo, hi, span = y1 - y0, y0, y1, (min(ya, yb), max(ya, yb))
            middle, merge = (xa + xb) / 2, 0.02 * w
            side = "left" if max(xa, xb) < x0 else "right" if min(xa, xb) > x1 else None
            need = max(1.2 * extent, 0.35 * h)
        else:
            continue
        if side is None:
            continue
        # Every straight line on this side counts as structure (one line may come out as several Hough lines:
        # those within 2 % of the image are one).
        if all(abs(m - middle) >= merge for m in clutter[side]):
            clutter[side].append(middle)
        covered = max(0.0, min(hi, span[1]) - max(lo, span[0])) / max(extent, 1.0)
        if length < need or covered < 0.8:
            continue
        step = _step_contrast(luma, (xa, ya, xb, yb))
        if step < EDGE_MIN_STEP:
            continue
        line = BorderLine(float(xa), float(ya), float(xb), float(yb), side, float(length), step)
        same = [c for c in candidates[side] if abs(((c.x0 + c.x1) / 2 if side in ("left", "right")
                                                    else (c.y0 + c.y1) / 2) - middle) < merge]
        if same:
            if length > same[0].length:
                candidates[side][candidates[side].index(same[0])] = line
            continue
        candidates[side].append(line)
    # A lone straight border is strong evidence; a border among many parallel lines is background structure.
    sides = {side: min(1.0, 2.0 / len(clutter[side])) for side, lines in candidates.items() if lines}
    score = 1.0 - float(np.prod([1.0 - EDGE_SIDE_WEIGHT * e for e in sides.values()]))
    lines = tuple(line for side_lines in candidates.values() for line in side_lines)
    return score, EdgeEvidence(lines, sides)


def deformation_evidence(landmarks: np.ndarray) -> tuple[float, DeformationEvidence]:
    """(deformation score, evidence) from the (478, 2) landmarks: non-parallel mirror-pair vectors."""
    pairs = np.array(SYMMETRIC_PAIRS, dtype=np.int32)
    vectors = landmarks[pairs[:, 1]] - landmarks[pairs[:, 0]]
    lengths = np.linalg.norm(vectors, axis=1)
    keep = lengths > 1e-6
    pairs, vectors, lengths = pairs[keep], vectors[keep], lengths[keep]
    # The mean direction of the pairs: the principal axis of the vectors (sign-free), weighted by their length.
    angle = 0.5 * math.atan2(float(np.sum(2 * vectors[:, 0] * vectors[:, 1] / lengths)),
                             float(np.sum((vectors[:, 0] ** 2 - vectors[:, 1] ** 2) / lengths)))
    normal = np.array([-math.sin(angle), math.cos(angle)])
    left_eye, right_eye = landmarks[[33, 133]].mean(axis=0), landmarks[[263, 362]].mean(axis=0)
    iod = max(float(np.linalg.norm(right_eye - left_eye)), 1.0)
    residuals = (vectors @ normal / iod).astype(np.float32)
    rms = float(np.sqrt(np.mean(residuals ** 2)))
    midpoints = ((landmarks[pairs[:, 0]] + landmarks[pairs[:, 1]]) / 2).astype(np.float32)
    evidence = DeformationEvidence(rms, math.degrees(angle), pairs, residuals, midpoints)
    return _logistic((rms - DEFORMATION_MID) / DEFORMATION_SCALE), evidence


def spoof_components(image: np.ndarray, face: DetectedFace, thresholds: GateThresholds) -> ComponentsReport:
    """artifact, spoof_edge and deformation of the face in ``image`` ((H, W, 3) uint8 RGB), all in [0, 1]."""
    luma = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY).astype(np.float32) / 255.0
    mask = face_mask(image.shape, face.landmarks)
    # Teeth and the whites of the eyes are near-white and colourless too: they are not glare.
    features = np.zeros(mask.shape, np.uint8)
    for indices in (OUTER_LIPS, LEFT_EYE, RIGHT_EYE):
        cv2.fillConvexPoly(features, cv2.convexHull(np.round(face.landmarks[list(indices)]).astype(np.int32)), 1)
    glare_region = mask & ~features.astype(bool)
    moire, moire_db, peaks, spectrum, patch_box = moire_evidence(luma, face)
    reflection, glare_share, glare_mask = glare_evidence(image, glare_region)
    artifact = max(moire, reflection)
    spoof_edge, edges = edge_evidence(image, face)
    deformation, deform = deformation_evidence(face.landmarks)
    values = {"artifact": artifact, "spoof_edge": spoof_edge, "deformation": deformation}
    verdicts = {k: component_verdict(v, thresholds.component) for k, v in values.items()}
    low, high = thresholds.component
    rule = f"accept < {low:g} ≤ doubt ≤ {high:g} < reject"
    shown = {
        "artifact": f"{artifact:.3f} (moiré {moire:.2f} at {moire_db:.1f} dB, reflection {reflection:.2f})",
        "spoof_edge": f"{spoof_edge:.3f} ({len(edges.lines)} border line(s): "
                      f"{', '.join(sorted(edges.sides)) or 'none'})",
        "deformation": f"{deformation:.3f} (RMS pair residual {deform.rms_residual:.3f} IOD)",
    }
    labels = {"artifact": "Artifact (moiré, reflection)", "spoof_edge": "Spoof edge (straight borders)",
              "deformation": "Deformation (warping)"}
    checks = tuple(GateCheck("components", k, labels[k], round(v, 4), shown[k], rule, verdicts[k])
                   for k, v in values.items())
    evidence = ArtifactEvidence(moire, moire_db, peaks, spectrum, patch_box, reflection, glare_share, glare_mask)
    return ComponentsReport(artifact, spoof_edge, deformation, evidence, edges, deform, verdicts, checks)
