"""Face verification and its explainers on a user model (issue 15, item 7): the shipped faceres graph exported to
ONNX, registered with ``python -m xai models add`` in a user model folder of this module, run in onnxruntime.

Every explainer runs through the same code path as for the native faceres (TF.js graph in torch) and must agree
with it: the decisions on every sample pair, FV-RISE and CorrRISE maps at the same seed (Spearman ≥ 0.999),
face-part occlusion, and Similarity Grad-CAM through onnx2torch's conversion of the graph (≤ 1e-4). A model whose
spec names no CAM layer is refused with the reason the page shows; bf16 scoring falls back to fp32 and says why.
"""

from __future__ import annotations

import itertools
from dataclasses import replace

import numpy as np
import pytest
import torch
from onnx_exports import FACERES_SPEC, write_spec
from scipy.stats import spearmanr

from models.registry import invalidate_user_models, load_model, verification_embedders
from models.runtime.export import export_faceres_onnx
from models.spec import load_spec
from models.user import UserEmbedder, build_user_model
from xai.cli.main import main
from xai.explain.cam import cam_maps
from xai.verify.calibration import decision_threshold
from xai.verify.maps import cam_unavailable_reason, offered_explainers
from xai.verify.pipeline import explain_pair, explain_regions, similarity_cam, verify_pair
from xai.verify.score import score_function

SAMPLES = ["obama.jpg", "obama2.jpg", "obama3.jpg", "biden.jpg", "astronaut.png"]
USER = "faceres-onnx"
#: The ONNX node of faceres' last pointwise convolution (BatchNorm folded in): its output is NCHW (B, 1024, 7, 7),
#: between the Transpose pair the exporter puts around every convolution of the NHWC TF.js graph. The native
#: graph's node of the same tensor is NATIVE_LAYER (NHWC, read through ``cam_reshape``).
CAM_NODE = "/graph/conv_pw_13_bn__batchnorm_1__mul_1/Conv"
NATIVE_LAYER = "conv_pw_13_bn/batchnorm_1/mul_1"
MASKS = 256  # enough for a stable map at a fixed seed, ~6 s a map on one core


@pytest.fixture(scope="module")
def registered(tmp_path_factory, sample_index):
    """The faceres ONNX export registered as ``faceres-onnx`` (threshold = the one faceres decides with)."""
    exports, store = tmp_path_factory.mktemp("exports"), tmp_path_factory.mktemp("user-models")
    export_faceres_onnx(exports / "faceres.onnx")
    threshold = decision_threshold("faceres", load_model("faceres").threshold).threshold
    spec = write_spec(exports / "faceres.toml", **{**FACERES_SPEC, "file": str(exports / "faceres.onnx"),
                                                   "threshold": threshold, "cam_layer": CAM_NODE})
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("FACE_XAI_MODELS", str(store))
        assert main(["models", "add", str(spec)]) == 0
        yield exports
    invalidate_user_models()


@pytest.fixture(scope="module")
def pairs(registered, sample_images, sample_faces):
    """(probe, gallery) → (native faceres result, user model result) for every pair of sample portraits."""
    out = {}
    for a, b in itertools.combinations(SAMPLES, 2):
        faces = ([sample_faces[a]], [sample_faces[b]])
        out[a, b] = tuple(verify_pair(sample_images[a], sample_images[b], model, faces=faces)
                          for model in ("faceres", USER))
    return out


def test_the_registered_model_is_offered_and_loads_as_a_user_embedder(registered):
    assert USER in verification_embedders()
    model = load_model(USER)
    assert isinstance(model, UserEmbedder) and model.spec.format == "onnx" and model.differentiable


def test_every_sample_pair_gets_the_same_scores_and_decision(pairs):
    decisions = []
    for native, user in pairs.values():
        assert np.array_equal(native.probe_crop, user.probe_crop)  # same crop: the spec's arcface crop at 224
        assert abs(native.native_score - user.native_score) <= 1e-4 and abs(native.cosine - user.cosine) <= 1e-4
        assert user.threshold == native.threshold and user.same_person == native.same_person
        assert not user.calibration.calibrated and "no calibration" in user.calibration.text
        decisions.append(user.same_person)
    assert any(decisions) and not all(decisions)  # the pairs exercise both decisions


@pytest.mark.parametrize("explainer", ["fv-rise", "corr-rise"])
def test_rise_maps_at_the_same_seed_rank_as_the_native_models(pairs, explainer):
    native, user = pairs["obama.jpg", "obama2.jpg"]
    maps = [explain_pair(result, explainer, n_masks=MASKS, seed=3, precision="fp32") for result in (native, user)]
    assert all(m.masks_used == MASKS and m.precision == "fp32" for m in maps)
    assert abs(maps[0].reference_score - maps[1].reference_score) <= 1e-4
    assert spearmanr(maps[0].raw.ravel(), maps[1].raw.ravel())[0] >= 0.999


def test_auto_precision_keeps_fp32_for_onnxruntime_and_says_why(pairs):
    _native, user = pairs["obama.jpg", "biden.jpg"]
    result = explain_pair(user, "fv-rise", n_masks=16, precision="auto")
    assert result.precision == "fp32" and result.precision_check is None
    assert result.precision_detail == f"fp32 ({USER} runs in onnxruntime, which scores in float32 only)"
    with pytest.raises(ValueError, match="bf16 scoring is unavailable: faceres-onnx runs in onnxruntime"):
        explain_pair(user, "fv-rise", n_masks=16, precision="bf16")


def test_the_rise_fast_path_runs_in_onnxruntime_and_never_in_the_converted_graph(pairs):
    _native, user = pairs["obama.jpg", "obama2.jpg"]
    model = load_model(USER)
    layer, fired = model.cam_layer(), []  # builds the onnx2torch module, which gradient passes would run
    handle = layer.register_forward_hook(lambda *_: fired.append(1))
    try:
        scores = score_function(model, user.gallery_crop)(model.to_batch([user.probe_crop] * 3))
        with torch.enable_grad():
            score_function(model, user.gallery_crop, gradients=True)(model.to_batch(user.probe_crop[None]))
    finally:
        handle.remove()
    assert fired == [1] and not scores.requires_grad  # only the CAM score ran through torch
    assert np.allclose(scores.numpy(), user.cosine, atol=1e-5)


def test_face_part_occlusion_equals_the_native_models(pairs):
    native, user = pairs["obama.jpg", "obama3.jpg"]
    (ref_n, parts_n, marks_n), (ref_u, parts_u, marks_u) = explain_regions(native), explain_regions(user)
    assert abs(ref_n - ref_u) <= 1e-4 and np.array_equal(marks_n, marks_u)
    assert [p.part for p in parts_n] == [p.part for p in parts_u] and len(parts_u) >= 4
    for a, b in zip(parts_n, parts_u, strict=True):
        assert abs(a.delta_one - b.delta_one) <= 1e-4 and abs(a.delta_only - b.delta_only) <= 1e-4


@pytest.mark.parametrize("reverse", [False, True])
def test_similarity_grad_cam_through_onnx2torch_equals_the_native_graphs(pairs, reverse):
    native_result, user_result = pairs["obama.jpg", "obama2.jpg"]
    ours = similarity_cam(user_result, "grad-cam", reverse=reverse)  # the page's path, at the spec's cam_layer
    native = load_model("faceres")
    explained, other = ((native_result.gallery_crop, native_result.probe_crop) if reverse else
                        (native_result.probe_crop, native_result.gallery_crop))
    theirs = cam_maps(score_function(native, other, gradients=True), native.module_for_cam(),
                      native.cam_layer(NATIVE_LAYER), native.to_batch(explained[None]),
                      reshape=native.cam_reshape).maps[0]
    assert ours.shape == (224, 224) and ours.max() == pytest.approx(1.0, abs=1e-5)
    assert np.abs(ours - theirs).max() <= 1e-4


def test_a_model_without_cam_layer_is_refused_with_the_reason_the_page_shows(registered, pairs):
    spec = load_spec(write_spec(registered / "nocam.toml", **{**FACERES_SPEC, "name": "faceres-nocam",
                                                              "file": str(registered / "faceres.onnx")}))
    nocam = build_user_model(spec)  # held in memory, as an upload on the page is

    def loader(name):
        return nocam if name == "faceres-nocam" else load_model(name)

    held = replace(pairs["obama.jpg", "obama2.jpg"][1], model="faceres-nocam")  # the same pair, decided by it
    assert nocam.cam_unavailable_reason == "gradient CAMs are unavailable: the model's spec names no cam_layer"
    assert cam_unavailable_reason("faceres-nocam", loader) == nocam.cam_unavailable_reason  # what the page shows
    assert "cam" not in offered_explainers("faceres-nocam", loader) and "cam" in offered_explainers(USER)
    with pytest.raises(ValueError, match="faceres-nocam is a black box \\(gradient CAMs are unavailable: the "
                                         "model's spec names no cam_layer\\): use fv-rise or corr-rise"):
        similarity_cam(held, loader=loader)
    assert explain_pair(held, "fv-rise", n_masks=8, loader=loader).masks_used == 8  # forward-only still serves it


def test_an_uncalibrated_user_model_makes_no_decision_on_the_command_line(registered, capsys):
    # threshold = "calibrate": the CLI says there is no decision yet (and how to get one) instead of calling a
    # NaN comparison "different people", and its JSON stays valid (null, not NaN)
    import json

    spec = write_spec(registered / "uncalibrated.toml", **{**FACERES_SPEC, "name": "faceres-uncalibrated",
                                                           "file": str(registered / "faceres.onnx"),
                                                           "threshold": "calibrate"})
    from conftest import SAMPLES as SAMPLE_DIR

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("FACE_XAI_MODELS", str(registered.parent / "uncalibrated-store"))
        invalidate_user_models()
        assert main(["models", "add", str(spec)]) == 0
        capsys.readouterr()
        pair = [str(SAMPLE_DIR / "obama.jpg"), str(SAMPLE_DIR / "obama2.jpg")]
        assert main(["verify", *pair, "--model", "faceres-uncalibrated", "--explainer", "none"]) == 0
        text = capsys.readouterr().out
        assert "no decision" in text and "calibrate verify" in text and "DIFFERENT" not in text
        assert main(["verify", *pair, "--model", "faceres-uncalibrated", "--explainer", "none", "--json"]) == 0
        summary = json.loads(capsys.readouterr().out, parse_constant=lambda name: pytest.fail(f"{name} in JSON"))
        assert summary["threshold"] is None and summary["same_person"] is None
        assert summary["native_score"] > 0.7  # the same score as faceres: only the decision is withheld
    invalidate_user_models()
