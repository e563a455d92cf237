"""Image-quality and input-specification gates on the sample portraits and their degraded copies.

Expectations come from the direction of each degradation, not from the code's output: a blurred copy loses
sharpness only, a darkened copy brightness only (contrast 1 − p2/p98 is exposure-invariant), a flattened copy
contrast.
"""

from __future__ import annotations

import io

import cv2
import numpy as np
import pytest
from PIL import Image

from xai.gates.input_spec import check_input_spec, estimate_jpeg_quality
from xai.gates.quality import face_quality
from xai.gates.thresholds import GateThresholds

T = GateThresholds()
SAMPLES = ("obama.jpg", "biden.jpg", "obama3.jpg")


def blurred(image: np.ndarray, face_width: float, sigma_at_256: float) -> np.ndarray:
    """Gaussian blur of ``sigma_at_256`` px at a face width of 256 px."""
    return cv2.GaussianBlur(image, (0, 0), sigma_at_256 * face_width / 256)


def darkened(image: np.ndarray, gain: float) -> np.ndarray:
    return np.clip(image.astype(np.float32) * gain, 0, 255).astype(np.uint8)


def flattened(image: np.ndarray, gain: float) -> np.ndarray:
    x = image.astype(np.float32)
    mean = x.mean(axis=(0, 1))
    return np.clip(mean + (x - mean) * gain, 0, 255).astype(np.uint8)


@pytest.mark.parametrize("name", SAMPLES)
def test_original_samples_pass_every_quality_measure(name, sample_images, sample_faces):
    q = face_quality(sample_images[name], sample_faces[name].landmarks, T)
    assert set(q.verdicts.values()) == {"accept"}, (name, q)
    assert not q.doubt and all(q.passed.values())
    assert all(0.0 <= v <= 1.0 for v in (q.sharpness, q.contrast, q.brightness))


@pytest.mark.parametrize("name", SAMPLES)
def test_heavy_blur_rejects_sharpness_and_nothing_else(name, sample_images, sample_faces):
    face = sample_faces[name]
    original = face_quality(sample_images[name], face.landmarks, T)
    mild = face_quality(blurred(sample_images[name], face.width, 1.0), face.landmarks, T)
    heavy = face_quality(blurred(sample_images[name], face.width, 8.0), face.landmarks, T)
    assert original.sharpness > mild.sharpness > heavy.sharpness
    assert mild.verdicts["sharpness"] == "accept"  # a slight softening is still fine
    assert heavy.verdicts["sharpness"] == "reject" and not heavy.passed["sharpness"]
    assert heavy.verdicts["brightness"] == "accept"
    assert abs(heavy.brightness - original.brightness) < 0.02


@pytest.mark.parametrize("name", SAMPLES)
def test_darkening_rejects_brightness_but_keeps_contrast(name, sample_images, sample_faces):
    face = sample_faces[name]
    original = face_quality(sample_images[name], face.landmarks, T)
    dark = face_quality(darkened(sample_images[name], 0.3), face.landmarks, T)
    assert dark.verdicts["brightness"] == "reject"
    assert dark.brightness == pytest.approx(original.brightness * 0.3, abs=0.03)
    assert dark.verdicts["contrast"] == "accept" and dark.verdicts["sharpness"] == "accept"


@pytest.mark.parametrize("name", SAMPLES)
def test_flattening_rejects_contrast(name, sample_images, sample_faces):
    face = sample_faces[name]
    flat = face_quality(flattened(sample_images[name], 0.3), face.landmarks, T)
    assert flat.verdicts["contrast"] == "reject" and not flat.passed["contrast"]
    assert flat.verdicts["sharpness"] != "reject"


def test_moderate_degradations_land_in_doubt(sample_images, sample_faces):
    """Halfway degradations cross into the doubt band before the reject band (obama.jpg)."""
    image, face = sample_images["obama.jpg"], sample_faces["obama.jpg"]
    assert face_quality(blurred(image, face.width, 4.0), face.landmarks, T).verdicts["sharpness"] == "doubt"
    assert face_quality(darkened(image, 0.6), face.landmarks, T).verdicts["brightness"] != "reject"
    assert face_quality(darkened(image, 0.45), face.landmarks, T).verdicts["brightness"] == "doubt"


@pytest.mark.parametrize("quality", [30, 60, 80, 95])
def test_jpeg_quality_is_recovered_from_libjpeg_tables(quality, sample_images):
    buffer = io.BytesIO()
    Image.fromarray(sample_images["obama.jpg"]).save(buffer, format="JPEG", quality=quality)
    with Image.open(io.BytesIO(buffer.getvalue())) as im:
        estimate = estimate_jpeg_quality(im.quantization)
    assert estimate.quality == quality and estimate.mean_abs_error == 0.0


def test_input_spec_reports_value_and_pass_or_warn(sample_images):
    image = sample_images["obama.jpg"]  # 910×1137 = 1.03 MP
    low = io.BytesIO()
    Image.fromarray(image).save(low, format="JPEG", quality=50)
    report = check_input_spec(low.getvalue(), image.shape, T)
    verdicts = {c.name: c.verdict for c in report.checks}
    assert verdicts["megapixels"] == "warn" and report.megapixels == pytest.approx(910 * 1137 / 1e6)
    assert verdicts["jpeg_quality"] == "warn" and report.jpeg.quality == 50
    assert verdicts["file_size"] == ("pass" if 100e3 <= len(low.getvalue()) <= 2e6 else "warn")
    big = np.ascontiguousarray(cv2.resize(image, (1820, 2274)))
    hq = io.BytesIO()
    Image.fromarray(big).save(hq, format="JPEG", quality=90)
    verdicts = {c.name: c.verdict for c in check_input_spec(hq.getvalue(), big.shape, T).checks}
    assert verdicts["megapixels"] == "pass" and verdicts["jpeg_quality"] == "pass"
    tiny = io.BytesIO()
    Image.fromarray(image[:64, :64]).save(tiny, format="PNG")
    spec = check_input_spec(tiny.getvalue(), (64, 64, 3), T)
    assert {c.name: c.verdict for c in spec.checks} == {"file_size": "warn", "megapixels": "warn",
                                                         "jpeg_quality": "n/a"}
