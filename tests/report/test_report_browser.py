"""An exported HTML audit report, opened in Chromium: every section and every embedded image renders."""

from __future__ import annotations

import pytest

from browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, ROOT, require_chromium
from xai.gates.report import GATE_RUNNER
from xai.report.builder import ReportInput
from xai.report.html import render_html
from xai.spoof.report import build_spoof_report

pytestmark = pytest.mark.browser


def test_html_report_renders_in_chromium(sample_index, tmp_path):
    require_chromium()
    from playwright.sync_api import sync_playwright

    report = build_spoof_report(ReportInput("obama.jpg", "image", (ROOT / "assets/samples/obama.jpg").read_bytes()),
                                GATE_RUNNER, family="resnet18-cbam-regions", curve_steps=4)
    path = tmp_path / "report.html"
    path.write_text(render_html(report), encoding="utf-8")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 1600})
            page.goto(path.as_uri())
            widths = page.locator("img").evaluate_all("imgs => imgs.map(i => i.complete ? i.naturalWidth : 0)")
            plain = page.get_by_test_id("plain-language").inner_text()
            heatmaps = page.get_by_test_id("heatmap").count()
            page.screenshot(path=str(ARTIFACTS / "audit-report.png"), full_page=True)
        finally:
            browser.close()
    assert len(widths) >= 6 and all(w > 0 for w in widths)
    assert heatmaps == 4  # full face, eyes, nose, mouth
    for heading in ("What the explanation shows", "What it does not show", "How faithful it measured",
                    "The model's known limits"):
        assert heading in plain
