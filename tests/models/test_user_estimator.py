"""User soft-biometric estimators (issue 15): the shipped GEAR and SSR-Net graphs exported to ONNX, registered with
``python -m xai models add`` and used wherever estimators are (the ESB of verification), equal to the native ones.

GEAR gives age as probabilities over 7 bins (the spec names their centres) and gender as (male, female)
probabilities; SSR-Net gives the age in years and one p(male) column: the two ways a spec describes age and gender.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from onnx_exports import GEAR_SPEC, SSRNET_SPEC, tiny_estimator_onnx, tiny_onnx, write_spec

from models.registry import invalidate_user_models, load_model, names
from models.runtime.export import export_gear_onnx, export_ssrnet_onnx
from models.spec import load_spec
from models.user import GENDER_NOT_ESTIMATED, ModelFileError, UserEstimator, build_user_model
from xai.cli.main import main
from xai.core.crops import model_crop
from xai.core.model_checks import ModelCheckError, check_model
from xai.verify.esb import EsbRecord, available_estimators, describe_estimate, esb_table, pair_soft_biometrics

SAMPLES = ["obama.jpg", "obama2.jpg", "biden.jpg", "astronaut.png"]
USERS = {"gear-onnx": "gear", "ssrnet-onnx": "ssrnet"}


@pytest.fixture(scope="module")
def exported(tmp_path_factory, sample_index):
    folder = tmp_path_factory.mktemp("estimator-exports")
    export_gear_onnx(folder / "gear.onnx")
    export_ssrnet_onnx(folder / "ssrnet.onnx")
    return folder


@pytest.fixture(scope="module")
def registered(exported, tmp_path_factory):
    """Both exports registered (``gear-onnx``, ``ssrnet-onnx``) in a user model folder of this module."""
    store = tmp_path_factory.mktemp("user-models")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("FACE_XAI_MODELS", str(store))
        for fields, file in ((GEAR_SPEC, "gear.onnx"), (SSRNET_SPEC, "ssrnet.onnx")):
            spec = write_spec(exported / f"{fields['name']}.toml", **{**fields, "file": str(exported / file)})
            assert main(["models", "add", str(spec)]) == 0
        yield {name: load_model(name) for name in USERS}
    invalidate_user_models()


def spec_of(exported, base: dict, **changes):
    file = "gear.onnx" if base is GEAR_SPEC else "ssrnet.onnx"
    fields = {**base, "file": str(exported / file), **changes}
    return load_spec(write_spec(exported / "variant.toml", **fields))


def test_registered_estimators_are_offered_wherever_estimators_are(registered):
    assert set(USERS) <= set(names("estimator")) and set(USERS) <= set(available_estimators())
    assert all(isinstance(m, UserEstimator) and m.attributes == ("age", "gender") for m in registered.values())


@pytest.mark.parametrize("user", list(USERS))
def test_the_exported_estimator_estimates_as_the_native_one(registered, user, sample_images, sample_faces):
    ours, native = registered[user], load_model(USERS[user])
    crops = [model_crop(native, sample_images[f], sample_faces[f]) for f in SAMPLES]
    assert all(np.array_equal(c, model_crop(ours, sample_images[f], sample_faces[f]))
               for c, f in zip(crops, SAMPLES, strict=True))
    x = native.to_batch(crops)
    with torch.no_grad():
        a, b = ours.estimate(x), native.estimate(x)
    for mine, theirs in zip(a, b, strict=True):
        assert abs(mine.age - theirs.age) <= 1e-4
        assert mine.gender == theirs.gender and abs(mine.gender_score - theirs.gender_score) <= 1e-4


def test_the_esb_rows_of_the_user_estimators_equal_the_native_rows(registered, sample_images, sample_faces):
    faces = (sample_faces["obama.jpg"], sample_faces["biden.jpg"])
    rows = {r.estimator: r for r in pair_soft_biometrics(sample_images["obama.jpg"], sample_images["biden.jpg"],
                                                         faces=faces)}
    for user, native in USERS.items():
        for side in ("probe", "gallery"):
            mine, theirs = getattr(rows[user], side), getattr(rows[native], side)
            assert abs(mine.age - theirs.age) <= 1e-4 and mine.gender == theirs.gender
        assert rows[user].agrees == rows[native].agrees


def test_a_torchscript_estimator_reads_its_outputs_by_tuple_index(exported, sample_images, sample_faces):
    from models.runtime.export import _Outputs
    from models.zoo.ssrnet import OUTPUT

    native = load_model("ssrnet")
    module = _Outputs([(native.age_graph, OUTPUT), (native.gender_graph, OUTPUT)]).eval()
    with torch.no_grad():
        torch.jit.trace(module, torch.full((1, 64, 64, 3), 127.5)).save(str(exported / "ssrnet.pt"))
    spec = load_spec(write_spec(exported / "ssrnet-ts.toml", **{**SSRNET_SPEC, "name": "ssrnet-ts",
                                                                "file": str(exported / "ssrnet.pt"),
                                                                "age_output": "0", "gender_output": "1"}))
    model = build_user_model(spec)
    x = native.to_batch([model_crop(native, sample_images[f], sample_faces[f]) for f in SAMPLES])
    with torch.no_grad():
        for mine, theirs in zip(model.estimate(x), native.estimate(x), strict=True):
            assert abs(mine.age - theirs.age) <= 1e-4 and mine.gender == theirs.gender
    with pytest.raises(ModelFileError, match=r"the model returns 2 outputs; the spec's output must be their index "
                                             r"0..1, got 'age'"):
        build_user_model(load_spec(write_spec(exported / "ssrnet-ts.toml", **{**spec.as_dict(), "age_output": "age"})))


def test_an_estimator_of_one_attribute_reports_only_that_one(exported, sample_images, sample_faces):
    age_only = build_user_model(spec_of(exported, GEAR_SPEC, name="gear-age", gender_output=None, gender_kind=None,
                                        gender_classes=None))
    gender_only = build_user_model(spec_of(exported, SSRNET_SPEC, name="ssrnet-gender", age_output=None,
                                           age_kind=None))
    native_gear, native_ssrnet = load_model("gear"), load_model("ssrnet")
    image, face = sample_images["obama.jpg"], sample_faces["obama.jpg"]
    with torch.no_grad():
        (age,) = age_only.estimate(age_only.to_batch(model_crop(age_only, image, face)[None]))
        (gender,) = gender_only.estimate(gender_only.to_batch(model_crop(gender_only, image, face)[None]))
        (gear,) = native_gear.estimate(native_gear.to_batch(model_crop(native_gear, image, face)[None]))
        (ssrnet,) = native_ssrnet.estimate(native_ssrnet.to_batch(model_crop(native_ssrnet, image, face)[None]))
    assert abs(age.age - gear.age) <= 1e-4 and age.gender == GENDER_NOT_ESTIMATED and math.isnan(age.gender_score)
    assert math.isnan(gender.age) and gender.gender == ssrnet.gender
    assert describe_estimate(age) == f"{gear.age:.0f} y" and describe_estimate(gender) == ssrnet.gender
    checks = check_model(age_only)
    assert checks.output_shape == (1, 1) and checks.gender is None and abs(checks.age - gear.age) <= 1e-4
    assert check_model(gender_only).output_shape == (1, 2) and check_model(gender_only).age is None
    # Table I counts only what an estimator gives: no age MAE from a NaN age, no gender accuracy from "unknown"
    records = [EsbRecord("FV-TP", "gear-age", age.gender, age.age, "male", 61.0),
               EsbRecord("FV-TP", "ssrnet-gender", gender.gender, gender.age, "male", 61.0)]
    cells = {(c.estimator, c.group): c for c in esb_table(records)}
    assert cells["gear-age", "FV-TP"].age_n == 1 and cells["gear-age", "FV-TP"].gender_n == 0
    assert cells["ssrnet-gender", "FV-TP"].age_n == 0 and cells["ssrnet-gender", "FV-TP"].gender_n == 1


BUILD = {
    "wrong number of bins": (GEAR_SPEC, dict(age_bins=[15.0, 23.0, 28.0, 35.5, 45.5, 55.5]),
                             "age_output 'age' has shape (2, 7) for a batch of 2, but the spec says (B, 6) "
                             "(age_bins has 6 centres)"),
    "years from a bin output": (GEAR_SPEC, dict(age_kind="years", age_bins=None),
                                "age_output 'age' has shape (2, 7) for a batch of 2, but the spec says (B, 1) or "
                                '(B,) (age_kind = "years": one age per face)'),
    "one gender column of two": (GEAR_SPEC, dict(gender_classes=["male"]),
                                 "gender_output 'gender' has shape (2, 2) for a batch of 2, but the spec says (B, 1) "
                                 "or (B,) (gender_classes has 1 entry)"),
    "two gender columns of one": (SSRNET_SPEC, dict(gender_classes=["male", "female"]),
                                  "gender_output 'gender' has shape (2, 1) for a batch of 2, but the spec says "
                                  "(B, 2) (gender_classes has 2 entries)"),
    "missing output": (GEAR_SPEC, dict(gender_output="sex"),
                       "the spec names output 'sex', but the model's outputs are: age, gender, race"),
    "wrong input size": (SSRNET_SPEC, dict(input_size=96), "input 'image' has shape (B, 64, 64, 3), but the spec says "
                                                           "NHWC (B, 96, 96, 3) (input_size = 96)"),
}


@pytest.mark.parametrize("case", BUILD, ids=list(BUILD))
def test_a_bad_estimator_file_gets_one_precise_message(exported, case):
    base, changes, message = BUILD[case]
    with pytest.raises(ModelFileError) as info:
        build_user_model(spec_of(exported, base, **changes))
    assert message in str(info.value)


def tiny_spec(tmp_path, file, **fields):
    base = dict(name="tiny-estimator", role="estimator", file=str(file), input_size=16, crop="box")
    return load_spec(write_spec(tmp_path / "tiny.toml", **{**base, **fields}))


def test_nan_outputs_are_refused(tmp_path):
    spec = tiny_spec(tmp_path, tiny_onnx(tmp_path / "nan.onnx", nan=True, output="age"), age_output="age",
                     age_kind="logits", age_bins=[20.0, 40.0, 60.0])
    with pytest.raises(ModelFileError, match=r"nan.onnx: age_output 'age' has 6 non-finite values \(NaN or inf\) of "
                                             r"6 on a mid-grey test input"):
        build_user_model(spec)


def test_an_implausible_age_on_the_sample_face_is_refused(tmp_path, sample_index):
    # age = the mean of the first input channel: x + 500 on the sample face's crop, far above 120 years
    spec = tiny_spec(tmp_path, tiny_estimator_onnx(tmp_path / "tiny.onnx"), age_output="age", age_kind="years",
                     mean=[-500.0, 0.0, 0.0])
    model = build_user_model(spec)  # mid-grey gives finite values of the right shape
    with pytest.raises(ModelCheckError, match=r"tiny-estimator: the estimated age of the sample face is 6\d\d(\.\d)? "
                                              r"years, outside the plausible range 0–120; check age_kind, age_bins"):
        check_model(model)


def test_gender_probabilities_that_do_not_sum_to_one_are_refused_and_logits_are_not(tmp_path, sample_index):
    file = tiny_estimator_onnx(tmp_path / "tiny.onnx")
    fields = dict(gender_output="gender", gender_classes=["female", "male"], scale=1 / 255)
    model = build_user_model(tiny_spec(tmp_path, file, gender_kind="probabilities", **fields))
    with pytest.raises(ModelCheckError, match=r'the spec says gender_kind = "probabilities", but the gender_output\'s '
                                              r"values on the sample face sum to .* not 1 .*use gender_kind = "
                                              r'"logits" if they are scores before a softmax'):
        check_model(model)
    checks = check_model(build_user_model(tiny_spec(tmp_path, file, gender_kind="logits", **fields)))
    assert checks.gender in ("female", "male") and checks.age is None


def test_a_refused_estimator_is_not_registered(exported, tmp_path, capsys):
    spec = write_spec(tmp_path / "bad.toml", **{**GEAR_SPEC, "file": str(exported / "gear.onnx"),
                                                "age_bins": [15.0, 23.0, 28.0]})
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("FACE_XAI_MODELS", str(tmp_path / "store"))
        assert main(["models", "add", str(spec)]) == 2
        assert "gear-onnx" not in names("estimator")
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["error: gear.onnx: age_output 'age' has shape (2, 7) for a batch of 2, but the spec says (B, 3) "
                   "(age_bins has 3 centres)"]
    assert not (tmp_path / "store" / "gear-onnx").exists()


def test_the_pages_add_panel_sends_an_estimator_to_registration(exported):
    from models.spec import SpecError
    from ui.add_model import build_session_model

    text = write_spec(exported / "page.toml", **{**GEAR_SPEC, "file": "gear.onnx"}).read_text()
    with pytest.raises(SpecError, match=r"page.toml describes a soft-biometric estimator \(age, gender\); this page "
                                        r"needs a face embedder \(verification\): register it on the server with "
                                        r"`python -m xai models add SPEC`"):
        build_session_model(text, "page.toml", (exported / "gear.onnx").read_bytes(), "gear.onnx", "embedder")
