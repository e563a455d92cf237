"""Face-part contributions (seed 001 §III.D): signs on a planted toy score, and a real pair on faceres."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from xai.core.face_parts import FACE_PARTS, part_masks
from xai.core.faces import detect_faces
from xai.verify.parts import contribution_overlay, part_contributions, supports_decision
from xai.verify.pipeline import explain_regions, verify_pair


@pytest.fixture(scope="module")
def face_crop(sample_images):
    result = verify_pair(sample_images["obama.jpg"], sample_images["obama2.jpg"], "faceres")
    return result, detect_faces(result.probe_crop)[0].landmarks


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


def test_mean_fill_contributions_match_a_hand_computed_linear_score(face_crop):
    # s(x) = mean over the nose's pixels and channels: hiding the nose moves s to the crop's mean colour's mean,
    # hiding any part disjoint from the nose leaves it; the parts' "only" images all keep the nose hidden but one.
    result, landmarks = face_crop
    crop = result.probe_crop
    masks = part_masks(landmarks, crop.shape[:2])
    nose = torch.from_numpy(masks["nose"])
    reference, parts = part_contributions(crop, landmarks, lambda batch: batch[:, nose].mean(dim=(1, 2)))
    nose_mean = float(crop[masks["nose"]].astype(np.float64).mean())
    fill_mean = float(crop.reshape(-1, 3).mean(axis=0).astype(np.float32).mean())
    by_part = {p.part: p for p in parts}
    assert reference == pytest.approx(nose_mean, abs=1e-3)
    assert by_part["nose"].delta_one == pytest.approx(fill_mean - nose_mean, abs=1e-3)
    assert by_part["nose"].delta_only == pytest.approx(nose_mean - fill_mean, abs=1e-3)
    disjoint = [part for part, mask in masks.items() if not (mask & masks["nose"]).any()]
    assert disjoint and all(by_part[part].delta_one == pytest.approx(0.0, abs=1e-4) for part in disjoint)


def test_real_pair_contributions_and_overlay(face_crop):
    result, _ = face_crop
    reference, parts, landmarks = explain_regions(result)
    assert reference == pytest.approx(result.cosine, abs=1e-4)
    assert len(parts) == len(FACE_PARTS)
    assert any(p.delta_one < 0 for p in parts)  # hiding some part of a genuine pair lowers the similarity
    picture = contribution_overlay(result.probe_crop, landmarks, parts, result.same_person)
    assert picture.shape == result.probe_crop.shape and not np.array_equal(picture, result.probe_crop)
