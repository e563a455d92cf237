"""Face parts as (H, W) boolean masks: convex hulls of MediaPipe Face Mesh index groups on a face's landmarks.

Used by face-part occlusion (:mod:`xai.explain.occlusion` via :mod:`xai.verify.parts`); the index groups are
those of :mod:`xai.core.landmarks`, plus the forehead and chin outlines defined here.
"""

from __future__ import annotations

import cv2
import numpy as np

from xai.core.landmarks import LEFT_BROW, LEFT_CHEEK, LEFT_EYE, NOSE, OUTER_LIPS, RIGHT_BROW, RIGHT_CHEEK, RIGHT_EYE

FOREHEAD = (10, 338, 297, 332, 284, 251, 21, 54, 103, 67, 109, 70, 63, 105, 66, 107, 336, 296, 334, 293, 300)
CHIN = (152, 148, 176, 149, 150, 136, 172, 58, 377, 400, 378, 379, 365, 397, 288, 17, 84, 181, 91, 146, 61, 291,
        375, 321, 405, 314, 200, 199, 175, 18)

#: Face part → its index groups (one convex hull each), in the order parts are reported.
FACE_PARTS: dict[str, tuple[tuple[int, ...], ...]] = {
    "forehead": (FOREHEAD,),
    "eyebrows": (LEFT_BROW, RIGHT_BROW),
    "eyes": (LEFT_EYE, RIGHT_EYE),
    "nose": (NOSE,),
    "cheeks": (LEFT_CHEEK, RIGHT_CHEEK),
    "mouth": (OUTER_LIPS,),
    "chin": (CHIN,),
}


def part_masks(landmarks: np.ndarray, shape: tuple[int, int]) -> dict[str, np.ndarray]:
    """Face part → (H, W) bool mask (union of the convex hulls of its index groups).

    Args:
        landmarks: (478, 2) float pixel (x, y) Face Mesh landmarks on the image the masks are for.
        shape: (H, W) of that image.
    """
    if landmarks.ndim != 2 or landmarks.shape[1] != 2 or len(landmarks) < 468:
        raise ValueError(f"expected (478, 2) Face Mesh landmarks, got shape {landmarks.shape}")
    masks = {}
    for part, groups in FACE_PARTS.items():
        mask = np.zeros(shape, np.uint8)
        for group in groups:
            hull = cv2.convexHull(np.round(landmarks[list(group)]).astype(np.int32))
            cv2.fillConvexPoly(mask, hull, 1)
        masks[part] = mask.astype(bool)
    return masks
