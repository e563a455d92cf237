"""Verification with an embedder only the caller's loader holds (a model uploaded in a browser session, not
registered): the same pipeline, maps menu and decision rule as for registry models (issue 15, items 2 and 4)."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest
from onnx_exports import FACERES_SPEC, write_spec

from models.registry import load_model
from models.runtime.export import export_faceres_onnx
from models.spec import CALIBRATE, parse_spec
from models.user import build_user_model
from xai.verify.maps import cam_unavailable_reason, offered_explainers
from xai.verify.pipeline import verify_pair


@pytest.fixture(scope="module")
def upload(tmp_path_factory):
    """(spec, model bytes): faceres exported to ONNX and its spec parsed as an upload (no folder to resolve)."""
    folder = tmp_path_factory.mktemp("held")
    model_bytes = export_faceres_onnx(folder / "faceres.onnx").read_bytes()
    return parse_spec(write_spec(folder / "spec.toml", **FACERES_SPEC).read_text(), None), model_bytes


@pytest.fixture(scope="module")
def held(upload):
    """The upload built from bytes, as the "Add your model" panel does."""
    return build_user_model(*upload)


def loader_with(model):
    return lambda name: model if name == model.name else load_model(name)


def test_a_held_embedder_decides_as_the_native_model(held, sample_images):
    loader = loader_with(held)
    for probe, gallery in (("obama.jpg", "obama2.jpg"), ("obama.jpg", "biden.jpg")):
        own = verify_pair(sample_images[probe], sample_images[gallery], "faceres-onnx", loader=loader)
        native = verify_pair(sample_images[probe], sample_images[gallery], "faceres")
        assert own.model == "faceres-onnx" and own.same_person == native.same_person
        assert abs(own.cosine - native.cosine) <= 1e-4 and own.threshold == native.threshold == 0.52


def test_a_held_embedder_without_cam_layer_offers_no_cam_and_says_why(held):
    loader = loader_with(held)
    assert offered_explainers("faceres-onnx", loader) == ["fv-rise", "corr-rise", "regions"]
    assert "names no cam_layer" in cam_unavailable_reason("faceres-onnx", loader)
    assert cam_unavailable_reason("faceres") == "" and "cam" in offered_explainers("faceres")
    assert "black box" in cam_unavailable_reason("dlib-resnet")


def test_registered_models_the_registry_does_not_offer_stay_refused_whatever_the_loader(held, sample_images):
    with pytest.raises(ValueError, match="not offered for verification"):
        verify_pair(sample_images["obama.jpg"], sample_images["obama2.jpg"], "mobilefacenet", loader=loader_with(held))
    with pytest.raises(ValueError, match="unknown model 'nobody'"):
        verify_pair(sample_images["obama.jpg"], sample_images["obama2.jpg"], "nobody", loader=loader_with(held))


def test_an_uncalibrated_held_embedder_has_no_threshold_and_accepts_nothing(upload, sample_images):
    spec, model_bytes = upload
    uncalibrated = build_user_model(replace(spec, name="faceres-uncalibrated", threshold=CALIBRATE), model_bytes)
    result = verify_pair(sample_images["obama.jpg"], sample_images["obama2.jpg"], "faceres-uncalibrated",
                         loader=loader_with(uncalibrated))
    assert math.isnan(result.threshold) and not result.same_person and result.cosine > 0.62
    assert "states no threshold" in result.calibration.text
