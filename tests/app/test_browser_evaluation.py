"""What a person sees on the Evaluation page: the demo set's metric table and rendered charts."""

from __future__ import annotations

import re

import pytest

from browser import ARTIFACTS, app_page

pytestmark = pytest.mark.browser


def test_evaluation_page_shows_metrics_and_charts():
    with app_page(1500, 2600) as page:
        page.get_by_role("link", name=re.compile(r"Evaluation$")).click()
        page.get_by_role("button", name="Run the evaluation").click(timeout=120_000)
        table = page.get_by_test_id("stTable")
        table.first.wait_for(timeout=300_000)
        page.locator(".js-plotly-plot .main-svg").first.wait_for(timeout=120_000)
        page.get_by_role("button", name="Download metrics (CSV)").wait_for(timeout=60_000)
        page.wait_for_timeout(1500)  # let plotly finish drawing every chart
        text = table.first.inner_text()
        charts = page.locator(".js-plotly-plot").count()
        traces = page.locator(".js-plotly-plot .scatterlayer .trace, .js-plotly-plot .barlayer .trace, "
                              ".js-plotly-plot .heatmaplayer image, .js-plotly-plot .hm").count()
        page.screenshot(path=str(ARTIFACTS / "evaluation.png"), full_page=True)
    for name in ("Accuracy", "APCER", "BPCER", "ACER", "HTER", "EER", "BPCER@APCER"):
        assert name in text, name
    assert charts == 4 and traces >= 4
