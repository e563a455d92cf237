"""A cam_layer whose output is channels-last (issue 15): the spec's ``cam_layout`` says so, and registration refuses
a layout that the hooked activation contradicts.

The faceres export is an NHWC TF.js graph: the exporter wraps every convolution in a Transpose pair, so the ONNX
node ``…mul_1/Conv`` outputs NCHW (B, 1024, 7, 7) and the Transpose right after it (``…mul_1/Transpose_1``) the
same tensor as NHWC (B, 7, 7, 1024). Read as NCHW, that activation gives a wrong CAM without any error; with
``cam_layout = "NHWC"`` its CAM equals the CAM at the NCHW node and the native faceres CAM at the same tensor.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from onnx_exports import FACERES_SPEC, REGION_SPEC, write_spec

from models.registry import load_model
from models.runtime.export import export_faceres_onnx, export_region_onnx
from models.spec import load_spec
from models.user import build_user_model
from xai.core.crops import model_crop
from xai.core.model_checks import ModelCheckError, cam_layout_problem, check_model
from xai.explain.cam import cam_maps
from xai.verify.score import score_function

NCHW_NODE = "/graph/conv_pw_13_bn__batchnorm_1__mul_1/Conv"
NHWC_NODE = "/graph/conv_pw_13_bn__batchnorm_1__mul_1/Transpose_1"
NATIVE_LAYER = "conv_pw_13_bn/batchnorm_1/mul_1"  # the native graph's node of that tensor (NHWC)


@pytest.fixture(scope="module")
def exported(tmp_path_factory, sample_index):
    folder = tmp_path_factory.mktemp("cam-layout")
    export_faceres_onnx(folder / "faceres.onnx")
    return folder


def faceres(exported, name: str, cam_layer: str, cam_layout: str | None):
    fields = {**FACERES_SPEC, "name": name, "file": str(exported / "faceres.onnx"), "cam_layer": cam_layer,
              "cam_layout": cam_layout}
    return build_user_model(load_spec(write_spec(exported / f"{name}.toml", **fields)))


@pytest.fixture(scope="module")
def pair(sample_images, sample_faces):
    native = load_model("faceres")
    probe = model_crop(native, sample_images["obama.jpg"], sample_faces["obama.jpg"])
    gallery = model_crop(native, sample_images["obama2.jpg"], sample_faces["obama2.jpg"])
    return probe, gallery


def similarity_cam(model, layer, pair, reshape) -> np.ndarray:
    probe, gallery = pair
    score = score_function(model, gallery, gradients=True)
    return cam_maps(score, model.module_for_cam(), layer, model.to_batch(probe[None]), reshape=reshape).maps[0]


def test_an_nhwc_cam_layer_declared_nchw_is_refused_with_the_field_to_set(exported):
    model = faceres(exported, "faceres-nhwc-wrong", NHWC_NODE, None)  # cam_layout defaults to NCHW
    assert model.spec.cam_layout == "NCHW" and model.differentiable
    with pytest.raises(ModelCheckError) as info:
        check_model(model)
    assert str(info.value) == (
        f"faceres-nhwc-wrong: the cam_layer '{NHWC_NODE}': its output (1, 7, 7, 1024) reads as NHWC (h × w = 7 × 7, "
        "C = 1024) for the square 224 × 224 input, but the spec's cam_layout is \"NCHW\" (C = 7, h × w = 7 × 1024); "
        "set cam_layout = \"NHWC\" in the spec")


def test_an_nchw_cam_layer_declared_nhwc_is_refused_too(exported):
    with pytest.raises(ModelCheckError, match=r"its output \(1, 1024, 7, 7\) reads as NCHW \(C = 1024, h × w = 7 × "
                                              r"7\) .* set cam_layout = \"NCHW\" \(or leave it out\) in the spec"):
        check_model(faceres(exported, "faceres-nchw-wrong", NCHW_NODE, "NHWC"))


def test_with_cam_layout_nhwc_the_cam_is_right(exported, pair):
    nhwc = faceres(exported, "faceres-nhwc", NHWC_NODE, "NHWC")
    checks = check_model(nhwc)
    assert checks.cam_activation == (1, 7, 7, 1024) and checks.cam_layout == "NHWC"
    assert "CAM layer output: 1×7×7×1024, read as NHWC" in checks.lines()
    nchw = faceres(exported, "faceres-nchw", NCHW_NODE, None)
    ours = similarity_cam(nhwc, nhwc.cam_layer(), pair, nhwc.cam_reshape)
    at_the_nchw_node = similarity_cam(nchw, nchw.cam_layer(), pair, nchw.cam_reshape)
    native = load_model("faceres")
    theirs = similarity_cam(native, native.cam_layer(NATIVE_LAYER), pair, native.cam_reshape)
    assert np.abs(ours - at_the_nchw_node).max() <= 1e-4
    assert np.abs(ours - theirs).max() <= 1e-4
    # what the field prevents: the same activation read as NCHW is a different, wrong map
    wrong = similarity_cam(nhwc, nhwc.cam_layer(), pair, None)
    assert np.abs(wrong - theirs).max() > 0.2


def test_a_cam_layer_that_is_no_feature_map_is_refused(tmp_path, sample_index):
    export_region_onnx(tmp_path / "region.onnx")
    fields = {**REGION_SPEC, "file": str(tmp_path / "region.onnx"), "cam_layer": "/fc/Gemm"}
    model = build_user_model(load_spec(write_spec(tmp_path / "region.toml", **fields)))
    with pytest.raises(ModelCheckError, match=r"region-onnx: the cam_layer '/fc/Gemm': its output is \(1, 2\), not a "
                                              r"4-D feature map \(B, C, h, w\) or \(B, h, w, C\): name a "
                                              r"convolution's \(or its activation's\) node as cam_layer"):
        check_model(model)


def test_the_page_refuses_the_mismatch_with_the_same_message(exported):
    from ui.add_model import build_session_model

    fields = {**FACERES_SPEC, "name": "faceres-page", "file": "faceres.onnx", "cam_layer": NHWC_NODE}
    text = write_spec(exported / "page.toml", **fields).read_text()
    with pytest.raises(ModelCheckError, match='set cam_layout = "NHWC" in the spec'):
        build_session_model(text, "page.toml", (exported / "faceres.onnx").read_bytes(), "faceres.onnx", "embedder")


@pytest.mark.parametrize(("shape", "layout", "refused"), [
    ((1, 512, 7, 7), "NCHW", False), ((1, 7, 7, 512), "NHWC", False), ((1, 7, 7, 512), "NCHW", True),
    ((1, 512, 7, 7), "NHWC", True), ((1, 7, 7, 7), "NCHW", False), ((1, 7, 7, 7), "NHWC", False),
    ((1, 64, 14, 7), "NCHW", False),  # neither reading is square: nothing to tell, nothing refused
])
def test_the_layout_rule_on_shapes(shape, layout, refused):
    assert bool(cam_layout_problem(shape, layout, 224)) is refused


def test_shipped_models_keep_their_cam_reshape():
    from models.tfjs_graph import nhwc_to_nchw

    assert load_model("faceres").cam_reshape is nhwc_to_nchw
    assert load_model("resnet18-cbam-full_face").cam_reshape is None
    x = torch.arange(24.0).reshape(1, 2, 3, 4)
    assert torch.equal(nhwc_to_nchw(x), x.permute(0, 3, 1, 2))
