"""What a person sees: the home page in headless Chromium shows the model table with every model loaded."""

from __future__ import annotations

import pytest

from browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, require_chromium, running_app
from models.registry import REGISTRY

pytestmark = pytest.mark.browser


def test_home_page_shows_the_model_table():
    require_chromium()
    from playwright.sync_api import sync_playwright

    with running_app() as url, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 2000})
            page.goto(url, wait_until="domcontentloaded")
            page.get_by_role("heading", name="Face XAI Studio").wait_for(timeout=120_000)
            table = page.get_by_test_id("stTable")
            table.wait_for(timeout=120_000)
            text = table.inner_text()
            images = page.get_by_test_id("stImage").locator("img")
            images.first.wait_for(timeout=60_000)
            page.wait_for_function(
                "() => Array.from(document.querySelectorAll('[data-testid=stImage] img'))"
                ".every(img => img.complete)", timeout=60_000)
            widths = images.evaluate_all("imgs => imgs.map(img => img.naturalWidth)")
            page.screenshot(path=str(ARTIFACTS / "home.png"), full_page=True)
        finally:
            browser.close()
    assert len(widths) == 5 and all(w > 0 for w in widths), f"sample images did not render: {widths}"
    for e in REGISTRY:
        assert e.name in text
    assert text.count("loaded") >= sum(1 for e in REGISTRY if not e.optional)


def _images_rendered(page) -> list[int]:
    page.wait_for_function(
        "() => Array.from(document.querySelectorAll('[data-testid=stImage] img')).every(img => img.complete)",
        timeout=120_000)
    return page.get_by_test_id("stImage").locator("img").evaluate_all("imgs => imgs.map(i => i.naturalWidth)")


def test_spoof_page_explains_a_sample_then_rejects_a_faceless_upload(tmp_path):
    require_chromium()
    import numpy as np
    from PIL import Image
    from playwright.sync_api import sync_playwright

    blank = tmp_path / "wall.png"
    Image.fromarray(np.full((240, 320, 3), 128, np.uint8)).save(blank)
    with running_app() as url, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1500, "height": 2200})
            page.goto(url, wait_until="domcontentloaded")  # as a user arrives: home first, then the sidebar
            page.get_by_role("link", name="Face anti-spoofing").click()
            page.get_by_test_id("stMetricValue").first.wait_for(timeout=240_000)
            page.get_by_role("button", name="Download the whole panel (PNG)").wait_for(timeout=240_000)
            widths = _images_rendered(page)
            decision = page.get_by_test_id("stMetricValue").first.inner_text()
            page.screenshot(path=str(ARTIFACTS / "spoof.png"), full_page=True)
            assert page.get_by_role("button", name="Download the whole panel (PNG)").is_visible()

            page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(blank))
            page.get_by_text("No face was found").wait_for(timeout=120_000)
            page.screenshot(path=str(ARTIFACTS / "spoof-no-face.png"), full_page=True)
        finally:
            browser.close()
    assert decision in ("genuine", "spoof")
    assert len(widths) >= 4 + 3 * 4 and all(w > 0 for w in widths)
