"""xai.verify.panel: the verification panel PNG, checked pixel by pixel on flat tiles."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from xai.verify.panel import verification_panel_png


def test_tiles_are_resized_and_placed_left_to_right():
    red = np.zeros((112, 112, 3), np.uint8)
    red[..., 0] = 255
    green = np.zeros((300, 200, 3), np.uint8)
    green[..., 1] = 200
    grey = np.full((224, 224, 3), 77, np.uint8)
    panel = np.asarray(Image.open(io.BytesIO(verification_panel_png([red, green, grey]))))
    assert panel.shape == (224, 3 * 224, 3)
    np.testing.assert_array_equal(panel[:, :224], np.broadcast_to([255, 0, 0], (224, 224, 3)))
    np.testing.assert_array_equal(panel[:, 224:448], np.broadcast_to([0, 200, 0], (224, 224, 3)))
    np.testing.assert_array_equal(panel[:, 448:], grey)


def test_the_tile_size_can_be_chosen():
    panel = Image.open(io.BytesIO(verification_panel_png([np.zeros((50, 50, 3), np.uint8)] * 2, tile=64)))
    assert panel.size == (128, 64) and panel.mode == "RGB"


@pytest.mark.parametrize("tiles", [[], [np.zeros((50, 50), np.uint8)], [np.zeros((50, 50, 3), np.float32)]])
def test_no_tile_or_a_tile_that_is_not_rgb_uint8_is_a_value_error(tiles):
    with pytest.raises(ValueError, match="tile"):
        verification_panel_png(tiles)
