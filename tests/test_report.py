"""Audit reports: every required field and embedded images in the HTML, a PDF that renders, replay that says
"identical" for a fresh report and flags a changed input or parameter, and the batch CLI."""

from __future__ import annotations

import base64
import csv
import io
import json
import re
import shutil
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from xai.report.builder import ReportInput, build_gates_report, build_spoof_report, build_verify_report
from xai.report.html import render_html
from xai.report.pdf import render_pdf
from xai.report.replay import replay_report

ROOT = __import__("pathlib").Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "assets" / "samples"


def _input(name: str, role: str = "image") -> ReportInput:
    return ReportInput(name, role, (SAMPLES / name).read_bytes())


@pytest.fixture(scope="module")
def spoof_report(sample_index):
    return build_spoof_report(_input("obama.jpg"), family="human-antispoof", curve_steps=4, with_gates=True)


@pytest.fixture(scope="module")
def verify_report(sample_index):
    return build_verify_report(_input("obama.jpg", "probe"), _input("obama2.jpg", "gallery"), n_masks=64,
                               precision="auto", curve_steps=4, with_gates=False)


def test_html_holds_every_required_field_and_embedded_images(spoof_report):
    page = render_html(spoof_report)
    digest = spoof_report.inputs[0].sha256
    for text in ("In plain language", "What the explanation shows", "What it does not show",
                 "How faithful it measured", "known limits", digest, "human-antispoof", "weights:",
                 "antispoof.json", "grad-cam", "mask_top_percent", "curve_steps", "seed", "torch", "numpy",
                 spoof_report.created_utc, "Decision:", "face.bona_fide_probability", "deletion_auc",
                 "insertion_auc", "Quality gates (seed 002)", "Liveness", "analytic_type", "report.json",
                 spoof_report.pictures[0].sha256, "card summary", "0 (blue)"):
        assert text in page, text
    images = re.findall(r"src='data:image/png;base64,([A-Za-z0-9+/=]+)'", page)
    assert len(images) >= 3  # input thumbnail, heatmap, colour bar
    for encoded in images:
        assert Image.open(io.BytesIO(base64.b64decode(encoded))).size[0] > 0
    assert not re.search(r"src=['\"]https?:", page) and "<link" not in page  # self-contained
    assert base64.b64encode((SAMPLES / "obama.jpg").read_bytes()[:300]).decode()[:200] not in page

    redacted = render_html(spoof_report, redact=True)
    assert "Redacted report" in redacted and digest in redacted
    thumbs = re.findall(r"<img alt='image' src='data:image/png;base64,([A-Za-z0-9+/=]+)'", redacted)
    pixels = np.asarray(Image.open(io.BytesIO(base64.b64decode(thumbs[0]))).convert("L"), np.float32)
    plain = re.findall(r"<img alt='image' src='data:image/png;base64,([A-Za-z0-9+/=]+)'", page)
    sharp = np.asarray(Image.open(io.BytesIO(base64.b64decode(plain[0]))).convert("L"), np.float32)
    assert np.abs(np.diff(pixels, axis=1)).mean() < 0.5 * np.abs(np.diff(sharp, axis=1)).mean()  # pixelated


def test_report_json_is_machine_readable(spoof_report):
    data = json.loads(spoof_report.json_text())
    for key in ("inputs", "models", "explainer", "parameters", "seed", "software", "created_utc", "decision",
                "scores", "heatmaps", "faithfulness", "gates", "plain_language", "integrity"):
        assert key in data, key
    assert data["models"][0]["file_hashes"] and data["heatmaps"][0]["sha256"]
    assert data["gates"][0]["response"]["job"]["result"]["analytic_type"] == "FACE_LIVENESS_V4"


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="pdftoppm (poppler-utils) missing")
def test_pdf_renders_page_one(verify_report, tmp_path):
    pdf = render_pdf(verify_report, redact=True)
    assert pdf.startswith(b"%PDF")
    (tmp_path / "report.pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-png", "-r", "40", "-f", "1", "-l", "1", str(tmp_path / "report.pdf"),
                    str(tmp_path / "page")], check=True)
    page = np.asarray(Image.open(next(tmp_path.glob("page*.png"))).convert("L"), np.float32)
    assert page.shape[0] > 300 and page.std() > 10  # text and pictures, not a blank page
    assert (page < 128).mean() > 0.01


def test_replay_of_a_fresh_report_is_identical(verify_report, tmp_path):
    path = tmp_path / "report.json"
    path.write_text(verify_report.json_text())
    result = replay_report(path, inputs_dir=SAMPLES)
    assert result.identical, result.summary()
    kinds = {i.kind for i in result.items}
    assert {"input", "parameters", "number", "heatmap"} <= kinds
    assert all(i.verdict == "identical" for i in result.items)
    assert "IDENTICAL" in result.summary()


def test_replay_flags_a_changed_input_and_a_changed_parameter(verify_report, tmp_path):
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    shutil.copy(SAMPLES / "obama.jpg", inputs / "obama.jpg")
    image = np.asarray(Image.open(SAMPLES / "obama2.jpg").convert("RGB")).copy()
    image[:20, :20] = 0  # a small edit of the gallery photo
    Image.fromarray(image).save(inputs / "obama2.jpg", format="JPEG", quality=95)
    data = verify_report.to_json()
    changed = replay_report(data, inputs_dir=inputs)
    assert not changed.identical
    flagged = [i for i in changed.differences if i.kind == "input"]
    assert [i.key for i in flagged] == ["gallery obama2.jpg sha256"]

    data["parameters"]["seed"] = 1  # an edited parameter
    edited = replay_report(data, inputs_dir=SAMPLES)
    kinds = {i.kind for i in edited.differences}
    assert "parameters" in kinds and "heatmap" in kinds and "input" not in kinds


def test_gates_report_replays_identically(sample_index):
    report = build_gates_report(_input("obama.jpg"), thresholds={"min_face_w": 200, "min_face_h": 200})
    assert report.parameters["thresholds"]["min_face_w"] == 200 and report.gates[0].verdicts
    assert "evidence" in {p.name for p in report.pictures}
    result = replay_report(report.to_json(), inputs={"obama.jpg": (SAMPLES / "obama.jpg").read_bytes()})
    assert result.identical, result.summary()


def test_batch_cli_writes_one_report_per_item_and_a_summary(tmp_path):
    source = tmp_path / "in"
    source.mkdir()
    shutil.copy(SAMPLES / "obama.jpg", source / "obama.jpg")
    (source / "broken.jpg").write_bytes(b"not an image")
    out = tmp_path / "out"
    run = subprocess.run([sys.executable, "-m", "xai", "explain", "--task", "gates", "--input", str(source),
                          "--out", str(out), "--no-pdf"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 1, run.stderr  # one failure
    assert "1 of 2 item(s) reported" in run.stdout and "broken: ImageInputError" in run.stdout
    assert {p.name for p in (out / "obama").iterdir()} == {"report.html", "report.json"}
    rows = list(csv.DictReader(open(out / "summary.csv")))
    assert [r["status"] for r in rows] == ["failed", "ok"]
    assert {p.name for p in tmp_path.iterdir()} == {"in", "out"}  # nothing written elsewhere

    replay = subprocess.run([sys.executable, "-m", "xai", "report", "--replay", str(out / "obama" / "report.json"),
                             "--inputs", str(source)], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert replay.returncode == 0, replay.stdout + replay.stderr
    assert "IDENTICAL" in replay.stdout and "differs" not in replay.stdout
