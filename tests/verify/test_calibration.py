"""Calibrated confidence: reference scores from a labelled folder and the error rates a score implies."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from models.zoo.faceres import FaceResEmbedder
from xai.core.images import read_image_file
from xai.verify import calibration
from xai.verify.calibration import (
    ScoreReference,
    accepts,
    build_reference,
    calibrated_confidence,
    calibration_path,
    identities_from_folder,
    sample_identities,
    summarize,
)
from xai.verify.pipeline import verify_pair

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "assets" / "samples"


def test_confidence_counts_by_hand():
    reference = ScoreReference("m", "cosine", "hand-made", genuine=[0.9, 0.8, 0.7, 0.6],
                               impostor=[0.1, 0.3, 0.65, 0.2], identities=2, images=6, created="today")
    c = calibrated_confidence(reference, 0.65)
    # impostors >= 0.65: one of four; genuine < 0.65: one of four (0.6)
    assert (c.fmr, c.fnmr, c.genuine_pairs, c.impostor_pairs) == (0.25, 0.25, 4, 4)
    distance = ScoreReference("d", "euclidean", "hand-made", genuine=[0.3, 0.4], impostor=[0.5, 0.9],
                              identities=2, images=4, created="today")
    c = calibrated_confidence(distance, 0.45)
    assert (c.fmr, c.fnmr) == (0.0, 0.0)


@pytest.fixture
def labelled_folder(tmp_path):
    for identity, files in {"obama": ["obama.jpg", "obama2.jpg", "obama3.jpg"], "biden": ["biden.jpg"],
                            "collins": ["astronaut.png"]}.items():
        (tmp_path / identity).mkdir()
        for f in files:
            shutil.copy(SAMPLES / f, tmp_path / identity / f)
    (tmp_path / "biden" / "notes.jpg").write_text("not an image")
    return tmp_path


def test_reference_from_a_labelled_folder(labelled_folder):
    identities, skipped = identities_from_folder(labelled_folder)
    assert skipped == ["biden/notes.jpg"]
    reference = build_reference("faceres", identities, "test folder")
    assert len(reference.genuine) == 3 and len(reference.impostor) == 7  # C(3,2) and 3·1 + 3·1 + 1·1
    assert min(reference.genuine) > max(reference.impostor)
    same = calibrated_confidence(reference, min(reference.genuine))
    assert same.fmr == 0.0 and same.fnmr == 0.0


def test_cli_calibrates_into_a_folder_and_verify_reports_it(labelled_folder, tmp_path):
    out = tmp_path / "calibration"
    stored = calibration_path("dlib-resnet").read_bytes()
    result = subprocess.run([sys.executable, "-m", "xai", "calibrate", "verify", "--data", str(labelled_folder),
                             "--model", "dlib-resnet", "--fmr", "0.01", "--fmr", "0.5", "--out", str(out)],
                            cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    saved = json.loads((out / "calibration.json").read_text())
    assert saved["metric"] == "euclidean" and len(saved["genuine"]) == 3 and saved["targets"] == [0.01, 0.5]
    low, high = saved["calibration"]["operating_points"]
    assert not low["supported"] and high["supported"] and high["fmr"]["rate"] <= 0.5
    assert saved["calibration"]["decision_threshold"] == high["threshold"]
    assert saved["skipped"] == ["biden/notes.jpg"]
    for page in ("det.html", "histograms.html"):  # plotly.js embedded: the figures open offline
        html = (out / page).read_text()
        assert "Plotly.newPlot" in html and "<script src=" not in html and len(html) > 1_000_000
    assert "skipped" in result.stdout and "notes.jpg" in result.stdout
    assert "target FMR" in result.stdout and "EER" in result.stdout
    assert "no: 7 impostor pairs resolve FMR ≥ 34.82%; needs 299" in result.stdout
    assert "decisions use: ≤" in result.stdout
    assert calibration_path("dlib-resnet").read_bytes() == stored  # --out leaves the stored calibration alone
    verify = subprocess.run([sys.executable, "-m", "xai", "verify", str(SAMPLES / "obama.jpg"),
                             str(SAMPLES / "biden.jpg"), "--model", "faceres", "--explainer", "none", "--json"], cwd=ROOT,
                            capture_output=True, text=True, timeout=300)
    answer = json.loads(verify.stdout)
    calibrated = answer["calibrated"]  # the shipped faceres reference
    # cosine 0.346 is below every genuine score (FNMR 0: no genuine pair scores this low) while 4 of the 7
    # impostor scores (0.346 itself, 0.421, 0.446, 0.468) reach it
    assert calibrated["impostor_pairs"] == 7 and calibrated["fnmr"] == 0.0
    assert calibrated["fmr"] == pytest.approx(4 / 7)
    origin = answer["threshold_origin"]  # the shipped reference asks for no target: the model's threshold decides
    assert origin["calibrated"] is False and origin["threshold"] == answer["threshold"] == FaceResEmbedder.threshold
    assert origin["origin"].startswith("model's stated threshold")


def test_cli_refuses_a_target_outside_zero_one(labelled_folder):
    result = subprocess.run([sys.executable, "-m", "xai", "calibrate", "verify", "--data", str(labelled_folder),
                             "--model", "faceres", "--fmr", "1.5", "--out", "unused"], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert "a target FMR must lie strictly between 0 and 1 (0.01 = 1 %), got 1.5" in result.stderr
    assert not (ROOT / "unused").exists()


@pytest.fixture(scope="module")
def sample_references():
    identities = sample_identities()
    return {model: build_reference(model, identities, "the samples", targets=(0.01, 0.5, 0.9))
            for model in ("faceres", "dlib-resnet")}


@pytest.mark.parametrize("model", ["faceres", "dlib-resnet"])
def test_thresholds_at_target_fmr_on_the_real_samples(sample_references, model):
    reference = sample_references[model]
    summary = summarize(reference)
    assert (summary.genuine_pairs, summary.impostor_pairs) == (3, 7)
    assert summary.resolvable_fmr == pytest.approx(1 - 0.05 ** (1 / 7))
    for point in summary.points:
        assert point.fmr.rate <= point.target_fmr  # the threshold meets its target on the pairs
        assert point.fmr.low <= point.fmr.rate <= point.fmr.high and point.fnmr.low <= point.fnmr.rate <= point.fnmr.high
        again = calibrated_confidence(reference, point.threshold)  # the same rates by the older code path
        assert (again.fmr, again.fnmr) == (point.fmr.rate, point.fnmr.rate)
        assert point.supported == (point.target_fmr >= summary.resolvable_fmr)
    assert [p.supported for p in summary.points] == [False, True, True]  # 1 % cannot be shown by 7 pairs
    assert summary.operating is summary.points[1]
    assert summary.eer == 0.0  # the samples' genuine and impostor scores are separated for both models


def test_a_stored_calibration_sets_the_decision_threshold(sample_references, tmp_path, monkeypatch):
    obama, obama2, biden = (read_image_file(str(SAMPLES / f)) for f in ("obama.jpg", "obama2.jpg", "biden.jpg"))
    shipped = verify_pair(obama, biden, "faceres")
    assert shipped.calibration.threshold == shipped.threshold == FaceResEmbedder.threshold
    assert not shipped.calibration.calibrated
    monkeypatch.setattr(calibration, "CALIBRATION_DIR", tmp_path)  # an empty store: no calibration at all
    bare = verify_pair(obama, biden, "faceres")
    assert bare.calibration.text.startswith("no calibration: model's stated threshold")
    for model in ("faceres", "dlib-resnet"):
        reference = sample_references[model]
        reference.save()
        assert (tmp_path / f"{model}.json").is_file()
        point = summarize(reference).operating
        for pair, same in (((obama, obama2), True), ((obama, biden), False)):
            result = verify_pair(*pair, model)
            assert result.calibration.calibrated and result.calibration.target_fmr == 0.5
            assert result.threshold == point.threshold
            assert result.same_person == same == accepts(result.metric, result.native_score, point.threshold)
            assert result.calibration.text.startswith("calibrated at FMR 50.00% on 7 impostor and 3 genuine pairs")


def test_a_user_model_is_calibrated_into_its_store_folder_and_decides_with_it(labelled_folder, tmp_path):
    from onnx_exports import FACERES_SPEC, write_spec

    from models.runtime.export import export_faceres_onnx

    models = tmp_path / "models"
    models.mkdir()
    export_faceres_onnx(models / "faceres.onnx")
    spec = write_spec(models / "faceres-onnx.toml", **{**FACERES_SPEC, "threshold": "calibrate"})
    env = {**os.environ, "FACE_XAI_MODELS": str(tmp_path / "store")}

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "xai", *args], cwd=ROOT, capture_output=True, text=True,
                              timeout=300, env=env)

    added = run("models", "add", str(spec))
    assert added.returncode == 0, added.stderr
    pair = [str(SAMPLES / "obama.jpg"), str(SAMPLES / "obama2.jpg")]
    before = json.loads(run("verify", *pair, "--model", "faceres-onnx", "--explainer", "none", "--json").stdout)
    # "calibrate": no threshold yet, so no decision (null in strict JSON), and it says so
    assert before["same_person"] is None and before["threshold"] is None
    assert before["threshold_origin"]["origin"].startswith("no calibration: the model states no threshold")
    calibrated = run("calibrate", "verify", "--data", str(labelled_folder), "--model", "faceres-onnx",
                     "--fmr", "0.5")
    assert calibrated.returncode == 0, calibrated.stderr
    stored = tmp_path / "store" / "faceres-onnx" / "calibration.json"
    assert str(stored) in calibrated.stdout and json.loads(stored.read_text())["targets"] == [0.5]
    after = json.loads(run("verify", *pair, "--model", "faceres-onnx", "--explainer", "none", "--json").stdout)
    origin = after["threshold_origin"]
    assert after["same_person"] is True and origin["calibrated"] is True and origin["reference"] == str(stored)
    assert origin["threshold"] == after["threshold"] and origin["target_fmr"] == 0.5
    assert origin["origin"].startswith("calibrated at FMR 50.00% on 7 impostor and 3 genuine pairs from labelled "
                                       f"folder {labelled_folder}")
