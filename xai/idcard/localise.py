"""Automatic card localisation: the largest convex quadrilateral with an ID-card-like shape (OpenCV).

Edges (Canny on a blurred grayscale at ≤ 800 px), closed by dilation; all contours (nested ones too: a card
shown inside a screen) simplified with ``approxPolyDP``. Candidates are convex 4-gons covering 4–90 % of the frame,
not touching its border, with a side ratio within 1.1–2.4; the best scores area × exp(−((ratio − 1.586)/0.3)²)
(ID-1 cards are 85.6 × 54 mm). Without one, the largest contour's minimum-area rectangle is used if it covers
4–90 % of the frame; otherwise the frame centre.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

MAX_SIDE = 800
ASPECT_RANGE = (1.1, 2.4)  # ID-1 cards are 1.586, passports' data pages ≈ 1.42; perspective stretches it
AREA_RANGE = (0.04, 0.90)
ID1_RATIO = 85.6 / 54.0


@dataclass(frozen=True, slots=True)
class CardLocation:
    """Where the card is.

    Attributes:
        centroid: (x, y) in frame pixels.
        quad: (4, 2) float32 corners (x, y) in frame pixels, clockwise from top-left; None for the frame centre.
        method: "quadrilateral", "min-area-rect", "frame-centre", "annotation" or "manual".
        area_fraction: quad area / frame area in [0, 1] (0 without a quad).
    """

    centroid: tuple[float, float]
    quad: np.ndarray | None
    method: str
    area_fraction: float


def order_corners(points: np.ndarray) -> np.ndarray:
    """(4, 2) points → clockwise from the top-left one (image coordinates, y down)."""
    pts = np.asarray(points, np.float32).reshape(4, 2)
    centre = pts.mean(axis=0)
    angles = np.arctan2(pts[:, 1] - centre[1], pts[:, 0] - centre[0])
    pts = pts[np.argsort(angles)]  # y-down atan2 ascending = clockwise on screen
    start = int(np.argmin(pts.sum(axis=1)))
    return np.roll(pts, -start, axis=0)


def _aspect(quad: np.ndarray) -> float:
    sides = np.linalg.norm(quad - np.roll(quad, -1, axis=0), axis=1)
    a, b = (sides[0] + sides[2]) / 2, (sides[1] + sides[3]) / 2
    return float(max(a, b) / max(min(a, b), 1e-6))


def localise_card(image: np.ndarray) -> CardLocation:
    """Find the card in an (H, W, 3) uint8 RGB frame; see the module doc for the rule."""
    if image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(f"expected an (H, W, 3) RGB image, got {image.shape}")
    h, w = image.shape[:2]
    scale = min(1.0, MAX_SIDE / max(h, w))
    small = cv2.resize(image, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA) if scale < 1 else image
    gray = cv2.GaussianBlur(cv2.cvtColor(small, cv2.COLOR_RGB2GRAY), (5, 5), 0)
    median = float(np.median(gray))
    edges = cv2.Canny(gray, int(max(0, 0.66 * median)), int(min(255, 1.33 * median + 20)))
    edges = cv2.dilate(edges, np.ones((3, 3), np.uint8), iterations=2)
    contours, _ = cv2.findContours(edges, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
    sh, sw = small.shape[:2]
    frame_area = float(sh * sw)
    best, best_score, best_area = None, 0.0, 0.0
    for contour in contours:
        area = cv2.contourArea(contour)
        if not AREA_RANGE[0] * frame_area <= area <= AREA_RANGE[1] * frame_area:
            continue
        approx = cv2.approxPolyDP(contour, 0.02 * cv2.arcLength(contour, True), True)
        if len(approx) != 4 or not cv2.isContourConvex(approx):
            continue
        quad = order_corners(approx.reshape(4, 2))
        touches = (quad.min() <= 2) or (quad[:, 0].max() >= sw - 3) or (quad[:, 1].max() >= sh - 3)
        ratio = _aspect(quad)
        if touches or not ASPECT_RANGE[0] <= ratio <= ASPECT_RANGE[1]:
            continue
        score = area * float(np.exp(-(((ratio - ID1_RATIO) / 0.3) ** 2)))
        if score > best_score:
            best, best_score, best_area = quad, score, area
    method = "quadrilateral"
    if best is None and contours:
        largest = max(contours, key=cv2.contourArea)
        box = order_corners(cv2.boxPoints(cv2.minAreaRect(largest)))
        box_area = float(cv2.contourArea(box))
        if AREA_RANGE[0] * frame_area <= box_area <= AREA_RANGE[1] * frame_area:
            best, best_area, method = box, box_area, "min-area-rect"
    if best is None:
        return CardLocation((w / 2.0, h / 2.0), None, "frame-centre", 0.0)
    quad = (best / scale).astype(np.float32)
    cx, cy = quad.mean(axis=0)
    return CardLocation((float(cx), float(cy)), quad, method, float(best_area / frame_area))


def location_from_quad(quad: np.ndarray, frame_size: tuple[int, int], method: str = "annotation") -> CardLocation:
    """A :class:`CardLocation` from known (4, 2) corners (an annotation); ``frame_size`` = (width, height)."""
    q = order_corners(quad)
    area = float(cv2.contourArea(q.astype(np.float32)))
    cx, cy = q.mean(axis=0)
    return CardLocation((float(cx), float(cy)), q, method, area / float(frame_size[0] * frame_size[1]))


def manual_location(centroid: tuple[float, float]) -> CardLocation:
    """A user-given centroid (the page's override, the CLI's ``--centroid``)."""
    return CardLocation((float(centroid[0]), float(centroid[1])), None, "manual", 0.0)
