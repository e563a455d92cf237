"""Region occlusion on tiny analytic score functions (hand-derived values), and on the shipped ID-card model."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import torch

from xai.explain.occlusion import FILLS, occlude_regions, region_masks

H, W = 4, 5


def total(batch: torch.Tensor) -> torch.Tensor:
    """s(x) = Σ x / (3 · 255): a linear score, so every occlusion's change is the removed pixel sum."""
    return batch.double().sum(dim=(1, 2, 3)) / (3 * 255)


@pytest.fixture
def segments() -> np.ndarray:
    ids = np.zeros((H, W), np.int32)
    ids[:2, :2] = 1  # 4 pixels
    ids[:, 3:] = 2  # 8 pixels; the rest (8 pixels) belongs to no region
    return ids


@pytest.fixture
def flat() -> np.ndarray:
    return np.full((H, W, 3), 51, np.uint8)  # 51 / 255 = 0.2 per pixel and channel


def test_zero_fill_deltas_are_the_removed_pixel_sums(flat, segments):
    # s = 20 px · 3 · 51 / 765 = 4.0; each pixel is worth 0.2. Region 1: 4 px → Δ = −0.8; region 2: 8 px → −1.6.
    # All regions hidden: 4 − 2.4 = 1.6; region 1 alone: region 2 hidden, 4 − 1.6 = 2.4 → Δ_alone = +0.8.
    result = occlude_regions(flat, segments, total, fill="zero", names=("a", "b"), alone=True)
    assert result.regions == ("a", "b")
    assert result.reference == pytest.approx(4.0)
    np.testing.assert_allclose(result.occluded, [3.2, 2.4])
    np.testing.assert_allclose(result.delta, [-0.8, -1.6])
    np.testing.assert_allclose(result.area, [0.2, 0.4])
    assert result.baseline == pytest.approx(1.6)
    np.testing.assert_allclose(result.alone, [2.4, 3.2])
    np.testing.assert_allclose(result.delta_alone, [0.8, 1.6])


def test_mean_fill_moves_each_region_to_the_image_mean_colour():
    # Left half 0, right half 200: the mean colour is 100. s = mean pixel value.
    image = np.zeros((2, 4, 3), np.uint8)
    image[:, 2:] = 200
    halves = {"left": np.zeros((2, 4), bool), "right": np.zeros((2, 4), bool)}
    halves["left"][:, :2] = True
    halves["right"][:, 2:] = True
    result = occlude_regions(image, halves, lambda b: b.mean(dim=(1, 2, 3)), fill="mean")
    assert result.reference == pytest.approx(100.0)
    np.testing.assert_allclose(result.delta, [50.0, -50.0])  # 0 → 100 raises the mean, 200 → 100 lowers it
    assert result.baseline is None and result.alone is None and result.delta_alone is None


def test_blur_fill_keeps_a_flat_image_and_removes_texture():
    flat = np.full((24, 24, 3), 90, np.uint8)
    everything = {"all": np.ones((24, 24), bool)}
    assert occlude_regions(flat, everything, total, fill="blur").delta[0] == pytest.approx(0.0)
    checker = np.where((np.indices((24, 24)).sum(axis=0) % 2)[..., None] == 1, 255, 0).astype(np.uint8).repeat(3, 2)

    def texture(batch: torch.Tensor) -> torch.Tensor:  # mean absolute horizontal step: 255 on the checkerboard
        return (batch[:, :, 1:] - batch[:, :, :-1]).abs().mean(dim=(1, 2, 3))

    result = occlude_regions(checker, everything, texture, fill="blur", sigma=3.0)
    assert result.reference == pytest.approx(255.0)
    assert result.delta[0] < -250  # σ = 3 px leaves almost no pixel-to-pixel contrast
    blurred = cv2.GaussianBlur(checker, (0, 0), 3.0).astype(np.float32)
    assert result.occluded[0] == pytest.approx(float(texture(torch.from_numpy(blurred)[None])[0]))


def test_segment_ids_and_named_masks_give_the_same_result(flat, segments):
    image = flat.copy()
    image[1, 3] = 200  # make the two regions differ
    by_ids = occlude_regions(image, segments, total, fill="zero", names=("a", "b"), alone=True)
    by_masks = occlude_regions(image, {"a": segments == 1, "b": segments == 2}, total, fill="zero", alone=True)
    assert by_ids.regions == by_masks.regions
    np.testing.assert_array_equal(by_ids.delta, by_masks.delta)
    np.testing.assert_array_equal(by_ids.delta_alone, by_masks.delta_alone)
    unnamed = region_masks(segments, (H, W))
    assert list(unnamed) == ["1", "2"] and np.array_equal(unnamed["2"], segments == 2)


@pytest.mark.parametrize("batch_size", [1, 2, 3, None])
def test_batching_does_not_change_the_result(flat, segments, batch_size):
    seen = []

    def recording(batch: torch.Tensor) -> torch.Tensor:
        seen.append(len(batch))
        return total(batch)

    expected = occlude_regions(flat, segments, total, fill="zero", alone=True)
    result = occlude_regions(flat, segments, recording, fill="zero", alone=True, batch_size=batch_size)
    assert sum(seen) == 1 + 2 + 1 + 2  # reference, one hidden per region, all hidden, one alone per region
    assert max(seen) == (batch_size or 6)
    np.testing.assert_array_equal(result.delta, expected.delta)
    np.testing.assert_array_equal(result.delta_alone, expected.delta_alone)


def test_a_known_reference_is_not_scored_again(flat, segments):
    seen = []
    result = occlude_regions(flat, segments, lambda b: (seen.append(len(b)), total(b))[1], fill="zero",
                             reference=10.0)
    assert seen == [2] and result.reference == 10.0
    np.testing.assert_allclose(result.delta, [3.2 - 10.0, 2.4 - 10.0])


def test_invalid_regions_fills_and_score_functions_fail_precisely(flat, segments):
    with pytest.raises(ValueError, match="bool mask"):
        occlude_regions(flat, {"a": np.ones((H, W + 1), bool)}, total)
    with pytest.raises(ValueError, match="bool mask"):
        occlude_regions(flat, {"a": np.ones((H, W), np.uint8)}, total)
    with pytest.raises(ValueError, match="integer"):
        occlude_regions(flat, segments.astype(np.float32), total)
    with pytest.raises(ValueError, match="≥ 0"):
        occlude_regions(flat, -segments, total)
    with pytest.raises(ValueError, match=", ".join(FILLS)):
        occlude_regions(flat, segments, total, fill="noise")
    with pytest.raises(ValueError, match="no regions"):
        occlude_regions(flat, {}, total)
    with pytest.raises(ValueError, match="scores for"):
        occlude_regions(flat, segments, lambda b: total(b)[:1])
    with pytest.raises(ValueError, match="batch_size"):
        occlude_regions(flat, segments, total, batch_size=0)


def test_card_zones_on_the_shipped_model_equal_scoring_the_blurred_frames_directly():
    from models.registry import load_model
    from xai.idcard.explain import (
        OCCLUSION_SIGMA,
        card_quad_around,
        occlude_zones,
        zone_masks,
    )
    from xai.idcard.score import predict_frames, score_function
    from xai.idcard.synth import ZONE_NAMES, demo_pair

    sample = demo_pair("obama.jpg")[1]
    net = load_model("idcard-vgg16-fft").net
    frame_size = (sample.image.shape[1], sample.image.shape[0])
    labels = zone_masks(card_quad_around(sample.centroid, frame_size), frame_size)
    base = float(predict_frames(net, [sample.image], sample.centroid)[0])
    zones = occlude_zones(score_function(net, sample.centroid), sample.image, labels, base)
    blurred = cv2.GaussianBlur(sample.image, (0, 0), OCCLUSION_SIGMA)
    frames = [np.where((labels == i + 1)[..., None], blurred, sample.image) for i in range(len(ZONE_NAMES))]
    direct = predict_frames(net, frames, sample.centroid)
    assert [z.zone for z in zones] == list(ZONE_NAMES)
    assert [z.p_spoof for z in zones] == [float(p) for p in direct]
    assert [z.delta for z in zones] == [float(p) - base for p in direct]
