"""The "Export audit report" component on a page: built only on click, then HTML, PDF and report.json downloads,
assembled from the result the page shows (with the page's parameters)."""

from __future__ import annotations

import json

from app_pages import run_page


def _export(at, key: str) -> dict:
    """Click "Build the audit report" on the page's export component; the report.json it offers."""
    before = len(at.get("download_button"))
    build = next(b for b in at.button if b.label == "Build the audit report")
    build.click().run()
    assert not at.exception, at.exception
    assert len(at.get("download_button")) == before + 3  # HTML, PDF, report.json
    assert any("Report built at" in s.value for s in at.success)
    return json.loads(at.session_state[f"audit-report-{key}"]["json"])


def test_gates_page_exports_an_audit_report():
    at = run_page("pages/gates.py")
    report = _export(at, "gates")
    assert report["task"] == "gates" and report["gates"][0]["response"]["job"]["id"] == "audit-report"
    at.checkbox(key="audit-report-gates-redact").check().run()  # the choice changed: build again
    assert any("redaction choice changed" in i.value for i in at.info)


def test_spoof_page_exports_the_explanation_it_shows():
    at = run_page("pages/spoof.py")
    report = _export(at, "spoof")
    shown = next(m.value for m in at.metric if m.label == "Decision")
    assert report["task"] == "spoof" and report["parameters"]["family"] == "resnet18-cbam-regions"
    assert ("genuine" if report["decision"]["predicted"] == 1 else "spoof") == shown
    assert [h["name"] for h in report["heatmaps"]] == [f"{r}/heatmap" for r in ("full_face", "eyes", "nose", "mouth")]
    assert report["parameters"]["with_gates"] and report["gates"][0]["input"] == report["inputs"][0]["name"]


def test_idcard_page_exports_its_chosen_attention_cell():
    at = run_page("pages/idcard.py")
    at.sidebar.checkbox[1].check().run()  # "Choose the RGB cell for the attention map" (14, 14 by default)
    assert not at.exception, at.exception
    report = _export(at, "idcard")
    assert report["task"] == "idcard" and report["parameters"]["query_cell"] == [14, 14]
    assert report["details"]["attention"]["query_cell"] == [14, 14]
    assert report["decision"]["label"] == {m.label: m.value for m in at.metric}["Prediction"]


def test_verification_page_exports_the_maps_it_shows():
    at = run_page("pages/verify.py", timeout=600)
    report = _export(at, "verify")
    assert report["task"] == "verify" and report["explainer"] == "fv-rise"
    # the default verifier dlib-resnet scores 82 ms a face: its default map has 256 masks, not 768
    assert report["models"][0]["name"] == "dlib-resnet"
    assert report["parameters"]["n_masks"] == 256 and not report["parameters"]["both_ways"]
    assert report["details"]["maps"]["probe"]["masks_used"] == 256
    shown = next(c.value for c in at.caption if "masks, seed" in c.value)  # the map's caption on the page
    assert f"{report['details']['maps']['probe']['masks_used']} sobol masks" in shown
    assert [g["input"] for g in report["gates"]] == [i["name"] for i in report["inputs"]]
