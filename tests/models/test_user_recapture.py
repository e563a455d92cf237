"""User ID-card recapture models (issue 15): the shipped idcard-vgg-only net exported to ONNX as a one-image model,
registered with ``python -m xai models add`` and run by the ID-card task beside the native model.

The export takes the L1 card crop ImageNet-normalised (spec crop "card"), so on the same synthetic sample cards
(genuine captures and screen recaptures of the sample portraits) its p(recapture), decision, zone occlusion and
evaluation score equal the native model's within 1e-4. Its Grad-CAM runs through onnx2torch at the ONNX node of
conv3_3's ReLU and equals the native net's Grad-CAM at that ReLU (``rgb_branch.features.15``). (The shipped page's
map hooks conv3_3 itself, whose activation the in-place ReLU overwrites after the gradient is taken there: no
ONNX node holds that pair, so the comparison is at the ReLU, where both read the same tensor.)
"""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest
import torch
from conftest import registered_user_model
from onnx_exports import RECAPTURE_SPEC, tiny_onnx, write_spec

from models.labels import GENUINE, SPOOF
from models.registry import load_model, names
from models.runtime.export import export_recapture_onnx
from models.spec import load_spec
from models.user import ModelFileError, UserRecaptureClassifier, build_user_model
from xai.cli.main import main
from xai.core.model_checks import check_model
from xai.explain.cam import cam_maps
from xai.idcard.crops import card_crops
from xai.idcard.data import branch_inputs
from xai.idcard.evaluate import idcard_score
from xai.idcard.explain import explain_idcard, stacked_logits
from xai.idcard.localise import localise_card
from xai.idcard.single_input import model_input, one_image_cam, takes_one_image
from xai.idcard.synth import demo_pair

USER, NATIVE = "recapture-onnx", "idcard-vgg-only"
PHOTOS = ["obama.jpg"]


@pytest.fixture(scope="module")
def exported(tmp_path_factory, sample_index):
    folder = tmp_path_factory.mktemp("recapture-export")
    export_recapture_onnx(folder / "recapture.onnx")
    return folder


@pytest.fixture(scope="module")
def registered(exported, tmp_path_factory):
    """The export registered as ``recapture-onnx`` in a user model folder of this module."""
    store = tmp_path_factory.mktemp("user-models")
    spec = write_spec(exported / "recapture.toml", **{**RECAPTURE_SPEC, "file": str(exported / "recapture.onnx")})
    with registered_user_model(spec, store, USER) as model:
        yield model


@pytest.fixture(scope="module")
def cards():
    """(H, W, 3) uint8 synthetic cards: a genuine capture and a screen recapture of each sample portrait."""
    return [demo_pair(photo)[kind].image for photo in PHOTOS for kind in (0, 1)]


def native_l1_probabilities(cards) -> np.ndarray:
    net = load_model(NATIVE).net
    crops = [card_crops(c, localise_card(c).centroid) for c in cards]
    rgb, _ = branch_inputs(np.stack([c.l1.image for c in crops]), np.stack([c.l2.image for c in crops]), "vgg-only")
    with torch.no_grad():
        return torch.softmax(net(rgb, None), dim=-1)[:, 1].numpy()  # output 1 = spoof


def test_the_registered_model_is_a_one_image_recapture_model(registered):
    assert USER in names("recapture") and isinstance(registered, UserRecaptureClassifier)
    assert registered.role == "recapture" and takes_one_image(registered) and not takes_one_image(load_model(NATIVE))
    assert registered.differentiable, registered.cam_unavailable_reason


def test_it_scores_and_decides_as_the_native_model(registered, cards):
    native = native_l1_probabilities(cards)
    crops = registered.to_batch([model_input(registered, c, localise_card(c).centroid) for c in cards])
    with torch.no_grad():
        ours = registered.spoof_probability(crops).numpy()
        logits = registered.two_class_logits(crops)
    assert np.abs(ours - native).max() <= 1e-4
    assert ((ours >= 0.5) == (native >= 0.5)).all()
    # the two-class contract of spoof classifiers: softmax of (recapture, genuine) logits, labels order
    assert torch.allclose(torch.softmax(logits, dim=-1)[:, SPOOF], torch.from_numpy(ours), atol=1e-6)
    assert torch.allclose(torch.softmax(logits, dim=-1)[:, GENUINE], torch.from_numpy(1 - ours), atol=1e-6)


def test_the_id_card_explanation_equals_the_native_one(registered, cards):
    loader = {USER: registered, NATIVE: load_model(NATIVE)}.get
    for card in cards[1:]:  # the screen recapture (the genuine capture is scored in the tests above)
        ours = explain_idcard(card, model=USER, loader=loader)
        theirs = explain_idcard(card, model=NATIVE, loader=loader)
        assert abs(ours.p_spoof - theirs.p_spoof) <= 1e-4 and ours.label == theirs.label
        assert ours.location.centroid == theirs.location.centroid
        assert [z.zone for z in ours.zones] == [z.zone for z in theirs.zones]
        assert max(abs(a.delta - b.delta) for a, b in zip(ours.zones, theirs.zones, strict=True)) <= 1e-4
        # what the one-image model saw is the native RGB branch's L1 crop
        assert np.array_equal(ours.model_input, theirs.crops.l1.image)
        assert ours.cam_rgb.shape == (224, 224) and ours.cam_reason == "" and ours.attention is None


def test_its_grad_cam_through_onnx2torch_equals_the_native_grad_cam(registered, cards):
    net = load_model(NATIVE).net
    for card in cards:
        centroid = localise_card(card).centroid
        crops = card_crops(card, centroid)
        rgb, _ = branch_inputs(crops.l1.image[None], crops.l2.image[None], "vgg-only")
        stacked = torch.cat([rgb, torch.zeros_like(rgb)], dim=1).permute(0, 2, 3, 1)
        for spoof, output in ((False, 0), (True, 1)):  # the head's output order: 0 genuine, 1 spoof
            native = cam_maps(stacked_logits(net), net, "rgb_branch.features.15", stacked, output).maps[0]
            ours = one_image_cam(registered, model_input(registered, card, centroid), spoof)
            assert np.abs(ours - native).max() <= 1e-4


def test_the_evaluation_adapter_scores_it_as_the_native_model(registered, cards):
    loader = {USER: registered, NATIVE: load_model(NATIVE)}.get
    for card in cards:
        assert abs(idcard_score(card, USER, loader) - idcard_score(card, NATIVE, loader)) <= 1e-4


def test_the_cli_explains_a_card_with_it(registered, cards, tmp_path, capsys):
    path = tmp_path / "card.png"
    cv2.imwrite(str(path), cards[1][..., ::-1])
    assert main(["idcard", str(path), "--model", USER, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["model"] == USER and out["model_input"] == {"size": 224, "cam": True, "cam_unavailable_reason": ""}
    assert out["attention"]["top_key_cell"] is None and len(out["zones"]) == 5
    assert main(["idcard", str(path), "--model", "faceres"]) == 2  # the models it offers: shipped and the user's
    assert capsys.readouterr().err.strip() == ("error: faceres is not an ID-card recapture model; choose one of: "
                                               "idcard-vgg16-fft, idcard-vgg-only, idcard-concat-gap, idcard-two-rgb, "
                                               f"{USER}")


def test_the_image_crop_feeds_the_whole_photo_resized(exported, cards):
    fields = {**RECAPTURE_SPEC, "name": "recapture-photo", "crop": "image", "cam_layer": None,
              "file": str(exported / "recapture.onnx")}
    model = build_user_model(load_spec(write_spec(exported / "photo.toml", **fields)))
    card = cards[1]
    seen = model_input(model, card, (0.0, 0.0))
    assert np.array_equal(seen, cv2.resize(card, (224, 224), interpolation=cv2.INTER_AREA))
    rgb, _ = branch_inputs(seen[None], seen[None], "vgg-only")
    with torch.no_grad():
        native = float(torch.softmax(load_model(NATIVE).net(rgb, None), dim=-1)[0, 1])
        assert abs(float(model.spoof_probability(model.to_batch(seen[None]))[0]) - native) <= 1e-4
    # no cam_layer: the explanation has no CAM and says why
    e = explain_idcard(card, model="recapture-photo", loader={"recapture-photo": model}.get)
    assert e.cam_rgb is None and e.cam_reason == "gradient CAMs are unavailable: the model's spec names no cam_layer"
    assert check_model(model).class_count == 2


def test_a_two_input_net_is_refused_with_the_fft_hint(exported):
    net = load_model("idcard-two-rgb").net
    path = exported / "two-inputs.onnx"
    with torch.no_grad():
        torch.onnx.export(net.eval(), (torch.zeros(1, 3, 224, 224), torch.zeros(1, 3, 224, 224)), str(path),
                          input_names=["rgb", "second"], output_names=["logits"], opset_version=17, dynamo=False)
    fields = {**RECAPTURE_SPEC, "file": str(path), "cam_layer": None}
    with pytest.raises(ModelFileError, match=r"two-inputs.onnx has 2 inputs \(rgb, second\); the studio feeds one "
                                             r"image tensor \(an ID-card model's FFT branch, if any, must be computed "
                                             r"inside its graph\)"):
        build_user_model(load_spec(write_spec(exported / "two.toml", **fields)))


BAD = {
    "wrong output size": (dict(class_order=["genuine", "screen", "print"]),
                          "the spec's class_order has 3 classes (genuine, screen, print), so the output must be "
                          "(B, 3); output logits is (2, 2)"),
    "missing output": (dict(output="probabilities"),
                       "the spec names output 'probabilities', but the model's outputs are: logits"),
    "wrong input size": (dict(input_size=112),
                         "input 'image' has shape (B, 3, 224, 224), but the spec says NCHW (B, 3, 112, 112) "
                         "(input_size = 112); fix input_size or layout in the spec"),
    "logits called probabilities": (dict(output_kind="probabilities"),
                                    'the spec says output_kind = "probabilities", but the output has values outside '
                                    "[0, 1]"),
    "a cam_layer that is not a node": (dict(cam_layer="/net/nope/Relu"), None),
}


@pytest.mark.parametrize("case", BAD, ids=list(BAD))
def test_a_bad_recapture_model_gets_one_precise_message(exported, case):
    changes, message = BAD[case]
    fields = {**RECAPTURE_SPEC, "file": str(exported / "recapture.onnx"), **changes}
    spec = load_spec(write_spec(exported / "bad.toml", **fields))
    if message is None:  # the model loads; CAM is disabled with the reason
        model = build_user_model(spec)
        assert "gradient CAMs are unavailable: the spec's cam_layer '/net/nope/Relu' is not a node of the " \
               "converted graph" in model.cam_unavailable_reason and not model.differentiable
        return
    with pytest.raises(ModelFileError) as info:
        build_user_model(spec)
    assert message in str(info.value)


def test_nan_outputs_are_refused(tmp_path):
    fields = {**RECAPTURE_SPEC, "file": str(tiny_onnx(tmp_path / "nan.onnx", nan=True, output="logits")),
              "input_size": 16, "scale": 1.0, "mean": None, "std": None, "cam_layer": None,
              "class_order": ["genuine", "screen", "print"]}
    with pytest.raises(ModelFileError, match="nan.onnx: output logits has 6 non-finite values \\(NaN or inf\\) of 6 "
                                             "on a mid-grey test input"):
        build_user_model(load_spec(write_spec(tmp_path / "nan.toml", **fields)))
