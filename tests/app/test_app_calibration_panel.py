"""The verification page's calibration block (ui/calibration_panel.py) under AppTest, on a real faceres decision."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from xai.verify import calibration
from xai.verify.calibration import build_reference, sample_identities

ROOT = Path(__file__).resolve().parents[2]


def panel_script():
    from pathlib import Path

    from ui.calibration_panel import render_calibration
    from xai.core.images import read_image_file
    from xai.verify.pipeline import verify_pair

    samples = Path("assets/samples")
    result = verify_pair(read_image_file(str(samples / "obama.jpg")), read_image_file(str(samples / "biden.jpg")),
                         "faceres")
    render_calibration(result)


def run_panel() -> AppTest:
    at = AppTest.from_function(panel_script, default_timeout=180).run()
    assert not at.exception, at.exception
    return at


def test_shipped_reference_names_the_models_threshold_and_draws_its_figures():
    at = run_panel()
    captions = [c.value for c in at.caption]
    assert captions[0].startswith("**Threshold:** model's stated threshold")
    assert any("Calibrated confidence" in c for c in captions)
    assert at.expander[0].label.startswith("Calibration of faceres: 3 genuine and 7 impostor pairs, EER")
    assert len(at.get("plotly_chart")) == 2  # DET curve and histograms
    assert not at.table  # the shipped reference asks for no target FMR


@pytest.fixture
def calibrated_store(tmp_path, monkeypatch):
    monkeypatch.setattr(calibration, "CALIBRATION_DIR", tmp_path)
    build_reference("faceres", sample_identities(), "the samples", targets=(0.01, 0.5)).save()
    return tmp_path


def test_a_calibrated_threshold_is_shown_with_its_pairs_and_intervals(calibrated_store):
    at = run_panel()
    assert at.caption[0].value.startswith("**Threshold:** calibrated at FMR 50.00% on 7 impostor and 3 genuine pairs")
    rows = at.table[0].value
    assert list(rows["target FMR"]) == ["1.00%", "50.00%"]
    assert rows["supported"].iloc[0].startswith("no: 7 impostor pairs resolve FMR ≥ 34.82%")
    assert "[" in rows["FMR [95 % CI]"].iloc[1]


def test_no_calibration_says_so_next_to_the_decision(tmp_path, monkeypatch):
    monkeypatch.setattr(calibration, "CALIBRATION_DIR", tmp_path)
    at = run_panel()
    assert at.caption[0].value.startswith("**Threshold:** no calibration: model's stated threshold")
    assert "python -m xai calibrate verify --data DIR --model faceres" in at.caption[0].value
    assert not at.expander
