"""The Face verification panel as one PNG: the two model inputs, then every shown map, side by side."""

from __future__ import annotations

import io
from collections.abc import Sequence

import numpy as np
from PIL import Image

TILE = 224  # pixels per side of each tile in the panel


def verification_panel_png(tiles: Sequence[np.ndarray], tile: int = TILE) -> bytes:
    """PNG bytes of ``tiles`` ((H, W, 3) uint8 RGB each, e.g. probe crop, gallery crop, map overlays) resized to
    ``tile`` × ``tile`` and placed left to right: a (tile, tile · len(tiles), 3) RGB image.

    Raises:
        ValueError: no tiles, or a tile that is not an (H, W, 3) uint8 image.
    """
    if not tiles:
        raise ValueError("the panel needs at least one tile (the probe and gallery crops)")
    for index, picture in enumerate(tiles):
        if picture.dtype != np.uint8 or picture.ndim != 3 or picture.shape[2] != 3:
            raise ValueError(f"tile {index} must be (H, W, 3) uint8 RGB, got {picture.shape} {picture.dtype}")
    row = np.concatenate([np.asarray(Image.fromarray(t).resize((tile, tile))) for t in tiles], axis=1)
    buffer = io.BytesIO()
    Image.fromarray(row).save(buffer, format="PNG")
    return buffer.getvalue()
