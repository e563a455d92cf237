"""Evidence pictures of the gates: face box, pose axes, occluded regions, glare, border lines, moiré peaks,
landmark-pair residuals. All return (h, w, 3) uint8 RGB."""

from __future__ import annotations

import cv2
import numpy as np

from xai.core.render import colorize
from xai.gates.run import GateResult

BOX_RGB = (40, 200, 80)
OCCLUDED_RGB = (230, 40, 200)
REGION_RGB = (200, 200, 200)
BORDER_RGB = (255, 140, 0)
GLARE_RGB = (0, 220, 255)
AXES_RGB = ((230, 40, 40), (40, 200, 40), (60, 90, 255))  # x red, y green, z blue


def evidence_overlay(result: GateResult, max_side: int = 900, around_face: bool = True) -> np.ndarray:
    """The input with the face box, pose axes, region outlines (occluded ones filled), glare, border lines and
    the moiré patch drawn on it.

    Args:
        result: a result whose gates got at least as far as the face.
        max_side: the picture is downscaled so that its longer side is at most this.
        around_face: crop to 3 face widths × 2.2 face heights around the face (grown to include every border line)
            instead of showing the whole frame.
    """
    if result.image is None or result.appearance is None:
        raise ValueError("the gates did not get as far as the face; there is no evidence to draw")
    a = result.appearance
    out = result.image.copy()
    x0, y0, x1, y1 = a.face.box
    thick = max(2, round(max(x1 - x0, y1 - y0) / 90))

    def pt(x: float, y: float) -> tuple[int, int]:
        return int(round(x)), int(round(y))

    fill = out.copy()
    for o in a.occlusion:
        poly = np.round(o.polygon).astype(np.int32)
        if o.region in a.occluded:
            cv2.fillConvexPoly(fill, poly, OCCLUDED_RGB)
        cv2.polylines(out, [poly], True, OCCLUDED_RGB if o.region in a.occluded else REGION_RGB, max(1, thick // 2),
                      cv2.LINE_AA)
    lines = result.components.edge_evidence.lines if result.components is not None else ()
    if result.components is not None:
        fill[result.components.artifact_evidence.glare_mask] = GLARE_RGB
    out = cv2.addWeighted(fill, 0.45, out, 0.55, 0)
    cv2.rectangle(out, pt(x0, y0), pt(x1, y1), BOX_RGB, thick)
    if result.components is not None:
        px0, py0, px1, py1 = result.components.artifact_evidence.patch_box
        cv2.rectangle(out, pt(px0, py0), pt(px1, py1), (255, 230, 0), max(1, thick // 2), cv2.LINE_AA)
        for line in lines:
            cv2.line(out, pt(line.x0, line.y0), pt(line.x1, line.y1), BORDER_RGB, thick * 2, cv2.LINE_AA)
    axes = a.pose.axes_2d
    for end, colour in zip(axes[1:], AXES_RGB, strict=True):
        cv2.arrowedLine(out, pt(*axes[0]), pt(*end), colour, thick, cv2.LINE_AA, tipLength=0.15)
    if around_face:
        h, w = out.shape[:2]
        cx, cy, fw, fh = (x0 + x1) / 2, (y0 + y1) / 2, x1 - x0, y1 - y0
        left, right, top, bottom = cx - 1.5 * fw, cx + 1.5 * fw, cy - 1.1 * fh, cy + 1.1 * fh
        for line in lines:
            left, right = min(left, line.x0, line.x1), max(right, line.x0, line.x1)
            top, bottom = min(top, line.y0, line.y1), max(bottom, line.y0, line.y1)
        out = out[max(int(top), 0):min(int(bottom) + 1, h), max(int(left), 0):min(int(right) + 1, w)]
    scale = min(1.0, max_side / max(out.shape[:2]))
    if scale < 1:
        out = cv2.resize(out, (round(out.shape[1] * scale), round(out.shape[0] * scale)), interpolation=cv2.INTER_AREA)
    return np.ascontiguousarray(out)


def spectrum_picture(result: GateResult, size: int = 256) -> np.ndarray:
    """The log-power excess spectrum of the moiré patch (zero frequency at the centre), its peaks circled."""
    if result.components is None:
        raise ValueError("the spoof components were not computed")
    evidence = result.components.artifact_evidence
    picture = cv2.resize(colorize(evidence.spectrum), (size, size), interpolation=cv2.INTER_NEAREST)
    for rank, peak in enumerate(evidence.peaks[:3]):
        for sign in (1, -1):  # a real image's spectrum is point-symmetric: mark both copies
            cx = int(round((0.5 + sign * peak.fx) * size))
            cy = int(round((0.5 + sign * peak.fy) * size))
            cv2.circle(picture, (cx, cy), 9 if rank == 0 else 6, (255, 255, 255), 2, cv2.LINE_AA)
    return picture


def residual_picture(result: GateResult, size: int = 320, gain: float = 4.0) -> np.ndarray:
    """The face with every mirror pair joined by a thin line and, at its image-right point, an arrow from where a
    rigid symmetric face would put it (parallel to the pairs' mean direction) to where it is, ``gain`` × longer."""
    if result.components is None or result.appearance is None or result.image is None:
        raise ValueError("the spoof components were not computed")
    deform = result.components.deformation_evidence
    landmarks = result.appearance.face.landmarks
    x0, y0, x1, y1 = result.appearance.face.box
    side = max(x1 - x0, y1 - y0) * 1.1
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    scale = size / side
    matrix = np.array([[scale, 0, size / 2 - cx * scale], [0, scale, size / 2 - cy * scale]], dtype=np.float32)
    crop = (cv2.warpAffine(result.image, matrix, (size, size), borderMode=cv2.BORDER_REPLICATE) * 0.6).astype(np.uint8)
    left, right = landmarks[[33, 133]].mean(0), landmarks[[263, 362]].mean(0)
    iod = float(np.linalg.norm(right - left)) * scale
    angle = np.radians(deform.direction_deg)
    normal = np.array([-np.sin(angle), np.cos(angle)])

    def at(point: np.ndarray) -> np.ndarray:
        return point * scale + matrix[:, 2]

    for (i, j), residual in zip(deform.pairs, deform.residuals, strict=True):
        a, b = at(landmarks[i]), at(landmarks[j])
        cv2.line(crop, tuple(int(v) for v in a), tuple(int(v) for v in b), (90, 90, 90), 1, cv2.LINE_AA)
        start = b - normal * residual * iod * gain
        colour = (255, 70, 70) if abs(residual) > 0.05 else (255, 220, 80)
        cv2.arrowedLine(crop, tuple(int(v) for v in start), tuple(int(v) for v in b), colour, 1, cv2.LINE_AA,
                        tipLength=0.3)
    return crop
