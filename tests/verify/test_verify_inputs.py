"""xai.verify.inputs: a pair's photos go through decode_image, and an error names the photo."""

from __future__ import annotations

from pathlib import Path

import pytest

from xai.core.images import ImageInputError, decode_image
from xai.verify.inputs import decode_pair

SAMPLES = Path(__file__).resolve().parents[2] / "assets" / "samples"


def test_both_photos_are_decoded_like_any_upload(sample_index):
    probe, gallery = (SAMPLES / "obama.jpg").read_bytes(), (SAMPLES / "biden.jpg").read_bytes()
    decoded = decode_pair(probe, gallery)
    assert (decoded[0] == decode_image(probe)).all() and (decoded[1] == decode_image(gallery)).all()


@pytest.mark.parametrize(("probe", "gallery", "prefix"), [(b"", "ok", "Probe photo: "),
                                                          ("ok", b"not an image", "Gallery photo: ")])
def test_an_unreadable_photo_is_an_image_input_error_naming_it(sample_index, probe, gallery, prefix):
    good = (SAMPLES / "obama.jpg").read_bytes()
    with pytest.raises(ImageInputError) as error:
        decode_pair(good if probe == "ok" else probe, good if gallery == "ok" else gallery)
    assert str(error.value).startswith(prefix)
