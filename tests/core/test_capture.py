"""The shared camera and display model (xai.core.capture): hand-derived values on tiny inputs, and a neutral
camera that leaves an image as it was."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from xai.core.capture import (
    MIN_SIDE,
    CaptureParams,
    capture,
    check_image,
    check_rng,
    grid,
    motion_kernel,
    noise,
    prepare_source,
    smoothstep_mask,
    subpixel_tables,
    to_uint8,
)

NEUTRAL = CaptureParams(flip=False, zoom=1.0, shift=(0.0, 0.0), brightness=0.0, contrast=1.0, gamma=1.0,
                        temperature=0.0, blur_kind="none", blur_sigma=0.0, motion_length=3, motion_angle=0.0,
                        noise_sigma=0.0, jpeg_quality=100)


def smooth_image(h: int = 96, w: int = 128) -> np.ndarray:
    yy, xx = np.mgrid[0:h, 0:w]
    base = 128 + 70 * np.sin(xx / 17.0) * np.cos(yy / 23.0)
    return np.clip(np.stack([base, base * 0.8 + 30, 255 - base], axis=-1), 0, 255).astype(np.uint8)


def test_to_uint8_rounds_half_up_and_clips():
    assert to_uint8(np.array([-3.0, 0.49, 0.5, 127.5, 254.6, 300.0])).tolist() == [0, 0, 1, 128, 255, 255]


def test_smoothstep_mask_is_half_on_the_edge_and_saturates_half_a_softness_away():
    d = np.array([-1.0, -0.35, 0.0, 0.35, 1.0], np.float32)
    assert smoothstep_mask(d, 0.7).tolist() == pytest.approx([0.0, 0.0, 0.5, 1.0, 1.0])


def test_grid_gives_row_and_column_coordinates_read_only():
    yy, xx = grid(2, 3)
    assert yy.tolist() == [[0, 0, 0], [1, 1, 1]] and xx.tolist() == [[0, 1, 2], [0, 1, 2]]
    assert yy.dtype == np.float32 and not yy.flags.writeable and not xx.flags.writeable


def test_noise_is_zero_mean_unit_std_and_seeded():
    a = noise(np.random.default_rng(0), (256, 256))
    assert a.dtype == np.float32 and abs(a.mean()) < 0.01 and a.std() == pytest.approx(1.0, abs=0.01)
    assert np.array_equal(a, noise(np.random.default_rng(0), (256, 256)))


def test_horizontal_motion_kernel_is_one_row_of_equal_weights():
    kernel = motion_kernel(5, 0.0)
    assert kernel.shape == (5, 5) and kernel.sum() == pytest.approx(1.0)
    assert kernel[2].tolist() == pytest.approx([0.2] * 5) and np.abs(np.delete(kernel, 2, axis=0)).max() == 0


def test_subpixel_tables_have_mean_one_and_put_red_green_blue_in_thirds():
    stripes, rows = subpixel_tables(8.0, 0.3, 0.2)
    assert stripes.shape == (256, 3) and rows.shape == (256,)
    assert stripes.mean(axis=0) == pytest.approx([1.0, 1.0, 1.0]) and rows.mean() == pytest.approx(1.0)
    # Stripe c is centred at phase (c + 0.5) / 3; the black matrix (gap 0.3) darkens the thirds' boundaries.
    assert [int(np.argmax(stripes[:, c])) // 86 for c in range(3)] == [0, 1, 2]
    assert stripes[0].max() == 0 and rows[0] == 0 and rows[128] == rows.max()
    assert not stripes.flags.writeable


def test_a_neutral_camera_keeps_the_image_and_a_flip_mirrors_it():
    image = smooth_image()
    same = capture(image, NEUTRAL, np.random.default_rng(0))
    assert same.shape == image.shape and same.dtype == np.uint8
    assert np.abs(same.astype(int) - image).mean() < 1.0  # JPEG at quality 100 only
    mirrored = capture(image, dataclasses.replace(NEUTRAL, flip=True), np.random.default_rng(0))
    assert np.abs(mirrored.astype(int) - image[:, ::-1]).mean() < 1.0


def test_brightness_shifts_every_level():
    image = np.full((64, 64, 3), 100, np.uint8)
    brighter = capture(image, dataclasses.replace(NEUTRAL, brightness=20.0), np.random.default_rng(0))
    assert np.abs(brighter.astype(int) - 120).max() <= 1


def test_draw_uses_a_fixed_number_of_draws():
    a, b = np.random.default_rng(3), np.random.default_rng(3)
    CaptureParams.draw(a)
    b.random(13)
    b.integers(40, 96)
    assert a.random() == b.random()


def test_inputs_are_validated_with_typed_errors():
    with pytest.raises(TypeError, match="numpy array"):
        check_image([[0, 0, 0]])
    with pytest.raises(ValueError, match="uint8"):
        check_image(np.zeros((40, 40, 3), np.float32))
    with pytest.raises(ValueError, match=f"at least {MIN_SIDE} px"):
        check_image(np.zeros((MIN_SIDE - 1, 40, 3), np.uint8))
    with pytest.raises(TypeError, match="Generator"):
        check_rng(np.random.RandomState(0))
    with pytest.raises(ValueError, match="max_side"):
        prepare_source(smooth_image(), max_side=8)


def test_prepare_source_downscales_the_longer_side_only_when_needed():
    image = smooth_image(96, 128)
    assert prepare_source(image, max_side=200) is image
    assert prepare_source(image, max_side=64).shape == (48, 64, 3)
