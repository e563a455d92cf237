"""The seed 000 face pipeline on the real sample portraits."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest

from xai.core.faces import FaceError
from xai.core.landmarks import OUTER_LIPS
from xai.core.regions import REGIONS, eye_centres, run_face_pipeline


@pytest.fixture(scope="module")
def results(sample_images):
    return {name: run_face_pipeline(image) for name, image in sample_images.items()}


def inside(box, points) -> bool:
    x0, y0, x1, y1 = box
    return bool(np.all((points[:, 0] >= x0) & (points[:, 0] <= x1) & (points[:, 1] >= y0) & (points[:, 1] <= y1)))


def test_region_crops_contain_their_landmarks(results):
    for result in results.values():
        lm = result.aligned_landmarks
        left, right = eye_centres(lm)
        assert inside(result.crops["eyes"].box, np.stack([left, right]))
        assert inside(result.crops["mouth"].box, lm[list(OUTER_LIPS)])
        assert inside(result.crops["nose"].box, lm[[1]])  # nose tip
        assert inside(result.crops["full_face"].box, lm[:468])
        assert all(result.crops[r].image.shape == (224, 224, 3) and result.crops[r].image.dtype == np.uint8
                   for r in REGIONS)
        assert result.faces_found == 1


def eye_angle(landmarks) -> float:
    left, right = eye_centres(landmarks)
    return math.degrees(math.atan2(right[1] - left[1], right[0] - left[0]))


def test_alignment_levels_the_eye_line(results):
    for result in results.values():
        assert abs(eye_angle(result.aligned_landmarks)) < 1.0
        assert result.rotation_deg == pytest.approx(eye_angle(result.landmarks), abs=1e-3)


def test_a_rotated_photo_is_levelled(sample_images):
    image = sample_images["obama.jpg"]
    h, w = image.shape[:2]
    rotated = cv2.warpAffine(image, cv2.getRotationMatrix2D((w / 2, h / 2), 15, 1.0), (w, h),
                             borderMode=cv2.BORDER_REPLICATE)
    result = run_face_pipeline(rotated)
    assert abs(eye_angle(result.aligned_landmarks)) < 1.0
    assert abs(result.rotation_deg - run_face_pipeline(image).rotation_deg) == pytest.approx(15, abs=3)


def test_padding_grows_the_boxes(sample_images):
    small = run_face_pipeline(sample_images["biden.jpg"], padding=0.05).crops
    large = run_face_pipeline(sample_images["biden.jpg"], padding=0.30).crops
    for region in REGIONS:
        assert large[region].box[2] - large[region].box[0] > small[region].box[2] - small[region].box[0]


def test_clahe_raises_local_contrast(results):
    r = results["obama.jpg"]
    x0, y0, x1, y1 = r.crops["full_face"].box
    before = cv2.cvtColor(r.aligned[y0:y1, x0:x1], cv2.COLOR_RGB2GRAY).std()
    after = cv2.cvtColor(r.enhanced[y0:y1, x0:x1], cv2.COLOR_RGB2GRAY).std()
    assert after > before


def test_no_face_and_tiny_face_are_typed_errors(sample_images):
    with pytest.raises(FaceError, match="No face"):
        run_face_pipeline(np.full((480, 640, 3), 127, np.uint8))
    image = sample_images["obama.jpg"]
    tiny = cv2.resize(image, (image.shape[1] // 12, image.shape[0] // 12), interpolation=cv2.INTER_AREA)
    with pytest.raises(FaceError) as error:
        run_face_pipeline(tiny)
    assert str(error.value) and "Traceback" not in str(error.value)


def test_grayscale_and_rgba_inputs_work_and_results_are_deterministic(sample_images):
    image = sample_images["astronaut.png"]
    grey = run_face_pipeline(cv2.cvtColor(image, cv2.COLOR_RGB2GRAY))
    rgba = run_face_pipeline(cv2.cvtColor(image, cv2.COLOR_RGB2RGBA))
    assert grey.crops["nose"].image.shape == rgba.crops["nose"].image.shape == (224, 224, 3)
    a, b = run_face_pipeline(image), run_face_pipeline(image)
    assert all(np.array_equal(a.crops[r].image, b.crops[r].image) for r in REGIONS)
    with pytest.raises(ValueError):
        run_face_pipeline(np.zeros((10, 10, 5), np.uint8))


def test_steps_are_displayable_images(results):
    steps = results["biden.jpg"].steps()
    assert [title.split(" · ")[1].split(" ")[0] for title, _ in steps] == ["landmarks", "aligned", "CLAHE", "regions"]
    assert all(img.ndim == 3 and img.shape[2] == 3 and min(img.shape[:2]) > 50 for _, img in steps)


def test_pipeline_on_faces_already_detected_is_the_same_without_meshing_again(sample_images, results, monkeypatch):
    import xai.core.faces as faces_module

    image = sample_images["obama3.jpg"]
    detected = faces_module.detect_faces(image)
    monkeypatch.setattr(faces_module, "_mesh", lambda _image: pytest.fail("Face Mesh ran again"))
    again = run_face_pipeline(image, faces=detected)
    before = results["obama3.jpg"]
    assert again.faces == tuple(detected) and again.face is detected[0] and again.faces_found == before.faces_found
    np.testing.assert_array_equal(again.landmarks, before.landmarks)
    for region in REGIONS:
        np.testing.assert_array_equal(again.crops[region].image, before.crops[region].image)
    with pytest.raises(FaceError, match="No face"):
        run_face_pipeline(image, faces=[])
