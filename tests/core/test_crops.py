"""xai.core.crops: every model's crop made in one place from a face detected once; a photo is meshed once per page."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

import xai.core.faces as faces_module
from models.base import CropSpec
from models.registry import REGISTRY, load_model
from tests.conftest import SAMPLES
from xai.core.crops import model_crop
from xai.core.faces import align_five_points, square_crop
from xai.core.images import decode_image
from xai.core.regions import REGIONS, run_face_pipeline


def _digest(image: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(image).tobytes()).hexdigest()


@pytest.fixture
def mesh_calls(monkeypatch) -> list[str]:
    """SHA-256 of every image Face Mesh really runs on (the real ``_mesh``, wrapped with a counter)."""
    calls: list[str] = []
    real_mesh = faces_module._mesh

    def counted(image: np.ndarray) -> list[np.ndarray]:
        calls.append(_digest(image))
        return real_mesh(image)

    monkeypatch.setattr(faces_module, "_mesh", counted)
    return calls


def test_aligned_and_box_crops_are_the_declared_warps(sample_images, sample_faces):
    image, face = sample_images["obama.jpg"], sample_faces["obama.jpg"]
    faceres, antispoof = load_model("faceres"), load_model("human-antispoof")
    assert faceres.crop_spec.kind == "aligned" and antispoof.crop_spec.kind == "box"
    np.testing.assert_array_equal(model_crop(faceres, image, face),
                                  align_five_points(image, face.five_points, 224, faceres.crop_spec.zoom))
    np.testing.assert_array_equal(model_crop(antispoof, image, face),
                                  square_crop(image, face.box, 128, antispoof.crop_spec.enlarge))


@pytest.mark.parametrize("region", REGIONS)
def test_region_crop_is_the_seed_pipelines_crop_without_meshing_again(region, sample_images, sample_faces,
                                                                       mesh_calls):
    image, face = sample_images["biden.jpg"], sample_faces["biden.jpg"]
    model = load_model(f"resnet18-cbam-{region}")
    crop = model_crop(model, image, face)
    assert mesh_calls == [], "a region crop from a detected face must not run Face Mesh"
    pipeline = run_face_pipeline(image)  # meshes once, to compare with the seed's own pipeline
    assert len(mesh_calls) == 1
    assert crop.shape == (224, 224, 3) and crop.dtype == np.uint8
    np.testing.assert_array_equal(crop, pipeline.crops[region].image)
    np.testing.assert_array_equal(model_crop(model, image, face, regions=pipeline), crop)
    assert len(mesh_calls) == 1


def test_dlib_makes_its_own_crop_from_the_face_box(sample_images, sample_faces):
    image, face = sample_images["obama2.jpg"], sample_faces["obama2.jpg"]
    dlib = load_model("dlib-resnet")
    assert dlib.crop_spec.kind == "model" and "get_face_chip" in dlib.crop_spec.describe()
    crop = model_crop(dlib, image, face)
    assert crop.shape == (150, 150, 3) and crop.dtype == np.uint8
    np.testing.assert_array_equal(crop, dlib.own_crop(image, face.box))


def test_models_that_do_not_crop_faces_say_so(sample_images, sample_faces):
    image, face = sample_images["obama.jpg"], sample_faces["obama.jpg"]
    with pytest.raises(NotImplementedError, match="does not make its own crops"):
        load_model("faceres").own_crop(image, face.box)
    card_model = next(e.name for e in REGISTRY if e.role == "recapture")
    with pytest.raises(ValueError, match="'card' crops"):
        model_crop(load_model(card_model), image, face)
    with pytest.raises(ValueError, match="expected an \\(H, W, 3\\) uint8"):
        model_crop(load_model("faceres"), image.astype(np.float32), face)


def test_crop_spec_is_validated_data():
    with pytest.raises(ValueError, match="unknown crop kind 'dlib'; choose one of: aligned, box, region, model"):
        CropSpec(150, kind="dlib")
    with pytest.raises(ValueError, match="names its region"):
        CropSpec(224, kind="region")
    with pytest.raises(ValueError, match="names its region"):
        CropSpec(112, kind="aligned", region="eyes")
    assert CropSpec(224, kind="region", region="eyes").region == "eyes"


def test_verification_page_flow_meshes_each_photo_once(mesh_calls):
    """The verification page's library calls: decision, both gate strips, soft biometrics, influencing factors."""
    from xai.gates.run import run_gates
    from xai.verify.esb import pair_soft_biometrics
    from xai.verify.influence import factor_sweep
    from xai.verify.pipeline import explain_regions, verify_pair

    probe_bytes, gallery_bytes = (SAMPLES / "obama.jpg").read_bytes(), (SAMPLES / "obama2.jpg").read_bytes()
    probe, gallery = decode_image(probe_bytes), decode_image(gallery_bytes)
    result = verify_pair(probe, gallery, "faceres")
    assert sorted(mesh_calls) == sorted([_digest(probe), _digest(gallery)])
    strips = [run_gates(probe_bytes, job_id="t", faces=result.probe_faces),
              run_gates(gallery_bytes, job_id="t", faces=result.gallery_faces)]
    assert all(s.ok for s in strips)
    assert strips[0].appearance.face is result.probe_face  # the verified face is the one the gates judge
    rows = pair_soft_biometrics(probe, gallery, faces=(result.probe_face, result.gallery_face))
    assert rows and all(r.probe.gender == "male" for r in rows)
    factor_sweep(result, "blur", np.array([0.0, 1.0]))
    assert sorted(mesh_calls) == sorted([_digest(probe), _digest(gallery)]), "a photo was meshed twice"
    # face-part occlusion finds the parts on the model's crop (another image), once
    explain_regions(result)
    assert mesh_calls.count(_digest(probe)) == 1 and mesh_calls.count(_digest(gallery)) == 1
    assert mesh_calls[-1] == _digest(result.probe_crop) and len(mesh_calls) == 3


def test_gates_with_handed_on_faces_match_gates_that_detect(sample_images):
    from xai.gates.run import run_gates

    image = sample_images["astronaut.png"]
    detected = run_gates(image, job_id="t")
    handed = run_gates(image, job_id="t", faces=faces_module.detect_faces(image))
    assert [c.as_dict() for c in handed.checks] == [c.as_dict() for c in detected.checks]
    assert handed.decision == detected.decision
    none = run_gates(image, job_id="t", faces=[])
    assert not none.ok and none.error == "FaceError"


def test_spoof_page_flow_meshes_the_photo_once(mesh_calls):
    """The anti-spoofing page's library calls: the region explanation and its gate strip."""
    from xai.gates.run import run_gates
    from xai.spoof.explain import explain_spoof

    data = (SAMPLES / "biden.jpg").read_bytes()
    image = decode_image(data)
    explanation = explain_spoof(image, curve_steps=4)
    strip = run_gates(data, job_id="t", faces=explanation.face.faces)
    assert strip.ok and strip.appearance.faces_found == explanation.face.faces_found
    assert mesh_calls == [_digest(image)]
