"""Face-part occlusion: signs on a planted toy score, and a real pair."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from xai.faces import detect_faces
from xai.occlusion import FACE_PARTS, contribution_overlay, part_contributions, part_masks, supports_decision
from xai.verify import explain_regions, verify_pair


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


def test_planted_nose_score_gives_the_expected_signs(face_crop):
    result, landmarks = face_crop
    nose = torch.from_numpy(part_masks(landmarks, result.probe_crop.shape[:2])["nose"])
    original = torch.from_numpy(result.probe_crop.astype(np.float32))

    def nose_intact(batch: torch.Tensor) -> torch.Tensor:  # 1 when the nose is as in the original, less otherwise
        return 1 - (batch[:, nose] - original[nose]).abs().mean(dim=(1, 2)) / 255

    reference, parts = part_contributions(result.probe_crop, landmarks, nose_intact)
    by_part = {p.part: p for p in parts}
    assert reference == pytest.approx(1.0)
    assert by_part["nose"].delta_one < -0.01 and by_part["nose"].delta_only > 0.01
    assert abs(by_part["eyes"].delta_one) < 0.01 * abs(by_part["nose"].delta_one) + 1e-6
    assert supports_decision(by_part["nose"], accepted=True) and not supports_decision(by_part["nose"], False)


def test_real_pair_contributions_and_overlay(face_crop):
    result, _ = face_crop
    reference, parts, landmarks = explain_regions(result)
    assert reference == pytest.approx(result.cosine, abs=1e-4)
    assert len(parts) == len(FACE_PARTS)
    assert any(p.delta_one < 0 for p in parts)  # hiding some part of a genuine pair lowers the similarity
    picture = contribution_overlay(result.probe_crop, landmarks, parts, result.same_person)
    assert picture.shape == result.probe_crop.shape and not np.array_equal(picture, result.probe_crop)
