"""xai.verify.maps: which maps a verified pair offers and shows, on real embedders and the sample photos."""

from __future__ import annotations

import numpy as np
import pytest

from models.registry import model_class, verification_embedders
from xai.verify.maps import (
    EXPLAINER_LABELS,
    converging_map,
    direction_label,
    offered_explainers,
    pair_map,
    part_map,
    report_explainer,
    shown_map_name,
)
from xai.verify.pipeline import explain_pair, map_faithfulness, similarity_cam, verify_pair


@pytest.fixture(scope="module")
def same_pair(sample_images):
    return verify_pair(sample_images["obama.jpg"], sample_images["obama2.jpg"], "faceres")


@pytest.fixture(scope="module")
def different_pair(sample_images):
    return verify_pair(sample_images["obama.jpg"], sample_images["biden.jpg"], "faceres")


@pytest.mark.parametrize("model", verification_embedders())
def test_cam_is_offered_only_for_differentiable_embedders(model):
    offered = offered_explainers(model)
    assert offered[:2] == ["fv-rise", "corr-rise"] and offered[-1] == "regions"
    assert ("cam" in offered) == bool(model_class(model).differentiable)
    assert set(offered) <= set(EXPLAINER_LABELS)


def test_dlib_is_a_black_box_without_cam():
    assert offered_explainers("dlib-resnet") == ["fv-rise", "corr-rise", "regions"]


def test_reports_use_the_first_chosen_rise_explainer_else_fv_rise():
    assert report_explainer(["regions", "corr-rise", "fv-rise"]) == "corr-rise"
    assert report_explainer(["cam", "regions"]) == "fv-rise"
    assert report_explainer([]) == "fv-rise"


def test_direction_labels_name_the_explainer_and_the_direction():
    assert direction_label("fv-rise", False) == "FV-RISE, probe → gallery"
    assert direction_label("regions", True) == "Face-part occlusion, gallery → probe"
    with pytest.raises(ValueError, match="choose one of: fv-rise"):
        direction_label("lime", False)


def test_the_shown_map_matches_the_decision(same_pair, different_pair):
    assert same_pair.same_person and not different_pair.same_person
    assert shown_map_name(same_pair, "fv-rise") == "similarity"
    assert shown_map_name(different_pair, "corr-rise") == "dissimilarity"
    assert shown_map_name(different_pair, "cam") == "similarity CAM"


def test_converging_map_keeps_the_decisions_side_scaled_by_its_peak(same_pair, different_pair):
    current = np.array([[1.0, -2.0], [0.5, 0.0]], np.float32)
    np.testing.assert_allclose(converging_map(same_pair, current), [[1.0, 0.0], [0.5, 0.0]])
    np.testing.assert_allclose(converging_map(different_pair, current), [[0.0, 1.0], [0.0, 0.0]])
    assert converging_map(same_pair, -np.abs(current) - 1).max() == 0.0  # nothing on the shown side yet
    assert converging_map(same_pair, current).dtype == np.float32


def test_fv_rise_map_of_a_same_person_pair_is_the_similarity_map_with_its_curves(same_pair):
    seen = []
    shown = pair_map(same_pair, "fv-rise", 128, seed=2, precision="fp32",
                     progress=lambda done, total, current: seen.append((done, total, current.shape)))
    reference = explain_pair(same_pair, "fv-rise", n_masks=128, seed=2, precision="fp32")
    np.testing.assert_array_equal(shown.shown, reference.similarity)
    np.testing.assert_array_equal(shown.similarity, reference.similarity)
    np.testing.assert_array_equal(shown.dissimilarity, reference.dissimilarity)
    curves = map_faithfulness(same_pair, reference.similarity)
    assert shown.curves.deletion_auc == pytest.approx(curves.deletion_auc)
    assert shown.curves.insertion_auc == pytest.approx(curves.insertion_auc)
    assert shown.how == "128 sobol masks, seed 2, scored in fp32"
    assert (shown.explainer, shown.reverse) == ("fv-rise", False)
    assert seen and seen[-1][:2] == (128, 128) and seen[-1][2] == (224, 224)


def test_corr_rise_map_of_a_rejected_pair_is_the_dissimilarity_map(different_pair):
    shown = pair_map(different_pair, "corr-rise", 64, seed=1, reverse=True, precision="fp32")
    reference = explain_pair(different_pair, "corr-rise", n_masks=64, seed=1, reverse=True, precision="fp32")
    np.testing.assert_array_equal(shown.shown, reference.dissimilarity)
    assert shown.how == "64 random masks, seed 1, scored in fp32"  # CorrRISE samples patches at random
    assert 0.0 <= shown.shown.min() and shown.shown.max() <= 1.0


def test_similarity_cam_is_shown_as_it_is_without_a_dissimilarity_map(same_pair):
    shown = pair_map(same_pair, "cam", 0)
    np.testing.assert_allclose(shown.shown, similarity_cam(same_pair), atol=1e-6)
    assert shown.dissimilarity is None and shown.how == ""
    assert shown.shown.shape == (224, 224) and shown.shown.dtype == np.float32


def test_cam_on_a_black_box_embedder_is_a_value_error(sample_images):
    result = verify_pair(sample_images["obama.jpg"], sample_images["obama2.jpg"], "dlib-resnet")
    with pytest.raises(ValueError, match="black box"):
        pair_map(result, "cam", 0)


def test_part_map_tints_each_part_by_whether_it_supports_the_decision(same_pair):
    parts = part_map(same_pair)
    assert len(parts.parts) == len(parts.supports) >= 7
    for part, supports in zip(parts.parts, parts.supports, strict=True):
        assert supports == (part.delta_one < 0)  # accepted: hiding a supporting part lowers the similarity
    assert parts.picture.shape == same_pair.probe_crop.shape and parts.picture.dtype == np.uint8
    assert not np.array_equal(parts.picture, same_pair.probe_crop)
    assert parts.reference == pytest.approx(same_pair.cosine, abs=1e-3)
    assert part_map(same_pair, reverse=True).picture.shape == same_pair.gallery_crop.shape
