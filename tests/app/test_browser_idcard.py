"""What a person sees on the ID card page in headless Chromium: home first, then the sidebar link."""

from __future__ import annotations

import pytest

from browser import ARTIFACTS, app_page, rendered_image_widths

pytestmark = pytest.mark.browser


def test_idcard_page_shows_a_prediction_and_the_explanations():
    with app_page(1500, 2600) as page:
        page.get_by_role("link", name="ID card").click()
        page.get_by_role("button", name="Download the explanation (PNG)").wait_for(timeout=300_000)
        prediction = page.get_by_test_id("stMetricValue").first.inner_text()
        p_spoof = page.get_by_test_id("stMetricValue").nth(1).inner_text()
        widths = rendered_image_widths(page, minimum=10)
        first = page.get_by_test_id("stImage").locator("img").first
        pixels = first.evaluate(
            """img => { const c = document.createElement('canvas'); c.width = img.naturalWidth;
                c.height = img.naturalHeight; const g = c.getContext('2d'); g.drawImage(img, 0, 0);
                const d = g.getImageData(0, 0, c.width, c.height).data; let lo = 255, hi = 0;
                for (let i = 0; i < d.length; i += 4 * 97) { lo = Math.min(lo, d[i]); hi = Math.max(hi, d[i]); }
                return hi - lo; }""")
        page.screenshot(path=str(ARTIFACTS / "idcard.png"), full_page=True)
    assert prediction in ("genuine", "spoof")
    assert 0 <= float(p_spoof) <= 1
    assert len(widths) >= 10 and all(w > 0 for w in widths), widths
    assert pixels > 50  # the card picture is not blank
