"""Face-part masks from Face Mesh landmarks on a real model crop."""

from __future__ import annotations

import numpy as np
import pytest

from xai.core.face_parts import FACE_PARTS, part_masks
from xai.core.faces import detect_faces
from xai.verify.pipeline import verify_pair


@pytest.fixture(scope="module")
def face_crop(sample_images):
    result = verify_pair(sample_images["obama.jpg"], sample_images["obama2.jpg"], "faceres")
    return result, detect_faces(result.probe_crop)[0].landmarks


def test_parts_are_disjoint_enough_and_inside_the_crop(face_crop):
    result, landmarks = face_crop
    masks = part_masks(landmarks, result.probe_crop.shape[:2])
    assert set(masks) == set(FACE_PARTS)
    assert all(m.sum() > 50 for m in masks.values())
    assert (masks["nose"] & masks["mouth"]).sum() < 0.2 * masks["mouth"].sum()


def test_landmarks_of_the_wrong_shape_are_rejected():
    with pytest.raises(ValueError, match="Face Mesh landmarks"):
        part_masks(np.zeros((68, 2)), (112, 112))
