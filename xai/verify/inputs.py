"""The two photos of a verification pair, decoded from file bytes the one safe way (:mod:`xai.core.images`)."""

from __future__ import annotations

import numpy as np

from xai.core.images import ImageInputError, decode_image


def decode_pair(probe: bytes, gallery: bytes) -> tuple[np.ndarray, np.ndarray]:
    """(probe, gallery) as (H, W, 3) uint8 RGB, upright.

    Raises:
        ImageInputError: a file is not a usable image; the message starts with "Probe photo: " or
            "Gallery photo: " so the user knows which one.
    """
    images = []
    for side, data in (("Probe", probe), ("Gallery", gallery)):
        try:
            images.append(decode_image(data))
        except ImageInputError as exc:
            raise ImageInputError(f"{side} photo: {exc}") from exc
    return images[0], images[1]
