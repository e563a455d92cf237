"""Masking, confidence drop, SSIM and deletion/insertion curves on hand-made inputs."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from xai.explain.faithfulness import faithfulness_curves, heatmap_ssim, mask_top_k, top_k_mask


def test_masking_zeroes_exactly_the_top_k_percent_pixels():
    rng = np.random.default_rng(0)
    image = rng.integers(1, 256, size=(20, 10, 3), dtype=np.uint8)  # no zero pixels to start with
    heatmap = rng.random((20, 10)).astype(np.float32)
    masked, mask = mask_top_k(image, heatmap, 10.0)
    assert mask.sum() == 20  # 10 % of 200
    threshold = np.sort(heatmap.ravel())[-20]
    assert np.array_equal(mask, heatmap >= threshold)
    assert np.all(masked[mask] == 0)
    assert np.array_equal(masked[~mask], image[~mask])


def test_mask_percentage_is_validated_and_ties_are_deterministic():
    with pytest.raises(ValueError, match="percentage"):
        top_k_mask(np.zeros((4, 4)), 120)
    flat = np.zeros((4, 4), np.float32)
    assert np.array_equal(top_k_mask(flat, 25), top_k_mask(flat, 25))
    assert top_k_mask(flat, 25).ravel()[:4].all()  # ties broken by pixel order


def test_ssim_is_one_for_identical_maps_and_in_range_otherwise():
    rng = np.random.default_rng(1)
    a = rng.random((32, 32))
    assert heatmap_ssim(a, a) == pytest.approx(1.0)
    value = heatmap_ssim(a, 1 - a)
    assert -1.0 <= value < 0.0


def test_deletion_and_insertion_follow_the_explained_pixels():
    # The "model" scores the fraction of the left half that is intact (equal to the original checkerboard): a
    # heatmap that ranks the left half first must delete the score fast (low deletion AUC) and insert it fast
    # (high insertion AUC); deletion sets pixels to 0, insertion starts from a blurred copy.
    image = np.where((np.indices((8, 8)).sum(axis=0) % 2)[..., None] == 1, 250, 100).astype(np.uint8).repeat(3, 2)

    def score(batch: torch.Tensor) -> torch.Tensor:  # the score contract: (B, H, W, 3) float32 [0, 255] → (B,)
        return (batch[:, :, :4, 0] == torch.from_numpy(image[None, :, :4, 0]).float()).double().mean(dim=(1, 2))

    good = np.zeros((8, 8), np.float32)
    good[:, :4] = 1.0
    bad = 1.0 - good
    faithful = faithfulness_curves(image, good, score, steps=8, blur_sigma=0.5)
    unfaithful = faithfulness_curves(image, bad, score, steps=8, blur_sigma=0.5)
    assert faithful.deletion[0] == 1.0 and faithful.deletion[-1] == 0.0
    # deleting the left half first: score falls linearly to 0 by half-way → AUC = 0.5 · 0.5 = 0.25
    assert faithful.deletion_auc == pytest.approx(0.25)
    assert unfaithful.deletion_auc == pytest.approx(0.75)
    assert faithful.insertion[0] == 0.0 and faithful.insertion[-1] == 1.0
    assert faithful.insertion_auc == pytest.approx(0.75)  # rises linearly to 1 by half-way, then stays
    assert unfaithful.insertion_auc == pytest.approx(0.25)


def test_a_known_original_score_gives_the_same_curves_and_a_broken_score_function_is_rejected():
    rng = np.random.default_rng(2)
    image = rng.integers(0, 256, size=(12, 12, 3), dtype=np.uint8)
    heatmap = rng.random((12, 12)).astype(np.float32)

    def brightness(batch: torch.Tensor) -> torch.Tensor:
        return batch.mean(dim=(1, 2, 3)) / 255

    full = faithfulness_curves(image, heatmap, brightness, steps=4)
    known = faithfulness_curves(image, heatmap, brightness, steps=4, original_score=float(full.deletion[0]))
    np.testing.assert_array_equal(full.deletion, known.deletion)
    np.testing.assert_array_equal(full.insertion, known.insertion)
    assert full.deletion[-1] == 0.0 and full.deletion[0] == pytest.approx(image.mean() / 255, rel=1e-6)
    with pytest.raises(ValueError, match="scores for"):
        faithfulness_curves(image, heatmap, lambda batch: brightness(batch)[:1], steps=4)
