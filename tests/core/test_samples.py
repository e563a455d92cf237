"""The sample portraits (xai.core.samples): the index, the pixels, the home page's thumbnails, the bona fide pool."""

from __future__ import annotations

import cv2
import numpy as np

from xai.core import samples


def test_index_lists_the_files_in_the_samples_folder(sample_index):
    entries = samples.sample_index()
    assert entries == sample_index  # the fixture reads index.json directly
    assert all((samples.SAMPLES_DIR / e["file"]).is_file() for e in entries)
    assert all({"file", "identity", "license"} <= set(e) for e in entries)


def test_sample_image_is_the_decoded_rgb_photo(sample_images):
    for name, expected in sample_images.items():
        image = samples.sample_image(name)
        assert image.dtype == np.uint8 and image.shape == expected.shape and expected.shape[2] == 3
        assert np.array_equal(image, expected)


def test_thumbnail_is_the_upper_square_fitted_in_the_box(sample_images):
    for name, image in sample_images.items():
        thumb = samples.sample_thumbnail(name, box=64)
        assert thumb.dtype == np.uint8 and thumb.shape == (64, 64, 3), name
        h, w = image.shape[:2]
        side = min(h, w)
        x0 = 0 if h > w else (w - side) // 2  # portrait: the top square; landscape: the centred square
        square = cv2.resize(image[:side, x0:x0 + side], (64, 64), interpolation=cv2.INTER_AREA)
        assert np.abs(square.astype(int) - thumb).mean() < 6, name


def test_bona_fide_pool_is_one_square_face_crop_per_sample(sample_index):
    pool = samples.bona_fide_pool(size=96, context=2.0)
    assert sorted(pool) == sorted(e["file"] for e in sample_index)
    assert all(crop.shape == (96, 96, 3) and crop.dtype == np.uint8 for crop in pool.values())
