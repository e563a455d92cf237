"""Explanations of the shipped ID-card model on a real generated sample card, and the CLI commands."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from xai.cli.main import main
from xai.idcard.explain import GRID, explain_idcard, explanation_to_dict, panel_png
from xai.idcard.synth import ZONE_NAMES, demo_pair


@pytest.fixture(scope="module")
def pair():
    return demo_pair("obama.jpg")


@pytest.fixture(scope="module")
def spoof_explanation(pair):
    return explain_idcard(pair[1].image)


def test_prediction_cams_attention_and_zones_are_well_formed(spoof_explanation):
    e = spoof_explanation
    assert e.label in ("genuine", "spoof") and 0 <= e.p_spoof <= 1
    assert (e.label == "spoof") == (e.p_spoof >= 0.5)
    for cam in (e.cam_rgb, e.cam_second):
        assert cam.shape == (224, 224) and cam.dtype == np.float32 and cam.min() >= 0 and cam.max() <= 1 + 1e-6
    a = e.attention
    assert a.matrix.shape == (GRID * GRID, GRID * GRID)
    np.testing.assert_allclose(a.matrix.sum(axis=1), 1, atol=1e-4)
    assert a.received.shape == (GRID, GRID) and abs(float(a.received.sum()) - 1) < 1e-3
    top = a.top_key_cell
    assert a.received[top] == a.received.max()
    # the default query is the RGB cell attending most to the most attended FFT cell
    column = a.matrix[:, top[0] * GRID + top[1]]
    assert a.query_cell == divmod(int(np.argmax(column)), GRID)
    np.testing.assert_allclose(a.for_query((3, 4)), a.matrix[3 * GRID + 4].reshape(GRID, GRID))
    assert [z.zone for z in e.zones] == list(ZONE_NAMES)
    for z in e.zones:
        assert 0 <= z.p_spoof <= 1 and z.delta == pytest.approx(z.p_spoof - e.p_spoof) and 0 < z.area < 1
    assert 0.8 < sum(z.area for z in e.zones) <= 1 + 1e-9  # disjoint zones; the card's plain gaps belong to none


def test_localisation_or_fallback_is_reported(spoof_explanation, pair):
    e = spoof_explanation
    if e.location.method in ("quadrilateral", "min-area-rect"):
        assert e.location.quad.shape == (4, 2)
    else:
        assert e.warnings  # the user is told the crops are centred on the image
    assert e.annotated.ndim == 3 and e.annotated.std() > 5


def test_annotated_centroid_and_a_clicked_cell(pair):
    sample = pair[1]
    e = explain_idcard(sample.image, centroid=sample.centroid, query_cell=(5, 20))
    assert e.location.method == "manual" and e.quad_assumed
    assert e.attention.query_cell == (5, 20)
    np.testing.assert_allclose(e.attention.query_map, e.attention.matrix[5 * GRID + 20].reshape(GRID, GRID))
    summary = explanation_to_dict(e)
    json.dumps(summary)
    assert summary["attention"]["query_cell"] == [5, 20]
    assert panel_png(e)[:8] == b"\x89PNG\r\n\x1a\n"


def test_cli_idcard_json_and_out(tmp_path, pair, capsys):
    path = tmp_path / "card.png"
    Image.fromarray(pair[0].image).save(path)
    cx, cy = pair[0].centroid
    assert main(["idcard", str(path), "--centroid", f"{cx:.0f},{cy:.0f}", "--json", "--out", str(tmp_path / "out")]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["prediction"]["label"] in ("genuine", "spoof")
    assert summary["location"]["method"] == "manual"
    assert {p.name for p in (tmp_path / "out").iterdir()} == {"l1_crop.png", "l2_crop.png", "panel.png",
                                                              "explanation.json"}
    assert main(["idcard", str(path), "--centroid", "12"]) == 2


def test_cli_evaluate_idcard_prints_the_tables_layout(capsys):
    assert main(["evaluate", "idcard", "--variant", "vgg16-fft", "--heldout-cards", "4"]) == 0
    out = capsys.readouterr().out
    for column in ("precision (%)", "recall (%)", "accuracy (%)", "APCER (%)", "BPCER (%)", "HTER (%)",
                   "params (M)", "GFLOPs", "s/image"):
        assert column in out
    assert "| vgg16-fft | 4 |" in out
