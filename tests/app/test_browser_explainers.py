"""Every explainer of the two face pages, chosen in the browser as a user would, renders its maps."""

from __future__ import annotations

import pytest

from browser import ARTIFACTS, app_page, rendered_image_widths, wait_until_idle

pytestmark = pytest.mark.browser


def test_verification_page_runs_every_explainer_both_ways():
    with app_page(1500, 3200) as page:
        page.get_by_role("link", name="Face verification").click()
        page.get_by_role("heading", name="Face verification").wait_for(timeout=60_000)
        page.get_by_role("button", name="Download faces and maps (PNG)").wait_for(timeout=400_000)
        # the default verifier (dlib-resnet) is a black box: Grad-CAM needs the differentiable faceres
        model_box = page.get_by_test_id("stSelectbox").filter(has_text="Model")
        assert model_box.locator("input").input_value() == "dlib-resnet"
        model_box.click()
        page.get_by_role("option", name="faceres", exact=True).click()
        wait_until_idle(page, 400_000)
        for label in ("CorrRISE", "Similarity Grad-CAM"):
            page.get_by_test_id("stMultiSelect").click()
            page.get_by_role("option", name=label).click()
            page.keyboard.press("Escape")
            wait_until_idle(page, 400_000)
        page.get_by_text("CorrRISE, probe → gallery").first.wait_for(timeout=400_000)
        page.get_by_text("Similarity Grad-CAM, probe → gallery").first.wait_for(timeout=400_000)
        page.get_by_text("Also explain gallery → probe").click()
        page.get_by_text("CorrRISE, gallery → probe").first.wait_for(timeout=400_000)
        page.get_by_text("Similarity Grad-CAM, gallery → probe").first.wait_for(timeout=400_000)
        wait_until_idle(page, 400_000)
        widths = rendered_image_widths(page, minimum=10)
        assert page.get_by_test_id("stException").count() == 0
        page.screenshot(path=str(ARTIFACTS / "verification-all-explainers.png"), full_page=True)
    assert all(w > 0 for w in widths)


@pytest.mark.parametrize("method", ["Grad-CAM++", "Score-CAM", "Eigen-CAM", "LayerCAM"])
def test_spoof_page_runs_another_cam_method(method):
    with app_page(1500, 2200) as page:
        page.get_by_role("link", name="Face anti-spoofing").click()
        page.get_by_role("heading", name="Face anti-spoofing").wait_for(timeout=60_000)
        page.get_by_role("button", name="Download the whole panel (PNG)").wait_for(timeout=400_000)
        page.get_by_test_id("stSelectbox").filter(has_text="CAM method").click()
        page.get_by_role("option", name=method, exact=True).click()
        page.get_by_text(f"{method} of '").first.wait_for(timeout=400_000)
        wait_until_idle(page, 400_000)
        widths = rendered_image_widths(page, minimum=4)
        assert page.get_by_test_id("stException").count() == 0
        page.screenshot(path=str(ARTIFACTS / f"spoof-{method.lower()}.png"), full_page=True)
    assert all(w > 0 for w in widths)
