"""check_model on shipped models and the real sample face: what it measures, and each failure's message.

The failing cases wrap the real faceres embedder / region spoof classifier and change one thing about its output
(NaN, a zero vector, noise between runs, a batch-dependent term, a wrong width): the checks see what a broken user
model file would give them.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from models.base import FaceEmbedder, SpoofClassifier
from models.registry import load_model
from xai.core.model_checks import ModelCheckError, ModelChecks, check_model, sample_crops

ROOT = Path(__file__).resolve().parents[2]


def _one_crop(model) -> torch.Tensor:
    """(1, S, S, 3) float32 crop of the sample face, as check_model gives it."""
    return model.to_batch(sample_crops(model)[:1])


@pytest.fixture(scope="module")
def faceres():
    return load_model("faceres")


@pytest.fixture(scope="module")
def faceres_checks(faceres, sample_index) -> ModelChecks:
    return check_model(faceres)


@pytest.mark.parametrize("name, size, width", [("faceres", 224, 1024), ("dlib-resnet", 150, 128)])
def test_embedders_pass_with_their_output_shape_and_raw_norm(name, size, width, sample_index):
    model = load_model(name)
    checks = check_model(model)
    assert (checks.name, checks.role, checks.crop_size, checks.output_shape) == (name, "embedder", size, (1, width))
    assert checks.repeat_difference <= 1e-6 and checks.batch_difference <= 1e-5
    assert checks.seconds_per_face > 0
    assert checks.class_count is None and checks.class_probabilities is None and checks.age is None
    # the raw norm is the model's own, not the normalised one
    with torch.no_grad():
        expected = float(torch.linalg.vector_norm(model.descriptors(_one_crop(model))[0]))
    assert checks.embedding_norm == pytest.approx(expected, rel=1e-6)
    assert checks.embedding_norm > 0


def test_faceres_is_not_normalised_but_mobilefacenet_is(faceres_checks, sample_index):
    assert faceres_checks.embedding_norm > 2  # mean of ReLU6 features
    assert check_model(load_model("mobilefacenet")).embedding_norm == pytest.approx(1.0, abs=1e-5)


@pytest.mark.parametrize("name", ["resnet18-cbam-full_face", "human-liveness"])
def test_spoof_classifiers_give_two_probabilities_summing_to_one(name, sample_index):
    model = load_model(name)
    checks = check_model(model)
    assert checks.role == "spoof" and checks.output_shape == (1, 2) and checks.class_count == 2
    spoof, bona_fide = checks.class_probabilities
    assert 0 <= spoof <= 1 and 0 <= bona_fide <= 1 and spoof + bona_fide == pytest.approx(1, abs=1e-9)
    with torch.no_grad():
        expected = float(model.bona_fide_probability(_one_crop(model))[0])
    assert bona_fide == pytest.approx(expected, abs=1e-5)
    assert checks.embedding_norm is None


def test_the_region_model_calls_the_sample_portrait_bona_fide(sample_index):
    checks = check_model(load_model("resnet18-cbam-full_face"))
    assert checks.class_probabilities[1] > 0.5


def test_an_estimator_reports_age_and_gender(sample_index):
    checks = check_model(load_model("gear"))
    assert checks.role == "estimator" and checks.output_shape == (1, 3)
    assert 20 < checks.age < 90 and checks.gender == "male"  # Barack Obama, photographed in his late forties


def test_the_second_crop_is_the_mirror_of_the_first(faceres, sample_index):
    pair = sample_crops(faceres)
    assert pair.shape == (2, 224, 224, 3) and pair.dtype == np.uint8
    assert np.array_equal(pair[1], pair[0][:, ::-1])


def test_checks_are_frozen_and_json_ready(faceres_checks):
    with pytest.raises(AttributeError):
        faceres_checks.name = "other"
    data = json.loads(json.dumps(faceres_checks.to_dict()))
    assert data["output_shape"] == [1, 1024] and data["role"] == "embedder"
    assert set(data) == set(ModelChecks.__slots__)
    assert any("1×1024" in line for line in faceres_checks.lines())


class _Broken(FaceEmbedder):
    """The real faceres embedder with one defect in its output."""

    def __init__(self, base: FaceEmbedder, defect) -> None:
        self.base, self.defect, self.calls = base, defect, 0
        self.name, self.title, self.card_file = "broken-faceres", "broken", base.card_file
        self.crop_spec, self.input_spec = base.crop_spec, base.input_spec

    def files(self):
        return self.base.files()

    def descriptors(self, crops: torch.Tensor) -> torch.Tensor:
        self.calls += 1
        return self.defect(self.base.descriptors(crops), self.calls)


def _nan(d, _):
    d = d.clone()
    d[:, 3] = float("nan")
    return d


def _inf(d, _):
    d = d.clone()
    d[:, :2] = float("inf")
    return d


def _noise(d, call):
    return d + 1e-3 * call


def _batch_dependent(d, _):
    return d + 1e-2 * (len(d) - 1)


def _one_wide(d, _):
    return d[:, :1]


def _zeros(d, _):
    return torch.zeros_like(d)


def _two_rows(d, _):
    return torch.cat([d, d])


@pytest.mark.parametrize("defect, message", [
    (_nan, "broken-faceres: the output for the sample face (obama.jpg) has 1 NaN value(s) out of 1024"),
    (_inf, "broken-faceres: the output for the sample face (obama.jpg) has 2 infinite value(s) out of 1024"),
    (_noise, "broken-faceres: not deterministic: two runs on the same face differ by up to 0.001"),
    (_batch_dependent, "broken-faceres: the output depends on the batch: a batch of 2 differs from the 2 faces run "
                       "alone by up to 0.01"),
    (_one_wide, "broken-faceres: an embedder must output (1, D) with D >= 2 for one face, got shape (1, 1)"),
    (_zeros, "broken-faceres: the embedding of the sample face is all zeros (norm 0)"),
    (_two_rows, "broken-faceres: one face gave an output of shape (2, 1024); expected one row per face"),
])
def test_each_defect_gets_its_own_message(faceres, defect, message, sample_index):
    with pytest.raises(ModelCheckError) as raised:
        check_model(_Broken(faceres, defect))
    assert str(raised.value).startswith(message)
    assert "\n" not in str(raised.value)


class _ThreeClass(SpoofClassifier):
    """The real region spoof model with a third, spurious logit column."""

    def __init__(self, base: SpoofClassifier) -> None:
        self.base = base
        self.name, self.title, self.card_file = "three-class", "three", base.card_file
        self.crop_spec, self.input_spec = base.crop_spec, base.input_spec

    def files(self):
        return self.base.files()

    def two_class_logits(self, crops):
        logits = self.base.two_class_logits(crops)
        return torch.cat([logits, logits[:, :1]], dim=1)

    def bona_fide_logit(self, crops):
        return self.base.bona_fide_logit(crops)


class _SwappedOrder(_ThreeClass):
    def two_class_logits(self, crops):
        return self.base.two_class_logits(crops).flip(-1)


def test_a_spoof_model_with_three_classes_is_refused(sample_index):
    with pytest.raises(ModelCheckError, match=r"three-class: a spoof classifier must give 2 classes \(spoof, bona "
                                              r"fide\) for one face, got shape \(1, 3\)"):
        check_model(_ThreeClass(load_model("resnet18-cbam-full_face")))


def test_inconsistent_class_order_is_refused(sample_index):
    with pytest.raises(ModelCheckError, match="differs from the softmax of its two-class logits"):
        check_model(_SwappedOrder(load_model("resnet18-cbam-full_face")))


# ---------------------------------------------------------------------------------------------- the card


def test_the_card_states_spec_hash_checks_and_calibration(sample_index, tmp_path):
    from datetime import UTC, datetime

    from models.base import ModelCard
    from models.spec import load_spec
    from xai.core.model_card import calibration_state, render_model_card

    spec = load_spec(ROOT / "examples/specs/liveness-onnx.toml")
    checks = check_model(load_model("resnet18-cbam-full_face"))
    text = render_model_card(spec, "ab" * 32, checks, registered_at=datetime(2026, 1, 2, 3, 4, tzinfo=UTC))
    (tmp_path / "card.md").write_text(text)
    card = ModelCard.load(str(tmp_path / "card.md"))  # read as the shipped cards are
    fields, body = card.fields, card.body
    assert fields["sha256"] == "ab" * 32 and fields["role"] == "spoof" and fields["origin"] == "user"
    assert fields["title"] == spec.title and fields["license"] == "state the model's license"
    assert fields["summary"] == "User model (onnx), spoof classifier (presentation attack): 224×224 NCHW input, 2 classes."
    assert "Registered by the user on 2026-01-02 03:04 UTC" in body
    assert "- class order: spoof, bona_fide; bona fide class: bona_fide" in body
    assert "side (1 + 2 × 0.2) × its longer side" in body
    for line in checks.lines():
        assert f"- {line}" in body
    assert "CAM target layer: `/layer4/layer4.1/relu_1/Relu`." in body
    assert calibration_state(spec).description in body
    assert calibration_state(spec).threshold is None and not calibration_state(spec).calibrated


def test_an_embedder_spec_asking_for_calibration_says_how_to_get_one(faceres_checks):
    from models.spec import load_spec
    from xai.core.model_card import calibration_state, render_model_card

    spec = load_spec(ROOT / "examples/specs/arcface-onnx.toml")
    state = calibration_state(spec)
    assert (state.calibrated, state.threshold) == (False, None)
    assert "`python -m xai calibrate verify --data DIR --model arcface-r100`" in state.description
    card = render_model_card(spec, "cd" * 32, faceres_checks)
    assert "No CAM target layer in the spec" in card
    assert "- NCHW RGB 112×112, ((x × 1) − (127.5, 127.5, 127.5)) / (127.5, 127.5, 127.5) from x in 0..255" in card
