"""Face detection, MediaPipe Face Mesh landmarks and similarity alignment to a 5-point template.

Images are (H, W, 3) uint8 RGB throughout. Landmarks are pixel coordinates (x, y) in the input image.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np

from xai.core.landmarks import LEFT_EYE_CORNERS, MOUTH_CORNERS, NOSE_TIP, RIGHT_EYE_CORNERS

# ArcFace / InsightFace 5-point template for a 112x112 crop: eye centres (image left, right), nose tip,
# mouth corners (image left, right).
ARCFACE_TEMPLATE_112 = np.array(
    [[38.2946, 51.6963], [73.5318, 51.5014], [56.0252, 71.7366], [41.5493, 92.3655], [70.7299, 92.2041]],
    dtype=np.float32,
)
class FaceError(ValueError):
    """No usable face in the image; the message is meant for the user."""


@dataclass(frozen=True, slots=True)
class DetectedFace:
    """One face found by MediaPipe Face Mesh.

    Attributes:
        landmarks: (478, 2) float32 pixel coordinates (468 mesh points + 10 iris points).
        box: (x0, y0, x1, y1) float pixel bounds of the landmarks, clipped to the image.
        five_points: (5, 2) float32: eye centres (image left, right), nose tip, mouth corners (left, right).
    """

    landmarks: np.ndarray
    box: tuple[float, float, float, float]
    five_points: np.ndarray

    @classmethod
    def from_landmarks(cls, landmarks: np.ndarray, image_shape: tuple[int, ...]) -> DetectedFace:
        """Build a face from (478, 2) pixel landmarks in an image of shape (H, W, ...)."""
        height, width = image_shape[:2]
        pts = np.asarray(landmarks, dtype=np.float32)
        x0, y0 = np.clip(pts.min(axis=0), 0, [width, height])
        x1, y1 = np.clip(pts.max(axis=0), 0, [width, height])
        five = np.stack([
            pts[list(LEFT_EYE_CORNERS)].mean(axis=0), pts[list(RIGHT_EYE_CORNERS)].mean(axis=0), pts[NOSE_TIP],
            pts[MOUTH_CORNERS[0]], pts[MOUTH_CORNERS[1]],
        ]).astype(np.float32)
        return cls(pts, (float(x0), float(y0), float(x1), float(y1)), five)

    @property
    def width(self) -> float:
        return self.box[2] - self.box[0]

    @property
    def height(self) -> float:
        return self.box[3] - self.box[1]


_MESH_LOCK = threading.Lock()


@lru_cache(maxsize=1)
def _face_mesh():
    import mediapipe as mp

    return mp.solutions.face_mesh.FaceMesh(
        static_image_mode=True, max_num_faces=8, refine_landmarks=True, min_detection_confidence=0.5
    )


@lru_cache(maxsize=1)
def _full_range_detector():
    import mediapipe as mp

    return mp.solutions.face_detection.FaceDetection(model_selection=1, min_detection_confidence=0.5)


def _mesh(image: np.ndarray) -> list[np.ndarray]:
    """(478, 2) pixel landmarks of every face Face Mesh finds in ``image`` on its own."""
    height, width = image.shape[:2]
    with _MESH_LOCK:  # a MediaPipe graph is not safe to call from two threads at once
        result = _face_mesh().process(np.ascontiguousarray(image))
    return [np.array([[p.x * width, p.y * height] for p in mesh.landmark], dtype=np.float32)
            for mesh in result.multi_face_landmarks or []]


def _small_face_boxes(image: np.ndarray) -> list[tuple[float, float, float, float]]:
    """Face boxes (x0, y0, x1, y1) from MediaPipe's full-range detector (finds faces down to ~2 % of the frame)."""
    height, width = image.shape[:2]
    with _MESH_LOCK:
        result = _full_range_detector().process(np.ascontiguousarray(image))
    boxes = []
    for detection in result.detections or []:
        b = detection.location_data.relative_bounding_box
        boxes.append((b.xmin * width, b.ymin * height, (b.xmin + b.width) * width, (b.ymin + b.height) * height))
    return boxes


def _inside(point: tuple[float, float], box: tuple[float, float, float, float]) -> bool:
    return box[0] <= point[0] <= box[2] and box[1] <= point[1] <= box[3]


def detect_faces(image: np.ndarray) -> list[DetectedFace]:
    """All faces in ``image`` ((H, W, 3) uint8 RGB), largest first. Empty list when there is none.

    Face Mesh runs on the whole image first (its own short-range detector finds faces that fill a good part of
    the frame). Faces that only the full-range detector sees — small faces in a group photo — are then meshed
    on a square crop around each (the face at about 40 % of the crop) and mapped back to image pixels.
    """
    if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
        raise ValueError(f"expected an (H, W, 3) uint8 RGB image, got {image.shape} {image.dtype}")
    faces = [DetectedFace.from_landmarks(points, image.shape) for points in _mesh(image)]
    height, width = image.shape[:2]
    for box in _small_face_boxes(image):
        centre = ((box[0] + box[2]) / 2, (box[1] + box[3]) / 2)
        if any(_inside(centre, f.box) for f in faces):
            continue
        side = 2.5 * max(box[2] - box[0], box[3] - box[1])
        x0, y0 = int(max(0, centre[0] - side / 2)), int(max(0, centre[1] - side / 2))
        x1, y1 = int(min(width, centre[0] + side / 2)), int(min(height, centre[1] + side / 2))
        crop = image[y0:y1, x0:x1]
        if min(crop.shape[:2]) < 16:
            continue
        scale = max(1.0, 256 / min(crop.shape[:2]))  # Face Mesh's detector needs a few dozen pixels per face
        if scale > 1:
            crop = cv2.resize(crop, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
        for points in _mesh(crop):
            mapped = points / scale + np.array([x0, y0], dtype=np.float32)
            if _inside(((mapped[:, 0].min() + mapped[:, 0].max()) / 2, (mapped[:, 1].min() + mapped[:, 1].max()) / 2),
                       box) and not any(_inside(tuple(mapped[1]), f.box) for f in faces):
                faces.append(DetectedFace.from_landmarks(mapped, image.shape))
    return sorted(faces, key=lambda f: f.width * f.height, reverse=True)


def largest_face(image: np.ndarray, min_size: int = 32) -> tuple[DetectedFace, int]:
    """The largest face and the number of faces found; :class:`FaceError` when none is usable."""
    faces = detect_faces(image)
    return usable_face(faces, min_size), len(faces)


def usable_face(faces: Sequence[DetectedFace], min_size: int = 32) -> DetectedFace:
    """The largest of ``faces`` (largest first, as :func:`detect_faces` returns them); :class:`FaceError` when
    there is none or it is smaller than ``min_size`` pixels."""
    if not faces:
        raise FaceError("No face was found in the image. Use a photo with one clearly visible, frontal face.")
    face = faces[0]
    if min(face.width, face.height) < min_size:
        raise FaceError(
            f"The face is too small ({face.width:.0f}×{face.height:.0f} px; at least {min_size} px needed)."
        )
    return face


def align_five_points(image: np.ndarray, five_points: np.ndarray, size: int, zoom: float = 1.0) -> np.ndarray:
    """Warp ``image`` so that ``five_points`` land on the ArcFace template scaled to ``size``.

    Args:
        image: (H, W, 3) uint8 RGB.
        five_points: (5, 2) float pixel coordinates in ``image``.
        size: side of the square output in pixels.
        zoom: < 1 shows more context around the face (the template is shrunk about the crop centre).

    Returns:
        (size, size, 3) uint8 RGB aligned crop.
    """
    template = (ARCFACE_TEMPLATE_112 - 56.0) * zoom + 56.0
    template = template * (size / 112.0)
    matrix, _ = cv2.estimateAffinePartial2D(five_points.astype(np.float32), template, method=cv2.LMEDS)
    if matrix is None:
        raise FaceError("The face landmarks are degenerate; the face cannot be aligned.")
    return cv2.warpAffine(image, matrix, (size, size), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def square_crop(image: np.ndarray, box: tuple[float, float, float, float], size: int,
                enlarge: float = 1.0) -> np.ndarray:
    """Square crop centred on ``box``, side ``enlarge`` × the box's longer side, resized to ``size``.

    Pixels outside the image are filled by edge replication. Returns (size, size, 3) uint8 RGB.
    """
    x0, y0, x1, y1 = box
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    half = max(x1 - x0, y1 - y0) * enlarge / 2
    scale = size / (2 * half)
    matrix = np.array([[scale, 0, size / 2 - cx * scale], [0, scale, size / 2 - cy * scale]], dtype=np.float32)
    return cv2.warpAffine(image, matrix, (size, size), flags=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_REPLICATE)
