"""Calibrated confidence: reference scores from a labelled folder and the error rates a score implies."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from xai.verify.calibration import ScoreReference, build_reference, calibrated_confidence, identities_from_folder

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
    result = subprocess.run([sys.executable, "-m", "xai", "calibrate", "verify", "--data", str(labelled_folder),
                             "--model", "dlib-resnet", "--out", str(out)], cwd=ROOT, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    saved = json.loads((out / "dlib-resnet.json").read_text())
    assert saved["metric"] == "euclidean" and len(saved["genuine"]) == 3
    assert "skipped" in result.stdout and "notes.jpg" in result.stdout
    verify = subprocess.run([sys.executable, "-m", "xai", "verify", str(SAMPLES / "obama.jpg"),
                             str(SAMPLES / "biden.jpg"), "--explainer", "none", "--json"], cwd=ROOT,
                            capture_output=True, text=True, timeout=300)
    calibrated = json.loads(verify.stdout)["calibrated"]  # the shipped faceres reference
    # cosine 0.346 is below every genuine score (FNMR 0: no genuine pair scores this low) while 4 of the 7
    # impostor scores (0.346 itself, 0.421, 0.446, 0.468) reach it
    assert calibrated["impostor_pairs"] == 7 and calibrated["fnmr"] == 0.0
    assert calibrated["fmr"] == pytest.approx(4 / 7)
