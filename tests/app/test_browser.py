"""What a person sees: every page in headless Chromium, driven as a user would (home first, then the sidebar)."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from browser import ARTIFACTS, app_page, rendered_image_widths
from models.registry import REGISTRY

pytestmark = pytest.mark.browser


def test_home_page_shows_the_model_table():
    with app_page(1400, 2000) as page:
        page.get_by_role("heading", name="Face XAI Studio").wait_for(timeout=120_000)
        table = page.get_by_test_id("stTable")
        table.wait_for(timeout=120_000)
        text = table.inner_text()
        widths = rendered_image_widths(page, minimum=5)  # the five samples arrive one by one
        page.screenshot(path=str(ARTIFACTS / "home.png"), full_page=True)
    assert len(widths) == 5 and all(w > 0 for w in widths), f"sample images did not render: {widths}"
    for e in REGISTRY:
        assert e.name in text
    assert text.count("loaded") >= sum(1 for e in REGISTRY if not e.optional)


def test_spoof_page_explains_a_sample_then_rejects_a_faceless_upload(tmp_path):
    blank = tmp_path / "wall.png"
    Image.fromarray(np.full((240, 320, 3), 128, np.uint8)).save(blank)
    with app_page(1500, 2200) as page:
        page.get_by_role("link", name="Face anti-spoofing").click()
        page.get_by_test_id("stMetricValue").first.wait_for(timeout=240_000)
        page.get_by_role("button", name="Download the whole panel (PNG)").wait_for(timeout=240_000)
        widths = rendered_image_widths(page, minimum=4 + 3 * 4)
        decision = page.get_by_test_id("stMetricValue").first.inner_text()
        page.screenshot(path=str(ARTIFACTS / "spoof.png"), full_page=True)

        page.get_by_test_id("stSidebarUserContent").get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(blank))
        page.get_by_text("No face was found").wait_for(timeout=120_000)
        page.screenshot(path=str(ARTIFACTS / "spoof-no-face.png"), full_page=True)
    assert decision in ("genuine", "spoof")
    assert len(widths) >= 4 + 3 * 4 and all(w > 0 for w in widths)


def test_verification_page_shows_decision_and_maps():
    with app_page(1500, 3200) as page:
        page.get_by_role("link", name="Face verification").click()
        page.get_by_role("button", name="Download faces and maps (PNG)").wait_for(timeout=400_000)
        widths = rendered_image_widths(page, minimum=4)
        decision = page.get_by_test_id("stMetricValue").first.inner_text()
        page.screenshot(path=str(ARTIFACTS / "verification.png"), full_page=True)
    assert decision == "same person"
    assert len(widths) >= 4 and all(w > 0 for w in widths)  # two faces, colour bar, one map at least
