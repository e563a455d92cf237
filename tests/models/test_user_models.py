"""User models (issue 15) on real exported models and real sample faces: equal to the native models, deterministic,
CAM-ready where they convert, and every bad model file refused with one precise message."""

from __future__ import annotations

import io
import math

import numpy as np
import pytest
import torch
from onnx_exports import FACERES_SPEC, REGION_SPEC, tiny_onnx, write_spec

import models.user as user
from models.base import FaceEmbedder, SpoofClassifier
from models.registry import load_model
from models.runtime.export import export_faceres_onnx, export_region_onnx
from models.runtime.onnx import session_options
from models.spec import load_spec
from models.user import ModelFileError, UserEmbedder, UserSpoofClassifier, build_user_model
from xai.core.crops import model_crop

SAMPLES = ["obama.jpg", "obama2.jpg", "obama3.jpg", "biden.jpg", "astronaut.png"]


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    folder = tmp_path_factory.mktemp("exported")
    export_faceres_onnx(folder / "faceres.onnx")
    export_region_onnx(folder / "region.onnx")
    return folder


@pytest.fixture(scope="module")
def faceres_user(exported):
    return build_user_model(load_spec(write_spec(exported / "faceres.toml", **FACERES_SPEC)))


@pytest.fixture(scope="module")
def region_user(exported):
    return build_user_model(load_spec(write_spec(exported / "region.toml", **REGION_SPEC)))


def native_crops(name, sample_images, sample_faces):
    model = load_model(name)
    return model.to_batch([model_crop(model, sample_images[f], sample_faces[f]) for f in SAMPLES])


def test_the_exported_faceres_embeds_as_the_native_model(faceres_user, sample_images, sample_faces):
    native = load_model("faceres")
    x = native_crops("faceres", sample_images, sample_faces)
    assert isinstance(faceres_user, UserEmbedder) and isinstance(faceres_user, FaceEmbedder)
    with torch.no_grad():
        ours, theirs = faceres_user.embed(x), native.embed(x)
        assert (ours - theirs).abs().max() <= 1e-4
        assert torch.allclose(ours.norm(dim=1), torch.ones(len(SAMPLES)), atol=1e-5)
        d_ours, d_theirs = faceres_user.descriptors(x), native.descriptors(x)
    assert faceres_user.dimension == 1024 and faceres_user.threshold == 0.52 and faceres_user.calibrated
    for i in range(len(SAMPLES)):  # the same decisions on every pair
        for j in range(i + 1, len(SAMPLES)):
            a = float(faceres_user.native_score(d_ours[i:i + 1], d_ours[j:j + 1]))
            b = float(native.native_score(d_theirs[i:i + 1], d_theirs[j:j + 1]))
            assert abs(a - b) <= 1e-4 and faceres_user.is_match(a) == native.is_match(b)


def test_the_exported_region_net_classifies_as_the_native_model(region_user, sample_images, sample_faces):
    native = load_model("resnet18-cbam-full_face")
    x = native_crops("resnet18-cbam-full_face", sample_images, sample_faces)
    assert isinstance(region_user, UserSpoofClassifier) and isinstance(region_user, SpoofClassifier)
    with torch.no_grad():
        assert (region_user.bona_fide_probability(x) - native.bona_fide_probability(x)).abs().max() <= 1e-4
        assert (region_user.two_class_logits(x) - native.two_class_logits(x)).abs().max() <= 1e-4
        assert (region_user.bona_fide_logit(x) - native.bona_fide_logit(x)).abs().max() <= 1e-4


def test_onnx_runs_are_bit_identical_when_repeated(faceres_user, region_user, sample_images, sample_faces):
    x = native_crops("faceres", sample_images, sample_faces)
    y = native_crops("resnet18-cbam-full_face", sample_images, sample_faces)
    with torch.no_grad():
        assert torch.equal(faceres_user.descriptors(x), faceres_user.descriptors(x))
        assert torch.equal(region_user.two_class_logits(y), region_user.two_class_logits(y))
        # batch-size invariance: one at a time gives the same values
        single = torch.cat([region_user.two_class_logits(y[i:i + 1]) for i in range(len(y))])
    assert (single - region_user.two_class_logits(y)).abs().max() <= 1e-5


def test_the_session_uses_torch_threads_one_inter_op_thread_and_deterministic_kernels(faceres_user):
    options = faceres_user._runner.session.get_session_options()
    assert options.intra_op_num_threads == torch.get_num_threads()
    assert options.inter_op_num_threads == 1 and options.use_deterministic_compute
    assert session_options(3).intra_op_num_threads == 3


def test_a_calibrate_threshold_is_nan_until_calibrated(exported):
    spec = load_spec(write_spec(exported / "cal.toml", **{**FACERES_SPEC, "threshold": "calibrate"}))
    model = build_user_model(spec)
    assert math.isnan(model.threshold) and not model.calibrated and not model.is_match(0.99)


def test_a_converting_onnx_model_gives_a_hookable_cam_module_equal_to_onnxruntime(region_user, sample_images,
                                                                                   sample_faces):
    x = native_crops("resnet18-cbam-full_face", sample_images, sample_faces)[:2]
    assert region_user.differentiable and region_user.cam_unavailable_reason == ""
    layer = region_user.cam_layer()
    assert isinstance(layer, torch.nn.Module) and layer in set(region_user.module_for_cam().modules())
    seen = []
    handle = layer.register_forward_hook(lambda _m, _i, out: seen.append(out.shape))
    try:
        with torch.enable_grad():
            grad_logits = region_user.two_class_logits(x)  # runs the converted module: the hook fires
    finally:
        handle.remove()
    assert seen == [torch.Size([2, 512, 7, 7])] and grad_logits.requires_grad
    with torch.no_grad():
        assert (grad_logits.detach() - region_user.two_class_logits(x)).abs().max() <= 1e-4
    with pytest.raises(ValueError, match="no node 'nope' in the converted graph"):
        region_user.cam_layer("nope")


def test_a_model_without_cam_layer_says_why_cam_is_unavailable(faceres_user):
    assert not faceres_user.differentiable
    assert faceres_user.cam_unavailable_reason == "gradient CAMs are unavailable: the model's spec names no cam_layer"


def test_a_torchscript_model_classifies_as_the_native_model_and_converts_for_cam(tmp_path, sample_images,
                                                                                 sample_faces):
    native = load_model("resnet18-cbam-full_face")
    with torch.no_grad():
        traced = torch.jit.trace(native.net.eval(), torch.full((1, 3, 224, 224), 0.5))
    traced.save(str(tmp_path / "region.pt"))
    # the TorchScript exporter names nodes after the traced module's attributes: layer4.1's last ReLU
    fields = {**REGION_SPEC, "name": "region-ts", "file": "region.pt", "output": None,
              "cam_layer": "/layer4/1/Relu"}
    model = build_user_model(load_spec(write_spec(tmp_path / "ts.toml", **fields)))
    x = native_crops("resnet18-cbam-full_face", sample_images, sample_faces)
    with torch.no_grad():
        assert (model.bona_fide_probability(x) - native.bona_fide_probability(x)).abs().max() <= 1e-4
    assert model.spec.format == "torchscript" and model.differentiable, model.cam_unavailable_reason
    assert isinstance(model.cam_layer(), torch.nn.ReLU)


def test_the_model_keeps_its_file_hash_and_a_card_from_the_spec(region_user, exported):
    import hashlib

    digest = hashlib.sha256((exported / "region.onnx").read_bytes()).hexdigest()
    assert region_user.file_hashes() == {"region.onnx": digest}
    assert region_user.files() == [exported / "region.onnx"]
    assert region_user.card.fields["license"] == REGION_SPEC["license"] and region_user.user


def test_the_image_crop_is_the_whole_image_resized(tmp_path, sample_images, sample_faces):
    tiny_onnx(tmp_path / "tiny.onnx", size=32)
    spec = load_spec(write_spec(tmp_path / "s.toml", name="tiny", role="embedder", file="tiny.onnx",
                                input_size=32, crop="image"))
    model = build_user_model(spec)
    crop = model_crop(model, sample_images["obama.jpg"], sample_faces["obama.jpg"])
    assert crop.shape == (32, 32, 3) and crop.dtype == np.uint8
    # the tiny graph averages each channel: the whole image's mean colour, up to resizing
    with torch.no_grad():
        means = model.descriptors(model.to_batch(crop[None]))[0].numpy()
    assert np.allclose(means, sample_images["obama.jpg"].reshape(-1, 3).mean(0), atol=2.0)


# ------------------------------------------------------------------------------------------ bad model files


def tiny_spec(tmp_path, file="tiny.onnx", **changes):
    fields = {**dict(name="tiny", role="embedder", file=file, input_size=16), **changes}
    return load_spec(write_spec(tmp_path / "tiny.toml", **fields))


def test_a_truncated_onnx_file_is_refused(tmp_path, exported):
    data = (exported / "region.onnx").read_bytes()
    (tmp_path / "cut.onnx").write_bytes(data[: len(data) // 3])
    with pytest.raises(ModelFileError, match=r"cut\.onnx is not an ONNX model \(truncated, or another format\)"):
        build_user_model(tiny_spec(tmp_path, "cut.onnx"))


def test_a_text_file_renamed_onnx_is_refused(tmp_path):
    (tmp_path / "notes.onnx").write_text("these are my notes, not a model\n" * 20)
    with pytest.raises(ModelFileError, match=r"notes\.onnx is not an ONNX model"):
        build_user_model(tiny_spec(tmp_path, "notes.onnx"))


def test_an_unsupported_custom_operator_is_named(tmp_path):
    tiny_onnx(tmp_path / "custom.onnx", custom_operator=True)
    with pytest.raises(ModelFileError) as info:
        build_user_model(tiny_spec(tmp_path, "custom.onnx"))
    assert "cannot run operator com.vendor:FancyPool (node 'fancy')" in str(info.value)


def test_a_file_over_the_size_limit_is_refused_before_reading(tmp_path, monkeypatch):
    tiny_onnx(tmp_path / "tiny.onnx")
    monkeypatch.setattr(user, "MAX_MODEL_BYTES", 64)
    size = (tmp_path / "tiny.onnx").stat().st_size
    with pytest.raises(ModelFileError, match=rf"tiny\.onnx is .* \({size} bytes\), over the limit of .* \(64 bytes\)"):
        build_user_model(tiny_spec(tmp_path))
    with pytest.raises(ModelFileError, match=r"over the limit of .* \(64 bytes\)"):
        build_user_model(tiny_spec(tmp_path), (tmp_path / "tiny.onnx").read_bytes())


def test_a_spec_naming_a_missing_output_is_refused(tmp_path):
    tiny_onnx(tmp_path / "tiny.onnx")
    with pytest.raises(ModelFileError, match="the spec names output 'features', but the model's outputs are: "
                                             "embedding"):
        build_user_model(tiny_spec(tmp_path, output="features"))


def test_a_spec_with_the_wrong_input_size_or_layout_is_refused(tmp_path, exported):
    tiny_onnx(tmp_path / "tiny.onnx", size=16)
    with pytest.raises(ModelFileError, match=r"has shape \(B, 3, 16, 16\), but the spec says NCHW \(B, 3, 112, 112\) "
                                             r"\(input_size = 112\)"):
        build_user_model(tiny_spec(tmp_path, input_size=112))
    with pytest.raises(ModelFileError, match=r"but the spec says NHWC \(B, 16, 16, 3\)"):
        build_user_model(tiny_spec(tmp_path, layout="NHWC"))


def test_a_model_with_nan_outputs_is_refused(tmp_path):
    tiny_onnx(tmp_path / "nan.onnx", nan=True)
    with pytest.raises(ModelFileError, match=r"nan\.onnx: output embedding has 6 non-finite values \(NaN or inf\) "
                                             "of 6 on a mid-grey test input"):
        build_user_model(tiny_spec(tmp_path, "nan.onnx"))


def test_a_spoof_spec_whose_class_count_disagrees_with_the_output_is_refused(tmp_path, exported):
    fields = {**REGION_SPEC, "file": str(exported / "region.onnx"), "class_order": ["print", "replay", "bona_fide"]}
    with pytest.raises(ModelFileError, match=r"class_order has 3 classes \(print, replay, bona_fide\), so the output "
                                             r"must be \(B, 3\); output logits is \(2, 2\)"):
        build_user_model(load_spec(write_spec(tmp_path / "s.toml", **fields)))


def test_probabilities_outside_zero_one_are_refused(tmp_path):
    tiny_onnx(tmp_path / "tiny.onnx")  # channel means of x in [0, 255]: 127.5 on the mid-grey probe
    spec = tiny_spec(tmp_path, role="spoof", output_kind="probabilities", class_order=["print", "replay", "live"],
                     bona_fide_class="live")
    with pytest.raises(ModelFileError, match=r'output_kind = "probabilities", but the output has values outside '
                                             r"\[0, 1\] \(min 127.5, max 127.5\)"):
        build_user_model(spec)


def test_a_missing_file_and_a_broken_torchscript_archive_are_refused(tmp_path):
    with pytest.raises(ModelFileError, match=r"model file .*absent\.onnx not found"):
        build_user_model(tiny_spec(tmp_path, "absent.onnx"))
    buffer = io.BytesIO()
    torch.save({"weight": torch.zeros(2)}, buffer)  # a state dict, not TorchScript
    (tmp_path / "state.pt").write_bytes(buffer.getvalue())
    with pytest.raises(ModelFileError, match=r"state\.pt is not a TorchScript archive"):
        build_user_model(tiny_spec(tmp_path, "state.pt"))


@pytest.mark.parametrize("kind", ["logits", "probabilities"])
def test_k_class_outputs_map_to_spoof_and_bona_fide_as_derived_by_hand(tmp_path, kind):
    tiny_onnx(tmp_path / "tiny.onnx")  # output = each channel's mean: the crop's (R, G, B) values, scaled
    spec = tiny_spec(tmp_path, role="spoof", output_kind=kind, class_order=["print", "live", "replay"],
                     bona_fide_class="live", scale=1 / 255)
    model = build_user_model(spec)
    crops = torch.empty(1, 16, 16, 3)
    crops[..., 0], crops[..., 1], crops[..., 2] = 51.0, 102.0, 25.5  # → outputs (0.2, 0.4, 0.1)
    with torch.no_grad():
        logits = model.two_class_logits(crops)[0]
    a, b, c = 0.2, 0.4, 0.1
    if kind == "logits":  # attack = logsumexp of the two attack logits
        expected = torch.tensor([math.log(math.exp(a) + math.exp(c)), b])
    else:  # log of each probability; the attack classes' probabilities add up
        expected = torch.tensor([math.log(a + c), math.log(b)])
    assert torch.allclose(logits, expected, atol=1e-6)


def test_a_graph_that_fails_on_a_batch_of_two_is_refused(tmp_path):
    from onnx import TensorProto, helper, numpy_helper

    shape = numpy_helper.from_array(np.array([1, 3], dtype=np.int64), "shape")  # a reshape fixed to batch 1
    graph = helper.make_graph(
        [helper.make_node("GlobalAveragePool", ["x"], ["pooled"], name="pool"),
         helper.make_node("Reshape", ["pooled", "shape"], ["embedding"], name="reshape")],
        "fixed", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["B", 3, 16, 16])],
        [helper.make_tensor_value_info("embedding", TensorProto.FLOAT, [1, 3])], initializer=[shape])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8)
    (tmp_path / "fixed.onnx").write_bytes(model.SerializeToString())
    with pytest.raises(ModelFileError, match=r"fixed\.onnx fails on input \(2, 3, 16, 16\): "):
        build_user_model(tiny_spec(tmp_path, "fixed.onnx"))
