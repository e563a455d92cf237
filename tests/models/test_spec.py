"""User model specs (issue 15): the examples parse, round-trip, and every bad spec gets one precise message."""

from __future__ import annotations

import math
from pathlib import Path

import jsonschema
import pytest
import torch
from onnx_exports import FACERES_SPEC, GEAR_SPEC, RECAPTURE_SPEC, REGION_SPEC, SSRNET_SPEC, write_spec

from models.spec import SCHEMA_PATH, SpecError, load_schema, load_spec, parse_spec

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "specs"


def spec_text(**fields) -> str:
    lines = []
    for key, value in fields.items():
        if isinstance(value, str):
            lines.append(f'{key} = "{value}"')
        elif isinstance(value, list):
            lines.append(f"{key} = [" + ", ".join(f'"{v}"' if isinstance(v, str) else repr(v) for v in value) + "]")
        else:
            lines.append(f"{key} = {value!r}")
    return "\n".join(lines) + "\n"


def parse_changed(base: dict, changes: dict):
    """The spec of ``base`` with ``changes`` applied (a None value drops the field), parsed in /models."""
    fields = {**base, **changes}
    return parse_spec(spec_text(**{k: v for k, v in fields.items() if v is not None}), Path("/models"))


def parse(**changes):
    return parse_changed(FACERES_SPEC, changes)


def assert_one_precise_message(build, changes: dict, message: str) -> None:
    """``build(**changes)`` raises :class:`SpecError`, and its text contains ``message``."""
    with pytest.raises(SpecError) as info:
        build(**changes)
    assert message in str(info.value)


def test_the_schema_is_a_valid_draft_2020_12_schema():
    jsonschema.Draft202012Validator.check_schema(load_schema())
    assert SCHEMA_PATH.name == "model_spec.schema.json"


def test_the_arcface_example_parses_as_documented():
    spec = load_spec(EXAMPLES / "arcface-onnx.toml")
    assert (spec.role, spec.format, spec.input_size, spec.layout, spec.colour_order) == (
        "embedder", "onnx", 112, "NCHW", "RGB")
    assert spec.mean == (127.5,) * 3 and spec.std == (127.5,) * 3 and spec.scale == 1.0
    assert spec.crop_spec.kind == "aligned" and spec.crop_spec.size == 112
    assert spec.needs_calibration and spec.threshold == "calibrate" and spec.metric == "cosine"
    assert spec.file == EXAMPLES / "arcface-r100.onnx"  # relative to the spec's folder


def test_the_liveness_example_parses_as_documented():
    spec = load_spec(EXAMPLES / "liveness-onnx.toml")
    assert spec.role == "spoof" and spec.class_order == ("spoof", "bona_fide") and spec.bona_fide_class == "bona_fide"
    assert spec.output_kind == "logits" and math.isnan(spec.threshold)
    assert spec.crop_spec.kind == "box" and spec.crop_spec.enlarge == pytest.approx(1.4)


def test_the_recapture_example_parses_as_documented():
    spec = load_spec(EXAMPLES / "recapture-onnx.toml")
    assert spec.role == "recapture" and spec.crop == "image" and spec.crop_spec.kind == "card"
    assert spec.class_order == ("genuine", "recapture") and spec.bona_fide_class == "genuine"
    assert spec.cam_layout == "NCHW" and spec.cam_layer is not None


def test_the_agegender_example_parses_as_documented():
    spec = load_spec(EXAMPLES / "agegender-onnx.toml")
    assert spec.role == "estimator" and spec.age_kind == "probabilities" and len(spec.age_bins) == 7
    assert spec.gender_kind == "probabilities" and spec.gender_classes == ("male", "female")
    assert spec.cam_layer is None and spec.output is None


@pytest.mark.parametrize("fields", [FACERES_SPEC, REGION_SPEC, RECAPTURE_SPEC, GEAR_SPEC, SSRNET_SPEC],
                         ids=["embedder", "spoof", "recapture", "estimator-bins", "estimator-years"])
def test_a_spec_round_trips_through_its_toml(tmp_path, fields):
    spec = load_spec(write_spec(tmp_path / "spec.toml", **fields))
    again = parse_spec(spec.to_toml(file="model.onnx"), tmp_path)
    assert again.file == tmp_path / "model.onnx"
    assert again.as_dict() | {"file": ""} == spec.as_dict() | {"file": ""}


def test_preprocess_applies_scale_mean_std_colour_order_and_layout():
    spec = parse(layout="NCHW", colour_order="BGR", scale=0.5, mean=[1.0, 2.0, 3.0], std=[2.0, 4.0, 8.0],
                 input_size=16)
    x = torch.zeros(1, 2, 2, 3)
    x[..., 0], x[..., 1], x[..., 2] = 10.0, 20.0, 30.0  # R, G, B
    y = spec.preprocess(x)
    assert y.shape == (1, 3, 2, 2)
    # channel 0 is B: (30 * 0.5 - 1) / 2 = 7; channel 1 G: (20 * 0.5 - 2) / 4 = 2; channel 2 R: (10 * 0.5 - 3) / 8
    assert torch.allclose(y[0, :, 0, 0], torch.tensor([7.0, 2.0, 0.25]))


def test_format_follows_the_extension_and_the_title_defaults_to_the_name():
    spec = parse(file="net.pt", title=None)
    assert spec.format == "torchscript" and spec.title == spec.name == FACERES_SPEC["name"]


def test_the_image_crop_declares_the_whole_image():
    crop = parse(crop="image").crop_spec
    assert crop.kind == "image" and crop.size == 224 and "whole image" in crop.describe()


BAD = {
    "unknown field": (dict(colour="RGB"), "unknown field 'colour'; valid fields: name, title, role"),
    "bad enum": (dict(layout="NHCW"), "layout = 'NHCW' is not allowed; choose one of: NCHW, NHWC"),
    "bad crop": (dict(crop="tight"), "crop = 'tight' is not allowed; choose one of: arcface, box, image, card"),
    "card crop on a face": (dict(crop="card"), "crop = 'card' is not allowed for role 'embedder'; choose one of: "
                                               "arcface, box, image"),
    "wrong type": (dict(input_size="224"), "input_size must be of type integer, got '224'"),
    "missing field": (dict(input_size=None), "missing required field 'input_size'"),
    "bad threshold": (dict(threshold="auto"), 'threshold must be a number or "calibrate", got \'auto\''),
    "bad name": (dict(name="My Model"), "name 'My Model' is not allowed: use lower-case letters"),
    "embedder with classes": (dict(class_order=["spoof", "bona_fide"]),
                              "class_order applies to role 'spoof' and 'recapture' only (role is 'embedder')"),
    "embedder with age": (dict(age_output="age", age_kind="years"),
                          "age_output applies to role 'estimator' only (role is 'embedder')"),
    "cam_layout without cam_layer": (dict(cam_layout="NHWC"), "cam_layout needs 'cam_layer' too"),
    "bad cam_layout": (dict(cam_layer="/x/Relu", cam_layout="CHW"),
                       "cam_layout = 'CHW' is not allowed; choose one of: NCHW, NHWC"),
    "embedder with logits": (dict(output_kind="logits"), "output_kind = 'logits' is not allowed here; it must be "
                                                         "'embedding'"),
    "margin without box": (dict(margin=0.3), 'margin applies to crop = "box" only'),
    "unknown extension": (dict(file="model.bin", format=None), "cannot tell the format of 'model.bin'"),
    "estimator without outputs": (dict(role="estimator", output_kind=None, metric=None, threshold=None, output=None),
                                  "an estimator spec names at least one of age_output and gender_output"),
    "recapture without classes": (dict(role="recapture", output_kind="logits", metric=None, threshold=None, crop=None),
                                  "missing required field 'class_order' (role 'recapture')"),
    "negative std": (dict(std=[1.0, 0.0, 1.0]), "std.1: 0.0 is less than or equal to the minimum of 0"),
}


@pytest.mark.parametrize("case", BAD, ids=list(BAD))
def test_a_bad_spec_gets_one_precise_message(case):
    assert_one_precise_message(parse, *BAD[case])


def test_spoof_specs_need_their_classes_and_a_bona_fide_class_among_them():
    fields = {**REGION_SPEC, "bona_fide_class": "live"}
    with pytest.raises(SpecError, match=r"bona_fide_class 'live' is not in class_order \['spoof', 'bona_fide'\]"):
        parse_spec(spec_text(**fields))
    fields = {k: v for k, v in REGION_SPEC.items() if k != "class_order"}
    with pytest.raises(SpecError, match="missing required field 'class_order'"):
        parse_spec(spec_text(**fields))
    with pytest.raises(SpecError, match="threshold applies to role 'embedder' only"):
        parse_spec(spec_text(**REGION_SPEC, threshold=0.5))


def estimator(**changes):
    return parse_changed(GEAR_SPEC, changes)


ESTIMATOR_BAD = {
    "age without kind": (dict(age_kind=None), "age_output needs 'age_kind' too"),
    "gender without classes": (dict(gender_classes=None), "gender_output needs 'gender_classes' too"),
    "bins without centres": (dict(age_bins=None), "age_kind = 'probabilities' needs age_bins, the centre in years"),
    "years with bins": (dict(age_kind="years"), 'age_bins applies to age_kind "probabilities" or "logits"'),
    "implausible bin": (dict(age_bins=[15.0, 23.0, 28.0, 35.5, 45.5, 55.5, 165.0]),
                        "age_bins.6: 165.0 is greater than the maximum of 120"),
    "twice the same gender": (dict(gender_classes=["male", "male"]), "gender_classes: ['male', 'male'] has non-unique"),
    "unknown gender": (dict(gender_classes=["male", "woman"]), "gender_classes.1 = 'woman' is not allowed; choose one "
                                                              "of: female, male"),
    "one output for both": (dict(gender_output="age"), "age_output and gender_output both name 'age'"),
    "a classifier's output": (dict(output="logits"), "output applies to role 'embedder' and 'spoof' and "
                                                     "'recapture' only (role is 'estimator')"),
    "a cam_layer": (dict(cam_layer="/x/Relu"), "cam_layer applies to role 'embedder' and 'spoof' and 'recapture' "
                                               "only (role is 'estimator')"),
    "a card crop": (dict(crop="card", margin=None), "crop = 'card' is not allowed for role 'estimator'"),
}


@pytest.mark.parametrize("case", ESTIMATOR_BAD, ids=list(ESTIMATOR_BAD))
def test_a_bad_estimator_spec_gets_one_precise_message(case):
    assert_one_precise_message(estimator, *ESTIMATOR_BAD[case])


def test_an_estimator_may_estimate_one_attribute_only():
    age_only = estimator(gender_output=None, gender_kind=None, gender_classes=None)
    assert age_only.age_output == "age" and age_only.gender_output is None and age_only.gender_classes == ()
    gender_only = estimator(age_output=None, age_kind=None, age_bins=None)
    assert gender_only.age_output is None and gender_only.age_bins == () and gender_only.gender_output == "gender"


def test_recapture_crops_are_the_photo_or_the_card_square():
    fields = {k: v for k, v in RECAPTURE_SPEC.items() if k != "crop"}
    assert parse_spec(spec_text(**fields)).crop == "image"  # the default: the whole photo
    assert parse_spec(spec_text(**RECAPTURE_SPEC)).crop == "card"
    with pytest.raises(SpecError, match="crop = 'arcface' is not allowed for role 'recapture'; choose one of: "
                                        "image, card"):
        parse_spec(spec_text(**{**RECAPTURE_SPEC, "crop": "arcface"}))


def test_not_toml_and_a_missing_file_are_named(tmp_path):
    with pytest.raises(SpecError, match="spec is not valid TOML"):
        parse_spec("name = [unclosed\n")
    with pytest.raises(SpecError, match=f"spec file {tmp_path / 'nope.toml'} not found"):
        load_spec(tmp_path / "nope.toml")
