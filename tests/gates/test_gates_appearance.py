"""Face-appearance gates: biggest face and count, no face, pose directions, occlusion of painted-over regions."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from xai.core.faces import FaceError
from xai.gates import build_response, run_gates, validate_response
from xai.gates.appearance import face_appearance
from xai.gates.thresholds import GateThresholds

T = GateThresholds()
FAST = ("human-liveness",)  # a real shipped model that runs in milliseconds


def test_two_faces_the_bigger_is_chosen_and_the_count_reported(sample_images, sample_faces):
    big = sample_images["obama.jpg"]
    small = cv2.resize(sample_images["biden.jpg"], None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
    canvas = np.full((max(big.shape[0], small.shape[0]), big.shape[1] + small.shape[1], 3), 255, np.uint8)
    canvas[:big.shape[0], :big.shape[1]] = big
    canvas[:small.shape[0], big.shape[1]:] = small
    report = face_appearance(canvas, T)
    assert report.faces_found == 2
    alone = sample_faces["obama.jpg"]
    assert report.face.box[0] < big.shape[1]  # the face on the left, Obama's
    assert report.face_w == pytest.approx(alone.width, rel=0.05)
    result = run_gates(canvas, T, models=FAST)
    assert result.ok and result.appearance.faces_found == 2
    assert result.checks[3].name == "faces_found" and result.checks[3].verdict == "doubt"  # the seed wants 1 face
    assert build_response(result)["explanations"]["face_appearance"]["faces_found"] == 2


def test_no_face_gives_ok_false_with_a_message():
    wall = np.full((480, 640, 3), 128, np.uint8)
    with pytest.raises(FaceError):
        face_appearance(wall, T)
    result = run_gates(wall, T, models=FAST)
    assert not result.ok and "No face" in result.message
    response = build_response(result)
    validate_response(response)
    assert response["ok"] is False and response["message"].startswith("No face")
    assert response["job"]["result"]["status"] == "failed" and response["job"]["result"]["result"] == []


def test_face_size_is_reported_against_a_configurable_minimum(sample_images):
    seed_default = face_appearance(sample_images["biden.jpg"], T)  # Biden's face is about 292×341 px
    assert not seed_default.pass_min_face_size and seed_default.face_w < 300
    relaxed = face_appearance(sample_images["biden.jpg"], T.with_changes(min_face_w=250, min_face_h=250))
    assert relaxed.pass_min_face_size and (relaxed.face_w, relaxed.face_h) == (seed_default.face_w, seed_default.face_h)


def test_pose_signs_follow_mirroring_and_rotation(sample_images):
    image = sample_images["obama2.jpg"]  # a face turned to one side
    pose = face_appearance(image, T).pose
    mirrored = face_appearance(np.ascontiguousarray(image[:, ::-1]), T).pose
    assert abs(pose.yaw) > 10
    assert np.sign(mirrored.yaw) == -np.sign(pose.yaw)
    assert abs(mirrored.yaw + pose.yaw) < 6
    frontal = sample_images["obama.jpg"]
    level = face_appearance(frontal, T)
    assert abs(level.pose.yaw) < 10 and abs(level.pose.roll) < 5 and level.frontal and level.vertical
    h, w = frontal.shape[:2]
    turned = cv2.warpAffine(frontal, cv2.getRotationMatrix2D((w / 2, h / 3), -25, 1.0), (w, h),
                            borderMode=cv2.BORDER_REPLICATE)  # 25° clockwise
    rolled = face_appearance(turned, T)
    assert rolled.pose.roll == pytest.approx(level.pose.roll + 25, abs=5)
    assert not rolled.frontal and rolled.tilt_from_vertical == pytest.approx(25, abs=5)


@pytest.mark.parametrize("name", ["obama.jpg", "biden.jpg", "astronaut.png"])
def test_painted_over_regions_are_reported_occluded(name, sample_images, sample_faces):
    image, landmarks = sample_images[name], sample_faces[name].landmarks
    clean = face_appearance(image, T)
    assert not clean.occluded, clean.occlusion

    def box(indices, pad):
        pts = landmarks[list(indices)]
        (x0, y0), (x1, y1) = pts.min(0).astype(int) - pad, pts.max(0).astype(int) + pad
        return slice(y0, y1), slice(x0, x1)

    pad = max(4, int(sample_faces[name].width * 0.04))
    masked = image.copy()
    masked[box((61, 291, 0, 17), pad)] = (90, 140, 200)  # a blue mask over the mouth
    occluded = {o.region: o.score for o in face_appearance(masked, T).occlusion}
    assert occluded["mouth"] > 0.5 and occluded["left_eye"] < 0.5 and occluded["forehead"] < 0.5
    glasses = image.copy()
    glasses[box((33, 263, 159, 145, 386, 374), pad)] = (20, 20, 25)  # a dark bar over both eyes
    report = face_appearance(glasses, T)
    assert {"left_eye", "right_eye"} <= set(report.occluded) and "mouth" not in report.occluded
    assert any("occluded" in p for p in report.problems)
