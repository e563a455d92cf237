"""Verification of real sample pairs and FV-RISE/CorrRISE on a real embedder."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from models.registry import verification_embedders
from xai.core.faces import FaceError
from xai.verify.pipeline import decision_map, explain_pair, verify_pair

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("model", verification_embedders())
def test_same_person_is_accepted_and_different_people_rejected(model, sample_images):
    same = verify_pair(sample_images["obama.jpg"], sample_images["obama3.jpg"], model)
    different = verify_pair(sample_images["obama.jpg"], sample_images["biden.jpg"], model)
    other = verify_pair(sample_images["astronaut.png"], sample_images["biden.jpg"], model)
    assert same.same_person and not different.same_person and not other.same_person
    assert same.cosine > different.cosine


def test_mobilefacenet_is_refused_for_verification(sample_images):
    with pytest.raises(ValueError, match="not offered for verification"):
        verify_pair(sample_images["obama.jpg"], sample_images["obama2.jpg"], "mobilefacenet")


def test_a_faceless_gallery_is_a_typed_error(sample_images):
    with pytest.raises(FaceError):
        verify_pair(sample_images["obama.jpg"], np.full((200, 200, 3), 90, np.uint8))


@pytest.fixture(scope="module")
def same_pair(sample_images):
    return verify_pair(sample_images["obama.jpg"], sample_images["obama2.jpg"], "faceres")


def test_similarity_map_of_a_same_person_pair_lies_on_the_face(same_pair):
    saliency = explain_pair(same_pair, "fv-rise", n_masks=128, seed=0, batch_size=32)
    shown = decision_map(same_pair, saliency)
    assert shown is saliency.similarity and shown.shape == (224, 224)
    h, w = shown.shape
    # inner face of an ArcFace-aligned crop: eyes to chin, cheek to cheek (45 % of the crop's area)
    inside = shown[int(0.2 * h):int(0.95 * h), int(0.2 * w):int(0.8 * w)].sum() / shown.sum()
    assert inside > 0.6


@pytest.mark.parametrize("explainer", ["fv-rise", "corr-rise"])
def test_auto_precision_on_a_real_pair_is_bf16_only_where_the_cpu_has_it_and_the_map_matches_fp32(same_pair,
                                                                                                    explainer):
    from xai.core.precision import native_bf16

    auto = explain_pair(same_pair, explainer, n_masks=160, seed=3, precision="auto")
    exact = explain_pair(same_pair, explainer, n_masks=160, seed=3, precision="fp32")
    assert exact.precision == "fp32" and exact.precision_check is None
    if native_bf16() is None:
        assert auto.precision == "fp32" and np.array_equal(auto.raw, exact.raw)
        return
    assert auto.precision == "bf16" and auto.precision_check >= 0.999
    assert "kept in fp32" in auto.precision_detail
    assert np.corrcoef(auto.raw.ravel(), exact.raw.ravel())[0, 1] >= 0.999  # the same masks, scored both ways
    again = explain_pair(same_pair, explainer, n_masks=160, seed=3, precision="auto")
    assert np.array_equal(auto.raw, again.raw)


def test_real_maps_are_reproducible_and_seed_dependent(same_pair):
    a = explain_pair(same_pair, "corr-rise", n_masks=32, seed=5)
    b = explain_pair(same_pair, "corr-rise", n_masks=32, seed=5)
    c = explain_pair(same_pair, "corr-rise", n_masks=32, seed=6)
    assert np.array_equal(a.raw, b.raw) and not np.array_equal(a.raw, c.raw)
    assert a.reference_score == pytest.approx(same_pair.cosine, abs=1e-5)


def test_cli_verify_json(tmp_path):
    result = subprocess.run([sys.executable, "-m", "xai", "verify", str(ROOT / "assets/samples/biden.jpg"),
                             str(ROOT / "assets/samples/astronaut.png"), "--model", "dlib-resnet",
                             "--explainer", "corr-rise", "--masks", "16", "--json", "--out", str(tmp_path)],
                            cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["metric"] == "euclidean" and summary["same_person"] is False
    assert summary["probe_explanation"]["map_shown"] == "dissimilarity"
    assert (tmp_path / "probe_dissimilarity.png").is_file() and (tmp_path / "verification.json").is_file()


def test_similarity_cam_for_faceres_and_a_clear_refusal_for_the_dlib_black_box(sample_images, same_pair):
    from xai.verify.pipeline import map_faithfulness, similarity_cam

    heatmap = similarity_cam(same_pair, "grad-cam")
    assert heatmap.shape == (224, 224) and heatmap.max() == pytest.approx(1.0, abs=1e-5)
    curves = map_faithfulness(same_pair, heatmap, steps=4)
    assert curves.deletion[0] == pytest.approx(same_pair.cosine) and curves.deletion_auc < curves.insertion_auc
    dlib_pair = verify_pair(sample_images["obama.jpg"], sample_images["obama2.jpg"], "dlib-resnet")
    with pytest.raises(ValueError, match="black box"):
        similarity_cam(dlib_pair)
