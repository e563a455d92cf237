"""The seed 000 face pipeline, reused by every face page: detect, landmarks, eye alignment, CLAHE, region crops.

Steps (seed 000 §3.3.2, figure 2): MediaPipe Face Mesh (the largest face is kept; the count is reported);
rotation about the eye midpoint so the eye line is level (landmarks transformed with the image); CLAHE on
the L channel of CIELAB; landmark-guided square crops of the full face, eyes, nose and mouth with padding,
each resized to 224×224.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from xai.core.faces import DetectedFace, FaceError, detect_faces
from xai.core.landmarks import FACE_OVAL, LEFT_EYE, NOSE, OUTER_LIPS, RIGHT_EYE

REGIONS = ("full_face", "eyes", "nose", "mouth")
CROP_SIZE = 224

#: Landmarks whose bounding box defines each region (eyes: both eye contours, without the brows).
REGION_LANDMARKS: dict[str, tuple[int, ...]] = {
    "full_face": FACE_OVAL, "eyes": LEFT_EYE + RIGHT_EYE, "nose": NOSE, "mouth": OUTER_LIPS,
}
DEFAULT_PADDING = {"full_face": 0.05, "eyes": 0.15, "nose": 0.15, "mouth": 0.15}


@dataclass(frozen=True, slots=True)
class RegionCrop:
    """One region of the aligned, CLAHE-enhanced image.

    Attributes:
        name: one of :data:`REGIONS`.
        box: (x0, y0, x1, y1) int square in aligned-image pixels (may extend past the border, which is
            filled by edge replication); the 224×224 ``image`` is a plain resize of it.
        image: (224, 224, 3) uint8 RGB.
    """

    name: str
    box: tuple[int, int, int, int]
    image: np.ndarray


@dataclass(frozen=True, slots=True)
class FacePipelineResult:
    """Every step of the pipeline for one image.

    Attributes:
        original: (H, W, 3) uint8 RGB input.
        faces_found: number of faces detected (the largest one is used).
        landmarks: (478, 2) float32 pixel coordinates in ``original``.
        rotation_deg: rotation applied so the eyes are level (degrees, counter-clockwise positive).
        aligned: (H, W, 3) uint8 RGB, rotated about the eye midpoint.
        aligned_landmarks: (478, 2) float32 landmarks in ``aligned``.
        enhanced: (H, W, 3) uint8 RGB, CLAHE on the L channel of ``aligned``.
        crops: region name → :class:`RegionCrop`.
        faces: every face detected in ``original``, largest first (``faces[0]`` is the one used), so later
            steps (model crops, the quality gates) need not run Face Mesh again.
    """

    original: np.ndarray
    faces_found: int
    landmarks: np.ndarray
    rotation_deg: float
    aligned: np.ndarray
    aligned_landmarks: np.ndarray
    enhanced: np.ndarray
    crops: dict[str, RegionCrop]
    faces: tuple[DetectedFace, ...] = ()

    @property
    def face(self) -> DetectedFace:
        """The face the pipeline used (the largest), in ``original``'s pixels."""
        return self.faces[0] if self.faces else DetectedFace.from_landmarks(self.landmarks, self.original.shape)

    def steps(self) -> list[tuple[str, np.ndarray]]:
        """(title, (H, W, 3) uint8 RGB) of each step for display, cropped around the face."""
        x0, y0, x1, y1 = self.crops["full_face"].box
        pad = (x1 - x0) // 4

        def around_face(img: np.ndarray) -> np.ndarray:
            h, w = img.shape[:2]
            return img[max(y0 - pad, 0):min(y1 + pad, h), max(x0 - pad, 0):min(x1 + pad, w)]

        marked = self.original.copy()
        radius = max(1, int(round((x1 - x0) / 150)))
        for x, y in self.landmarks[:468]:
            cv2.circle(marked, (int(round(x)), int(round(y))), radius, (0, 255, 0), -1)
        regions = self.enhanced.copy()
        colours = {"full_face": (255, 255, 0), "eyes": (0, 200, 255), "nose": (255, 0, 255), "mouth": (255, 80, 0)}
        for crop in self.crops.values():
            bx0, by0, bx1, by1 = crop.box
            cv2.rectangle(regions, (bx0, by0), (bx1, by1), colours[crop.name], max(2, radius * 2))
        face_box = self._landmark_box(self.landmarks, self.original.shape)
        fx0, fy0, fx1, fy1 = face_box
        fpad = (fx1 - fx0) // 4
        h, w = marked.shape[:2]
        return [
            ("1 · landmarks", marked[max(fy0 - fpad, 0):min(fy1 + fpad, h), max(fx0 - fpad, 0):min(fx1 + fpad, w)]),
            (f"2 · aligned ({self.rotation_deg:+.1f}°)", around_face(self.aligned)),
            ("3 · CLAHE", around_face(self.enhanced)),
            ("4 · regions", around_face(regions)),
        ]

    @staticmethod
    def _landmark_box(points: np.ndarray, shape: tuple[int, ...]) -> tuple[int, int, int, int]:
        h, w = shape[:2]
        x0, y0 = np.clip(points.min(axis=0), 0, [w - 1, h - 1]).astype(int)
        x1, y1 = np.clip(points.max(axis=0), 0, [w - 1, h - 1]).astype(int)
        return int(x0), int(y0), int(x1), int(y1)


def _as_rgb(image: np.ndarray) -> np.ndarray:
    if not isinstance(image, np.ndarray) or image.dtype != np.uint8:
        raise ValueError("expected a uint8 numpy image")
    if image.ndim == 2:
        return cv2.cvtColor(image, cv2.COLOR_GRAY2RGB)
    if image.ndim == 3 and image.shape[2] == 4:
        return cv2.cvtColor(image, cv2.COLOR_RGBA2RGB)
    if image.ndim == 3 and image.shape[2] == 3:
        return image
    raise ValueError(f"expected an (H, W), (H, W, 3) or (H, W, 4) image, got shape {image.shape}")


def eye_centres(landmarks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(image-left, image-right) eye centres: the mean of each eye's 16 contour landmarks."""
    return landmarks[list(LEFT_EYE)].mean(axis=0), landmarks[list(RIGHT_EYE)].mean(axis=0)


def clahe_rgb(image: np.ndarray, clip: float = 2.0, grid: int = 8) -> np.ndarray:
    """CLAHE on the L channel of CIELAB; (H, W, 3) uint8 RGB in and out."""
    lab = cv2.cvtColor(image, cv2.COLOR_RGB2LAB)
    lab[..., 0] = cv2.createCLAHE(clipLimit=clip, tileGridSize=(grid, grid)).apply(lab[..., 0])
    return cv2.cvtColor(lab, cv2.COLOR_LAB2RGB)


def _square_box(points: np.ndarray, padding: float) -> tuple[int, int, int, int]:
    x0, y0 = points.min(axis=0)
    x1, y1 = points.max(axis=0)
    w, h = x1 - x0, y1 - y0
    side = max(w, h) * (1 + 2 * padding)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    half = side / 2
    return (int(math.floor(cx - half)), int(math.floor(cy - half)), int(math.ceil(cx + half)),
            int(math.ceil(cy + half)))


def _crop_resize(image: np.ndarray, box: tuple[int, int, int, int], size: int = CROP_SIZE) -> np.ndarray:
    x0, y0, x1, y1 = box
    scale = size / (x1 - x0)
    matrix = np.array([[scale, 0, -x0 * scale], [0, size / (y1 - y0), -y0 * size / (y1 - y0)]], dtype=np.float32)
    flags = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    return cv2.warpAffine(image, matrix, (size, size), flags=flags, borderMode=cv2.BORDER_REPLICATE)


def run_face_pipeline(image: np.ndarray, padding: float | dict[str, float] | None = None, clahe_clip: float = 2.0,
                      clahe_grid: int = 8, min_face: int = 64,
                      faces: Sequence[DetectedFace] | None = None) -> FacePipelineResult:
    """Run the whole pipeline on ``image`` ((H, W, 3) uint8 RGB; grayscale and RGBA are converted).

    Args:
        padding: fraction of a region's box added on every side (one value, or one per region).
        clahe_clip, clahe_grid: CLAHE clip limit and tile grid.
        min_face: smallest accepted face width/height in pixels.
        faces: the faces already detected in ``image`` (largest first, as :func:`xai.core.faces.detect_faces`
            returns them); None = run Face Mesh here.

    Raises:
        FaceError: no face, or a face too small for the region crops (plain message for the user).
        ValueError: not an image array.
    """
    rgb = np.ascontiguousarray(_as_rgb(image))
    faces = detect_faces(rgb) if faces is None else list(faces)
    if not faces:
        raise FaceError("No face was found in the image. Use a photo with one clearly visible, roughly frontal face.")
    face = faces[0]
    if min(face.width, face.height) < min_face:
        raise FaceError(f"The face is too small ({face.width:.0f}×{face.height:.0f} px); at least {min_face} px "
                        "are needed to crop the eyes, nose and mouth.")
    landmarks = face.landmarks
    left, right = eye_centres(landmarks)
    angle = math.degrees(math.atan2(right[1] - left[1], right[0] - left[0]))
    centre = (float((left[0] + right[0]) / 2), float((left[1] + right[1]) / 2))
    matrix = cv2.getRotationMatrix2D(centre, angle, 1.0)  # rotating by the eye-line angle levels it
    height, width = rgb.shape[:2]
    aligned = cv2.warpAffine(rgb, matrix, (width, height), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    aligned_landmarks = (np.c_[landmarks, np.ones(len(landmarks))] @ matrix.T).astype(np.float32)
    enhanced = clahe_rgb(aligned, clahe_clip, clahe_grid)

    pads = dict(DEFAULT_PADDING)
    if isinstance(padding, (int, float)):
        pads = {r: float(padding) for r in REGIONS}
    elif isinstance(padding, dict):
        pads.update(padding)
    crops = {}
    for region in REGIONS:
        box = _square_box(aligned_landmarks[list(REGION_LANDMARKS[region])], pads[region])
        if box[2] - box[0] < 8:
            raise FaceError(f"The face is too small to crop the {region.replace('_', ' ')} region.")
        crops[region] = RegionCrop(region, box, _crop_resize(enhanced, box))
    return FacePipelineResult(rgb, len(faces), landmarks, angle, aligned, aligned_landmarks, enhanced, crops,
                              tuple(faces))
