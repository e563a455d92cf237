"""Face appearance gates (seed 002): detection (biggest face, count), face size, head pose, orientation, occlusion.

Head pose: ``cv2.solvePnP`` of six Face Mesh landmarks (nose tip, chin, outer eye corners, mouth corners) against
a generic 3D face (the widely used model of the OpenCV head-pose tutorials, in millimetres, y down, z away from
the camera), with a pinhole camera of focal length = image width and principal point = image centre.
Angles follow the right-hand rule in camera axes: yaw about y (positive: the face turns to the image right),
pitch about x (positive: chin up), roll about z (positive: clockwise in the image).

Occlusion per region: Face Mesh places landmarks even under an occluder (the model regresses a whole face),
and the legacy solution gives no per-landmark visibility, so each region is tested on its pixels instead:
skin regions (forehead, cheeks, nose) by colour consistency with the face's own skin, feature regions
(eyebrows, eyes, mouth) by texture (a visible eye, brow or mouth has more edge energy than the cheek skin).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from xai.core.faces import DetectedFace, FaceError, detect_faces
from xai.core.landmarks import LEFT_BROW, LEFT_CHEEK, LEFT_EYE, NOSE, OUTER_LIPS, RIGHT_BROW, RIGHT_CHEEK, RIGHT_EYE
from xai.gates.checks import GateCheck
from xai.gates.thresholds import ACCEPT, DOUBT, GateThresholds

#: Occlusion regions: name → Face Mesh indices whose convex hull is the region. "left" = image left.
OCCLUSION_REGIONS: dict[str, tuple[int, ...]] = {
    "forehead": (10, 338, 297, 332, 284, 109, 67, 103, 54, 151, 108, 69, 104, 68, 337, 299, 333, 298),
    "left_eyebrow": LEFT_BROW,
    "right_eyebrow": RIGHT_BROW,
    "left_eye": LEFT_EYE,
    "right_eye": RIGHT_EYE,
    "left_cheek": LEFT_CHEEK,
    "right_cheek": RIGHT_CHEEK,
    "nose": NOSE,
    "mouth": OUTER_LIPS,
}
SKIN_REGIONS = ("forehead", "left_cheek", "right_cheek", "nose")
FEATURE_REGIONS = ("left_eyebrow", "right_eyebrow", "left_eye", "right_eye", "mouth")
#: Generic 3D face (x right, y down, z away from the camera; units of the OpenCV head-pose tutorial model, whose
#: depths are kept) and the Face Mesh landmark of each point. The vertical positions are re-measured on Face Mesh
#: landmarks (its chin point 152 lies lower than the tutorial's chin): the mean of the five sample portraits,
#: scaled to an outer-eye-corner distance of 450 (see the card).
POSE_MODEL_3D = np.array([
    [0.0, 0.0, 0.0],          # nose tip
    [0.0, 415.0, 65.0],       # chin
    [-225.0, -186.0, 135.0],  # outer corner of the image-left eye
    [225.0, -186.0, 135.0],   # outer corner of the image-right eye
    [-155.0, 147.0, 125.0],   # image-left mouth corner
    [155.0, 147.0, 125.0],    # image-right mouth corner
], dtype=np.float64)
POSE_LANDMARKS = (1, 152, 33, 263, 61, 291)
NORMALISED_FACE_WIDTH = 256  # occlusion texture is measured with the face scaled to this width
# Occlusion calibration (see models/cards/quality-gates.md): a skin pixel is "foreign" beyond this robust
# chroma distance; a feature region with an edge-energy ratio to skin ≤ 1 scores 1, ≥ FEATURE_TEXTURE_FULL scores 0.
FOREIGN_CHROMA_Z = 4.0
FOREIGN_LIGHTNESS = 35.0
FEATURE_TEXTURE_FULL = 1.8
OCCLUSION_SMOOTHING = 3.0  # Gaussian σ (px at the normalised face width) before the texture measure


@dataclass(frozen=True, slots=True)
class HeadPose:
    """Head pose in degrees (see the module docstring for the axes and signs).

    Attributes:
        yaw, pitch, roll: degrees in [-180, 180].
        rotation: (3, 3) float64 rotation of the generic face into camera axes.
        translation: (3,) float64 in model units (mm).
        axes_2d: (4, 2) float32 image points: nose tip, then the ends of the face's x, y, z axes (for drawing).
    """

    yaw: float
    pitch: float
    roll: float
    rotation: np.ndarray
    translation: np.ndarray
    axes_2d: np.ndarray


@dataclass(frozen=True, slots=True)
class RegionOcclusion:
    """Occlusion of one face region.

    Attributes:
        region: a key of :data:`OCCLUSION_REGIONS`.
        score: in [0, 1]; 0 = clearly visible, 1 = fully occluded.
        method: "colour" (share of pixels whose colour is foreign to the face's skin) or "texture"
            (missing edge energy compared with the skin).
        raw: the raw measure: the foreign share (colour) or the edge-energy ratio to skin (texture).
        polygon: (K, 2) int32 convex hull of the region in image pixels.
    """

    region: str
    score: float
    method: str
    raw: float
    polygon: np.ndarray


@dataclass(frozen=True, slots=True)
class AppearanceReport:
    """Face appearance of the biggest face.

    Attributes:
        face: the biggest :class:`DetectedFace`.
        faces_found: number of faces detected (≥ 1).
        face_w, face_h: face box size in pixels (rounded landmark bounds).
        pass_min_face_size: face_w ≥ min_face_w and face_h ≥ min_face_h.
        pose: :class:`HeadPose`.
        frontal: |yaw|, |pitch|, |roll| within the limits.
        tilt_from_vertical: angle in degrees of the chin→forehead axis from the image's up direction, [0, 180].
        vertical: tilt_from_vertical ≤ its limit.
        occlusion: one :class:`RegionOcclusion` per region, in :data:`OCCLUSION_REGIONS` order.
        occluded: regions whose score exceeds the occlusion threshold.
        checks: the checklist rows.
    """

    face: DetectedFace
    faces_found: int
    face_w: int
    face_h: int
    pass_min_face_size: bool
    pose: HeadPose
    frontal: bool
    tilt_from_vertical: float
    vertical: bool
    occlusion: tuple[RegionOcclusion, ...]
    occluded: tuple[str, ...]
    checks: tuple[GateCheck, ...]

    @property
    def problems(self) -> list[str]:
        """Failed requirements in words (each makes the decision a doubt); empty when all pass."""
        out = []
        if not self.pass_min_face_size:
            out.append(f"face {self.face_w}×{self.face_h} px is below the minimum face size")
        if not self.frontal:
            out.append(f"head pose not frontal (yaw {self.pose.yaw:+.0f}°, pitch {self.pose.pitch:+.0f}°, "
                       f"roll {self.pose.roll:+.0f}°)")
        if not self.vertical:
            out.append(f"face not vertical ({self.tilt_from_vertical:.0f}° from upright)")
        if self.occluded:
            out.append("occluded: " + ", ".join(r.replace("_", " ") for r in self.occluded))
        return out


def head_pose(landmarks: np.ndarray, image_shape: tuple[int, ...]) -> HeadPose:
    """Yaw, pitch and roll of a face from its (478, 2) Face Mesh landmarks in an image of shape (H, W, ...)."""
    height, width = image_shape[:2]
    points = landmarks[list(POSE_LANDMARKS)].astype(np.float64)
    # Principal point on the nose tip: the pose is measured against the line of sight to the face, so a frontal
    # face cropped off-centre from a larger photo still reads as frontal.
    camera = np.array([[width, 0, points[0, 0]], [0, width, points[0, 1]], [0, 0, 1]], dtype=np.float64)
    # Start from a frontal face at the distance its eye span implies, so the solver stays in the right basin.
    eye_span = max(float(np.linalg.norm(points[3] - points[2])), 1.0)
    distance = width * 450.0 / eye_span
    rvec = np.zeros((3, 1))
    tvec = np.array([[0.0], [0.0], [distance]])
    ok, rvec, tvec = cv2.solvePnP(POSE_MODEL_3D, points, camera, None, rvec, tvec, useExtrinsicGuess=True,
                                  flags=cv2.SOLVEPNP_ITERATIVE)
    if not ok:
        raise FaceError("The head pose could not be estimated from the landmarks.")
    rotation, _ = cv2.Rodrigues(rvec)
    # R = Rz(roll) · Ry(yaw) · Rx(pitch) decomposition (x: pitch, y: yaw, z: roll).
    yaw = math.degrees(math.asin(float(np.clip(-rotation[2, 0], -1, 1))))
    pitch = math.degrees(math.atan2(rotation[2, 1], rotation[2, 2]))
    roll = math.degrees(math.atan2(rotation[1, 0], rotation[0, 0]))
    length = 200.0
    axes = np.array([[0, 0, 0], [length, 0, 0], [0, length, 0], [0, 0, -length]], dtype=np.float64)
    axes_2d, _ = cv2.projectPoints(axes, rvec, tvec, camera, None)
    return HeadPose(-yaw, -pitch, roll, rotation, tvec.ravel(), axes_2d.reshape(-1, 2).astype(np.float32))


def tilt_from_vertical(landmarks: np.ndarray) -> float:
    """Angle in degrees between the chin (152) → forehead (10) axis and the image's up direction, in [0, 180]."""
    dx, dy = landmarks[10] - landmarks[152]
    return abs(math.degrees(math.atan2(dx, -dy)))


def _hull(landmarks: np.ndarray, indices: tuple[int, ...]) -> np.ndarray:
    return cv2.convexHull(np.round(landmarks[list(indices)]).astype(np.int32)).reshape(-1, 2)


def region_occlusion(image: np.ndarray, landmarks: np.ndarray) -> tuple[RegionOcclusion, ...]:
    """Occlusion score per region of one face.

    Args:
        image: (H, W, 3) uint8 RGB.
        landmarks: (478, 2) float32 pixel coordinates.

    Returns:
        One :class:`RegionOcclusion` per key of :data:`OCCLUSION_REGIONS`, scores in [0, 1].
    """
    x0, y0 = np.floor(landmarks.min(axis=0)).astype(int)
    x1, y1 = np.ceil(landmarks.max(axis=0)).astype(int)
    scale = NORMALISED_FACE_WIDTH / max(x1 - x0, 1)
    h, w = image.shape[:2]
    x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, w), min(y1, h)
    crop = image[y0:y1, x0:x1]
    size = (max(round(crop.shape[1] * scale), 8), max(round(crop.shape[0] * scale), 8))
    crop = cv2.resize(crop, size, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
    points = (landmarks - [x0, y0]) * scale
    lab = cv2.cvtColor(crop.astype(np.float32) / 255.0, cv2.COLOR_RGB2LAB)
    grey = cv2.GaussianBlur(lab[..., 0], (0, 0), OCCLUSION_SMOOTHING)  # screen grids and noise are not structure
    gradient = np.hypot(cv2.Sobel(grey, cv2.CV_32F, 1, 0, ksize=3), cv2.Sobel(grey, cv2.CV_32F, 0, 1, ksize=3))
    masks = {}
    for name, indices in OCCLUSION_REGIONS.items():
        mask = np.zeros(grey.shape, np.uint8)
        cv2.fillConvexPoly(mask, _hull(points, indices), 1)
        masks[name] = mask.astype(bool)
    brows = masks["left_eyebrow"] | masks["right_eyebrow"]
    masks["forehead"] &= ~brows
    skin = np.zeros(grey.shape, bool)
    for name in SKIN_REGIONS:
        skin |= masks[name]
    skin_lab = lab[skin]
    if len(skin_lab) < 20:
        raise FaceError("The face is too small to check its regions for occlusion.")
    centre = np.median(skin_lab, axis=0)
    spread = np.maximum(1.4826 * np.median(np.abs(skin_lab - centre), axis=0), [4.0, 2.0, 2.0])
    skin_energy = float(np.median(gradient[skin])) + 1e-3
    results = []
    for name in OCCLUSION_REGIONS:
        mask = masks[name]
        polygon = _hull(landmarks, OCCLUSION_REGIONS[name])
        if not mask.any():
            results.append(RegionOcclusion(name, 0.0, "none", 0.0, polygon))
            continue
        if name in SKIN_REGIONS:
            z = (lab[mask] - centre) / spread
            chroma = np.hypot(z[:, 1], z[:, 2])
            lightness = np.abs(lab[mask][:, 0] - centre[0])
            foreign = float(np.mean((chroma > FOREIGN_CHROMA_Z) | (lightness > FOREIGN_LIGHTNESS)))
            score = float(np.clip((foreign - 0.1) / 0.5, 0, 1))  # up to 10 % foreign pixels is normal shading
            results.append(RegionOcclusion(name, score, "colour", foreign, polygon))
        else:
            ratio = float(np.median(gradient[mask])) / skin_energy
            score = float(np.clip((FEATURE_TEXTURE_FULL - ratio) / (FEATURE_TEXTURE_FULL - 1.0), 0, 1))
            results.append(RegionOcclusion(name, score, "texture", ratio, polygon))
    return tuple(results)


def face_appearance(image: np.ndarray, thresholds: GateThresholds,
                    faces: Sequence[DetectedFace] | None = None) -> AppearanceReport:
    """Detect faces, keep the biggest and check its size, pose, orientation and occlusion.

    Args:
        image: (H, W, 3) uint8 RGB.
        thresholds: minimum face size, pose limits, tilt limit, occlusion threshold.
        faces: every face already detected in ``image``, largest first (:func:`xai.core.faces.detect_faces`);
            None = run Face Mesh here.

    Raises:
        FaceError: no face in the image (the message says what to do).
    """
    faces = detect_faces(image) if faces is None else list(faces)
    if not faces:
        raise FaceError("No face was found in the image. Use a photo with one clearly visible, frontal face.")
    face = faces[0]
    t = thresholds
    face_w, face_h = int(round(face.width)), int(round(face.height))
    size_ok = face_w >= t.min_face_w and face_h >= t.min_face_h
    pose = head_pose(face.landmarks, image.shape)
    frontal = abs(pose.yaw) <= t.max_yaw and abs(pose.pitch) <= t.max_pitch and abs(pose.roll) <= t.max_roll
    tilt = tilt_from_vertical(face.landmarks)
    vertical = tilt <= t.max_tilt_from_vertical
    occlusion = region_occlusion(image, face.landmarks)
    occluded = tuple(o.region for o in occlusion if o.score > t.max_occlusion)
    worst = max(occlusion, key=lambda o: o.score)

    def verdict(ok: bool) -> str:
        return ACCEPT if ok else DOUBT

    checks = [
        GateCheck("appearance", "faces_found", "Faces in the frame", len(faces),
                  f"{len(faces)} (the biggest is checked)", "1 face", verdict(len(faces) == 1)),
        GateCheck("appearance", "face_size", "Face size", f"{face_w}×{face_h}", f"{face_w}×{face_h} px",
                  f"≥ {t.min_face_w}×{t.min_face_h} px", verdict(size_ok)),
        GateCheck("appearance", "head_pose", "Head pose", f"{pose.yaw:+.1f}/{pose.pitch:+.1f}/{pose.roll:+.1f}",
                  f"yaw {pose.yaw:+.1f}°, pitch {pose.pitch:+.1f}°, roll {pose.roll:+.1f}°",
                  f"|yaw| ≤ {t.max_yaw:g}°, |pitch| ≤ {t.max_pitch:g}°, |roll| ≤ {t.max_roll:g}°", verdict(frontal)),
        GateCheck("appearance", "orientation", "Vertical orientation", round(tilt, 2), f"{tilt:.1f}° from upright",
                  f"≤ {t.max_tilt_from_vertical:g}°", verdict(vertical)),
        GateCheck("appearance", "occlusion", "Occlusion", round(worst.score, 4),
                  ", ".join(r.replace("_", " ") for r in occluded) if occluded
                  else f"none (highest: {worst.region.replace('_', ' ')} {worst.score:.2f})",
                  f"every region ≤ {t.max_occlusion:g}", verdict(not occluded)),
    ]
    return AppearanceReport(face, len(faces), face_w, face_h, size_ok, pose, frontal, tilt, vertical, occlusion,
                            occluded, tuple(checks))
