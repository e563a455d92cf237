"""The seed's two square crops at the card centroid (seed 003 §3.2 step 1): L1 = 1120 and L2 = 448, each → 224.

A square that leaves the frame is padded with black (zeros) and the padded fraction is reported, so images
smaller than the crops (or cards near an edge) are handled and the user is told.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

L1, L2, INPUT_SIZE = 1120, 448, 224
REPORTED_PADDING = 0.01  # a sliver of padding (a card slightly off-centre in a 1200-px frame) is not worth a warning


@dataclass(frozen=True, slots=True)
class SquareCrop:
    """One square crop.

    Attributes:
        image: (size, size, 3) uint8 RGB, resized from the ``side`` × ``side`` square (INTER_AREA).
        side: side of the square in frame pixels.
        box: (x0, y0, x1, y1) of the square in frame pixels (may reach outside the frame).
        padded_fraction: fraction of the square outside the frame (filled with black), in [0, 1].
    """

    image: np.ndarray
    side: int
    box: tuple[int, int, int, int]
    padded_fraction: float


@dataclass(frozen=True, slots=True)
class CardCrops:
    """The L1 (spatial branch) and L2 (frequency branch) crops around ``centroid`` (x, y) in frame pixels."""

    l1: SquareCrop
    l2: SquareCrop
    centroid: tuple[float, float]
    frame_size: tuple[int, int]  # (width, height)

    @property
    def warnings(self) -> list[str]:
        """Plain sentences about crops of which at least :data:`REPORTED_PADDING` had to be padded."""
        out = []
        w, h = self.frame_size
        for name, c in (("L1", self.l1), ("L2", self.l2)):
            if c.padded_fraction >= REPORTED_PADDING:
                why = (f"the image ({w}×{h}) is smaller than the {c.side}×{c.side} square"
                       if min(w, h) < c.side else "the card centroid is near the edge")
                out.append(f"{name} crop: {c.padded_fraction:.0%} of the square lies outside the image ({why}); "
                           "it was padded with black.")
        return out


def square_crop(image: np.ndarray, centre: tuple[float, float], side: int, size: int = INPUT_SIZE) -> SquareCrop:
    """A ``side`` × ``side`` square centred at ``centre`` = (x, y), padded with black, resized to ``size``.

    Args:
        image: (H, W, 3) uint8 RGB.
        centre: (x, y) in pixels; may lie anywhere (even outside the frame).
        side: square side in pixels, ≥ 2.
        size: output side.

    Returns:
        :class:`SquareCrop`.
    """
    if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
        raise ValueError(f"expected an (H, W, 3) uint8 RGB image, got {image.shape} {image.dtype}")
    if side < 2:
        raise ValueError(f"side must be ≥ 2, got {side}")
    h, w = image.shape[:2]
    x0 = int(round(centre[0] - side / 2))
    y0 = int(round(centre[1] - side / 2))
    x1, y1 = x0 + side, y0 + side
    canvas = np.zeros((side, side, 3), np.uint8)
    sx0, sy0, sx1, sy1 = max(x0, 0), max(y0, 0), min(x1, w), min(y1, h)
    inside = 0
    if sx1 > sx0 and sy1 > sy0:
        canvas[sy0 - y0:sy1 - y0, sx0 - x0:sx1 - x0] = image[sy0:sy1, sx0:sx1]
        inside = (sx1 - sx0) * (sy1 - sy0)
    interp = cv2.INTER_AREA if side >= size else cv2.INTER_LINEAR
    resized = cv2.resize(canvas, (size, size), interpolation=interp)
    return SquareCrop(resized, side, (x0, y0, x1, y1), 1.0 - inside / float(side * side))


def card_crops(image: np.ndarray, centroid: tuple[float, float], l1: int = L1, l2: int = L2,
               size: int = INPUT_SIZE) -> CardCrops:
    """Both crops of the seed at ``centroid`` (x, y): L1 → the RGB branch, L2 → the FFT branch."""
    return CardCrops(square_crop(image, centroid, l1, size), square_crop(image, centroid, l2, size),
                     (float(centroid[0]), float(centroid[1])), (image.shape[1], image.shape[0]))


def parse_centroid(text: str) -> tuple[float, float]:
    """"X,Y" → (x, y); ValueError with the expected format otherwise."""
    parts = text.replace(" ", "").split(",")
    try:
        x, y = (float(p) for p in parts)
    except ValueError:
        raise ValueError(f"centroid must be 'X,Y' in pixels (e.g. 640,480), got {text!r}") from None
    return x, y
