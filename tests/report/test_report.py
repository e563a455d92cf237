"""Audit reports: every required field and embedded images in the HTML, a PDF that renders, replay that says
"identical" for a fresh report and flags a changed input or parameter, the batch CLI, and a report assembled from a
result already computed (what a page exports) equal to one computed from scratch, for every task."""

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

from xai.gates.report import GATE_RUNNER, build_gates_report
from xai.report.builder import VOLATILE_KEYS, ReportInput
from xai.report.html import render_html
from xai.report.pdf import render_pdf
from xai.report.replay import replay_report
from xai.spoof.report import build_spoof_report
from xai.tasks import REPORT_TASKS
from xai.verify.report import build_verify_report

ROOT = __import__("pathlib").Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "assets" / "samples"


def _input(name: str, role: str = "image") -> ReportInput:
    return ReportInput(name, role, (SAMPLES / name).read_bytes())


@pytest.fixture(scope="module")
def spoof_report(sample_index):
    return build_spoof_report(_input("obama.jpg"), GATE_RUNNER, family="human-antispoof", curve_steps=4,
                              with_gates=True)


@pytest.fixture(scope="module")
def verify_report(sample_index):
    return build_verify_report(_input("obama.jpg", "probe"), _input("obama2.jpg", "gallery"), GATE_RUNNER,
                               n_masks=64, precision="auto", curve_steps=4, with_gates=False)


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
    result = replay_report(path, REPORT_TASKS, inputs_dir=SAMPLES)
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
    changed = replay_report(data, REPORT_TASKS, inputs_dir=inputs)
    assert not changed.identical
    flagged = [i for i in changed.differences if i.kind == "input"]
    assert [i.key for i in flagged] == ["gallery obama2.jpg sha256"]

    data["parameters"]["seed"] = 1  # an edited parameter
    edited = replay_report(data, REPORT_TASKS, inputs_dir=SAMPLES)
    kinds = {i.kind for i in edited.differences}
    assert "parameters" in kinds and "heatmap" in kinds and "input" not in kinds


def test_gates_report_replays_identically(sample_index):
    report = build_gates_report(_input("obama.jpg"), thresholds={"min_face_w": 200, "min_face_h": 200})
    assert report.parameters["thresholds"]["min_face_w"] == 200 and report.gates[0].verdicts
    assert "evidence" in {p.name for p in report.pictures}
    result = replay_report(report.to_json(), REPORT_TASKS, inputs={"obama.jpg": (SAMPLES / "obama.jpg").read_bytes()})
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


# ------------------------------------------------------------------------------ assembled from a finished result


def _stable(report) -> dict:
    """The report's JSON without what differs from run to run: the timestamp and the gates' timings."""
    def strip(value):
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k not in VOLATILE_KEYS}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    data = json.loads(report.json_text())
    data.pop("created_utc")
    return strip(data)


def test_spoof_report_assembled_from_the_pages_result_equals_the_computed_one(spoof_report):
    from xai.gates import run_gates
    from xai.gates.report import gate_section
    from xai.spoof.explain import explain_spoof
    from xai.spoof.report import assemble_spoof_report

    image = _input("obama.jpg")
    explanation = explain_spoof(np.asarray(Image.open(SAMPLES / "obama.jpg").convert("RGB")),
                                family="human-antispoof", curve_steps=4)  # as the page computes it
    strip = run_gates(image.data, job_id="studio", faces=explanation.face.faces)  # the page's gate strip
    assembled = assemble_spoof_report(image, explanation, gate_section([image], [strip]), family="human-antispoof",
                                      curve_steps=4)
    assert _stable(assembled) == _stable(spoof_report)
    assert assembled.gates[0].response["job"]["id"] == "audit-report"  # whoever ran the gates


def test_verify_report_assembled_from_the_pages_maps_equals_the_computed_one(sample_index):
    from xai.gates import run_gates
    from xai.gates.report import gate_section
    from xai.verify.maps import pair_map
    from xai.verify.pipeline import verify_pair
    from xai.verify.report import assemble_verify_report, explained_side

    probe, gallery = _input("obama.jpg", "probe"), _input("biden.jpg", "gallery")
    computed = build_verify_report(probe, gallery, GATE_RUNNER, explainer="corr-rise", n_masks=40, seed=3,
                                   both_ways=True, with_gates=True)
    images = [np.asarray(Image.open(SAMPLES / i.name).convert("RGB")) for i in (probe, gallery)]
    result = verify_pair(*images)
    maps = [pair_map(result, "corr-rise", 40, seed=3, reverse=reverse) for reverse in (False, True)]
    strips = [run_gates(i.data, job_id="studio", faces=f) for i, f in ((probe, result.probe_faces),
                                                                      (gallery, result.gallery_faces))]
    assembled = assemble_verify_report(probe, gallery, result, [explained_side(m) for m in maps],
                                       gate_section([probe, gallery], strips), explainer="corr-rise", n_masks=40,
                                       seed=3)
    assert _stable(assembled) == _stable(computed)
    assert assembled.parameters["both_ways"] and not assembled.decision["same_person"]
    assert [g.input_name for g in assembled.gates] == ["obama.jpg", "biden.jpg"]
    with pytest.raises(ValueError, match="not of the report's inputs"):
        assemble_verify_report(gallery, probe, result, [explained_side(maps[0])], gate_section([probe, gallery],
                                                                                            strips))


def test_gates_report_assembled_from_the_pages_run_equals_the_computed_one(sample_index):
    from xai.gates import GateThresholds, run_gates
    from xai.gates.report import assemble_gates_report, gate_section

    image = _input("obama.jpg")
    changes = {"min_face_w": 200, "min_face_h": 200, "sharpness": (0.12, 0.25)}
    computed = build_gates_report(image, thresholds=changes, models=["human-antispoof"])
    page_run = run_gates(image.data, GateThresholds().with_changes(**changes), models=("human-antispoof",),
                         job_id="studio")
    assert _stable(assemble_gates_report(image, page_run)) == _stable(computed)
    with pytest.raises(ValueError, match="seed's thresholds"):  # a spoof/verify report records no thresholds
        gate_section([image], [page_run])


def test_idcard_report_assembled_from_the_pages_result_equals_the_computed_one_and_replays(sample_index, tmp_path):
    from xai.idcard.explain import explain_idcard
    from xai.idcard.report import assemble_idcard_report, build_idcard_report
    from xai.idcard.synth import demo_pair

    buffer = io.BytesIO()
    Image.fromarray(demo_pair("obama.jpg")[1].image).save(buffer, format="PNG")
    image = ReportInput("card.png", "image", buffer.getvalue())
    decoded = np.asarray(Image.open(io.BytesIO(image.data)).convert("RGB"))
    default = build_idcard_report(image)
    assert "query_cell" not in default.parameters  # reports of the default view keep their keys
    assert _stable(assemble_idcard_report(image, explain_idcard(decoded))) == _stable(default)

    chosen = build_idcard_report(image, query_cell=(5, 20))
    assert chosen.parameters["query_cell"] == [5, 20] and chosen.details["attention"]["query_cell"] == [5, 20]
    page = explain_idcard(decoded, query_cell=(5, 20))  # the page's result with its chosen cell
    assert _stable(assemble_idcard_report(image, page, query_cell=(5, 20))) == _stable(chosen)
    result = replay_report(chosen.to_json(), REPORT_TASKS, inputs={"card.png": image.data})
    assert result.identical, result.summary()


def test_replay_names_the_valid_tasks_for_an_unknown_one(verify_report):
    data = verify_report.to_json()
    data["task"] = "palm"
    result = replay_report(data, REPORT_TASKS, inputs_dir=SAMPLES)
    assert result.report is None and not result.identical
    assert "unknown task 'palm'; choose one of: spoof, verify, gates, idcard" in result.error
