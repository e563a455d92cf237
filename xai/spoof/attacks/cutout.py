"""Cut-out mask: a printed face with the eyes and the mouth cut out, worn in front of a live face.

| artefact          | parameters (s = strength)                                                          |
|-------------------|------------------------------------------------------------------------------------|
| mask              | :func:`.print_chain.print_attack` of the photo at strength s                        |
| holes             | ellipses round both eyes (p 1) and the mouth (p 0.7), from Face Mesh landmarks       |
|                   | (template positions when no face is found), enlarged U(1.1, 1.5)                   |
| behind the holes  | the live face: the photo shifted U(1, 4) px, darker × U(0.6, 0.9) (the mask shades  |
|                   | it), slightly blurred; a white paper rim 1–2 px and a soft shadow inside the hole  |
| camera            | JPEG quality U{60..95}                                                              |
"""

from __future__ import annotations

import cv2
import numpy as np

from xai.core.capture import jpeg, to_uint8
from xai.spoof.attacks.draws import attack_draws
from xai.spoof.attacks.print_chain import print_attack

# Face Mesh indices: eye contours and the outer lip contour.
LEFT_EYE = (33, 7, 163, 144, 145, 153, 154, 155, 133, 173, 157, 158, 159, 160, 161, 246)
RIGHT_EYE = (362, 382, 381, 380, 374, 373, 390, 249, 263, 466, 388, 387, 386, 385, 384, 398)
LIPS = (61, 146, 91, 181, 84, 17, 314, 405, 321, 375, 291, 409, 270, 269, 267, 0, 37, 39, 40, 185)
#: hole centres and half-axes as fractions of the frame when no face is found (the pool's head crop)
TEMPLATE = (((0.41, 0.46), (0.045, 0.025)), ((0.59, 0.46), (0.045, 0.025)), ((0.5, 0.62), (0.06, 0.03)))


def hole_ellipses(image: np.ndarray) -> list[tuple[tuple[float, float], tuple[float, float], float]]:
    """(centre, half-axes, angle°) of the eye and mouth openings of the largest face, in pixels."""
    from xai.core.faces import detect_faces

    faces = detect_faces(image)
    h, w = image.shape[:2]
    if not faces:
        return [((cx * w, cy * h), (ax * w, ay * h), 0.0) for (cx, cy), (ax, ay) in TEMPLATE]
    pts = faces[0].landmarks
    left, right = pts[list(LEFT_EYE)].mean(axis=0), pts[list(RIGHT_EYE)].mean(axis=0)
    roll = float(np.degrees(np.arctan2(right[1] - left[1], right[0] - left[0])))
    out = []
    for idx in (LEFT_EYE, RIGHT_EYE, LIPS):
        p = pts[list(idx)]
        centre = p.mean(axis=0)
        # extent along and across the eye line (the face's own axes)
        t = np.radians(roll)
        along = (p - centre) @ np.array([np.cos(t), np.sin(t)])
        across = (p - centre) @ np.array([-np.sin(t), np.cos(t)])
        out.append(((float(centre[0]), float(centre[1])),
                    (max(float(np.ptp(along)) / 2, 4.0), max(float(np.ptp(across)) / 2, 3.0)), roll))
    return out


def cutout_attack(image: np.ndarray, rng: np.random.Generator, strength: float | None = None) -> np.ndarray:
    """(H, W, 3) uint8 RGB → (H, W, 3) uint8 RGB: a printed mask with eye and mouth holes over a live face."""
    s, u, quality = attack_draws(image, rng, strength, 10, quality=(60, 95))
    mask_print = print_attack(image, rng, s).astype(np.float32)
    h, w = image.shape[:2]
    holes = hole_ellipses(image)
    if u[0] >= 0.7:
        holes = holes[:2]  # eyes only
    grow = 1.1 + 0.4 * u[1]
    inside = np.zeros((h, w), np.float32)
    for (cx, cy), (ax, ay), angle in holes:
        cv2.ellipse(inside, (round(cx), round(cy)), (max(round(ax * grow), 2), max(round(ay * grow * 1.4), 2)),
                    angle, 0, 360, 1.0, -1, cv2.LINE_AA)
    # The live face behind: shifted a little, shaded by the mask, softer.
    shift = np.float32([[1, 0, (1 + 3 * u[2]) * (1 if u[3] < 0.5 else -1)], [0, 1, (1 + 3 * u[4])]])
    behind = cv2.warpAffine(image, shift, (w, h), borderMode=cv2.BORDER_REFLECT_101).astype(np.float32)
    behind = cv2.GaussianBlur(behind, (0, 0), 0.6) * np.float32(0.6 + 0.3 * u[5])
    edge = inside - cv2.erode(inside, np.ones((3, 3), np.uint8), iterations=1 + int(u[6] < 0.5))
    shadow = cv2.GaussianBlur(inside, (0, 0), 2.0)
    behind = behind * (0.55 + 0.45 * shadow)[..., None]
    out = mask_print * (1 - inside[..., None]) + behind * inside[..., None]
    out = out + (235 - out) * np.clip(edge, 0, 1)[..., None] * 0.8  # the cut paper's white edge
    return jpeg(to_uint8(out), quality)
