"""Region-wise explanation end to end on a real sample, with the shipped region models."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from models.registry import load_model
from xai.core.faces import FaceError
from xai.spoof.explain import explain_spoof, explanation_to_dict

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def explanation(sample_images):
    return explain_spoof(sample_images["obama.jpg"], mask_top_percent=10.0, curve_steps=8)


def test_every_region_is_explained_with_consistent_numbers(explanation):
    assert [r.region for r in explanation.regions] == ["full_face", "eyes", "nose", "mouth"]
    for r in explanation.regions:
        model = load_model(r.model)
        with torch.no_grad():
            probs = torch.softmax(model.two_class_logits(model.to_batch(r.crop[None])), -1)[0].numpy()
            masked_probs = torch.softmax(model.two_class_logits(model.to_batch(r.masked[None])), -1)[0].numpy()
        assert r.predicted == int(np.argmax(probs))
        assert r.confidence == pytest.approx(float(probs.max()), abs=1e-6)  # eq. 4
        assert r.masked_confidence == pytest.approx(float(masked_probs[r.predicted]), abs=1e-6)
        assert r.confidence_drop == pytest.approx(r.confidence - r.masked_confidence, abs=1e-9)  # eq. 6
        assert -1.0 <= r.ssim <= 1.0
        assert r.heatmap.shape == (224, 224) and 0 <= r.heatmap.min() and r.heatmap.max() <= 1 + 1e-6
        assert (r.masked == 0).all(axis=-1).sum() >= round(0.10 * 224 * 224)
        assert 0 <= r.curves.deletion_auc <= 1 and 0 <= r.curves.insertion_auc <= 1


def test_same_input_and_parameters_give_identical_heatmaps(sample_images, explanation):
    again = explain_spoof(sample_images["obama.jpg"], mask_top_percent=10.0, curve_steps=8)
    a, b = explanation_to_dict(explanation), explanation_to_dict(again)
    assert [r["heatmap_sha256"] for r in a["regions"]] == [r["heatmap_sha256"] for r in b["regions"]]


def test_human_models_are_explained_on_their_own_crop(sample_images):
    result = explain_spoof(sample_images["biden.jpg"], family="human-liveness", cam_method="grad-cam++",
                           curve_steps=4)
    assert [r.region for r in result.regions] == ["face"]
    assert result.regions[0].crop.shape == (32, 32, 3)


def test_no_face_is_a_typed_error():
    with pytest.raises(FaceError):
        explain_spoof(np.full((300, 300, 3), 128, np.uint8))


def test_cli_prints_every_region_and_writes_overlays(tmp_path):
    out = tmp_path / "out"
    result = subprocess.run([sys.executable, "-m", "xai", "spoof", str(ROOT / "assets/samples/astronaut.png"),
                             "--mask-top", "15", "--steps", "4", "--json", "--out", str(out)],
                            cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["mask_top_percent"] == 15.0 and len(summary["regions"]) == 4
    for region in ("full_face", "eyes", "nose", "mouth"):
        assert (out / f"{region}_heatmap.png").is_file() and (out / f"{region}_masked.png").is_file()
    assert (out / "panel.png").stat().st_size > 10_000


def test_cli_rejects_a_non_image_cleanly(tmp_path):
    fake = tmp_path / "notes.jpg"
    fake.write_text("not an image")
    result = subprocess.run([sys.executable, "-m", "xai", "spoof", str(fake)], cwd=ROOT, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 2
    assert "not a readable image" in result.stderr and "Traceback" not in result.stderr
