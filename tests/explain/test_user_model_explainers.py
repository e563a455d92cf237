"""Anti-spoofing explainers and the gates' liveness score on a user model (issue 15, item 7): the shipped
ResNet18-CBAM full-face net exported to ONNX, registered with ``python -m xai models add`` in a user model folder
of this module.

Forward passes run in onnxruntime, CAMs through onnx2torch's conversion of the graph at the spec's ``cam_layer``
(the ONNX node of layer4.1's output), by the same functions as for the native model: the maps of every gradient
and activation CAM method, Algorithm 1's confidence drop and faithfulness curves, and the liveness score agree with
the native net on the same crops within 1e-4.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from conftest import registered_user_model
from onnx_exports import REGION_SPEC, write_spec

from models.registry import load_model, names
from models.runtime.export import export_region_onnx
from models.user import UserSpoofClassifier
from xai.core.crops import model_crop
from xai.core.regions import run_face_pipeline
from xai.gates.decision import liveness_score
from xai.gates.run import run_gates
from xai.gates.thresholds import GateThresholds
from xai.spoof.explain import explain_spoof, explain_unit, spoof_cam
from xai.spoof.score import score_function

SAMPLES = ["obama.jpg", "biden.jpg", "astronaut.png"]
USER = "region-onnx"
NATIVE = "resnet18-cbam-full_face"


@pytest.fixture(scope="module")
def registered(tmp_path_factory, sample_index):
    """The region net's ONNX export registered as ``region-onnx`` (a spoof model with a loose box crop)."""
    exports, store = tmp_path_factory.mktemp("exports"), tmp_path_factory.mktemp("user-models")
    export_region_onnx(exports / "region.onnx")
    spec = write_spec(exports / "region.toml", **{**REGION_SPEC, "file": str(exports / "region.onnx")})
    with registered_user_model(spec, store, USER) as model:
        yield model


@pytest.fixture(scope="module")
def region_crops(sample_images, sample_faces):
    """(B, 224, 224, 3) float32: the native model's own seed 000 full-face crops of the samples."""
    native = load_model(NATIVE)
    crops = [model_crop(native, sample_images[f], sample_faces[f],
                        run_face_pipeline(sample_images[f], faces=[sample_faces[f]])) for f in SAMPLES]
    return native.to_batch(crops)


def test_the_registered_model_is_a_differentiable_spoof_classifier(registered):
    assert USER in names("spoof") and isinstance(registered, UserSpoofClassifier)
    assert registered.differentiable and registered.cam_unavailable_reason == ""
    assert registered.target_layer == REGION_SPEC["cam_layer"]


@pytest.mark.parametrize("method", ["grad-cam", "grad-cam++", "layer-cam", "eigen-cam"])
def test_spoof_cams_at_the_onnx_node_equal_the_native_cams_at_layer4_1(registered, region_crops, method):
    native = load_model(NATIVE)
    for target in (None, 0):  # the predicted class, then the attack class for every crop
        ours = spoof_cam(registered, region_crops, target, method)  # the spec's cam_layer
        theirs = spoof_cam(load_model(NATIVE), region_crops, target, method, native.target_layer)  # "layer4.1"
        assert ours.targets == theirs.targets
        assert (ours.outputs - theirs.outputs).abs().max() <= 1e-4
        assert ours.maps.shape == (len(SAMPLES), 224, 224) and np.abs(ours.maps - theirs.maps).max() <= 1e-4


def test_algorithm_1_on_the_user_model_equals_the_native_model(registered, region_crops):
    crop = region_crops[0].numpy().astype(np.uint8)
    ours, theirs = explain_unit(registered, "full_face", crop), explain_unit(load_model(NATIVE), "full_face", crop)
    assert ours.model == USER and ours.predicted == theirs.predicted
    assert np.abs(ours.heatmap - theirs.heatmap).max() <= 1e-4
    for field in ("confidence", "bona_fide_probability", "masked_confidence", "confidence_drop"):
        assert abs(getattr(ours, field) - getattr(theirs, field)) <= 1e-4, field
    assert np.abs(ours.masked_heatmap - theirs.masked_heatmap).max() <= 1e-4 and abs(ours.ssim - theirs.ssim) <= 1e-3
    # the curves delete pixels in heatmap order: heatmaps 1e-4 apart swap a few pixels at a step's rank boundary
    for curve in ("deletion", "insertion"):
        assert np.abs(getattr(ours.curves, curve) - getattr(theirs.curves, curve)).max() <= 1e-2, curve
        assert abs(getattr(ours.curves, f"{curve}_auc") - getattr(theirs.curves, f"{curve}_auc")) <= 2e-3, curve


def test_forward_only_scores_run_in_onnxruntime_and_gradients_in_the_converted_graph(registered, region_crops):
    native = load_model(NATIVE)
    with torch.no_grad():
        ours = score_function(registered)(region_crops)
        assert not ours.requires_grad
        assert (ours - score_function(native)(region_crops)).abs().max() <= 1e-4
    with torch.enable_grad():
        assert score_function(registered)(region_crops).requires_grad  # the CAM path: onnx2torch's module


def test_the_page_explains_a_user_model_as_a_one_unit_family(registered, sample_images, sample_faces):
    image = sample_images["obama.jpg"]
    explanation = explain_spoof(image, family=USER)
    (unit,) = explanation.regions
    crop = model_crop(registered, image, sample_faces["obama.jpg"])  # the spec's box crop, margin 0.2
    assert np.array_equal(unit.crop, crop) and unit.model == USER
    native = explain_unit(load_model(NATIVE), unit.region, crop)
    assert unit.predicted == native.predicted and abs(unit.confidence - native.confidence) <= 1e-4
    assert np.abs(unit.heatmap - native.heatmap).max() <= 1e-4


def test_the_gates_liveness_score_with_the_user_model_equals_the_native_net_on_its_crop(registered, sample_images,
                                                                                         sample_faces):
    native = load_model(NATIVE)
    for name in SAMPLES:
        image, face = sample_images[name], sample_faces[name]
        ours = liveness_score(image, face, GateThresholds(), models=[USER])
        with torch.no_grad():
            expected = float(native.bona_fide_probability(native.to_batch([model_crop(registered, image, face)]))[0])
        assert abs(ours.per_model[USER] - expected) <= 1e-4 and abs(ours.liveness - expected) <= 1e-4
        both = liveness_score(image, face, GateThresholds(), models=[NATIVE, USER])
        assert both.liveness == pytest.approx((both.per_model[NATIVE] + ours.liveness) / 2, abs=1e-6)
    gates = run_gates(sample_images["obama.jpg"], models=(USER,), faces=[sample_faces["obama.jpg"]])
    assert gates.ok, gates.message
    assert gates.liveness.per_model == liveness_score(sample_images["obama.jpg"], sample_faces["obama.jpg"],
                                                      GateThresholds(), models=[USER]).per_model
