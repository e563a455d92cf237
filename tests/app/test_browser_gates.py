"""What a person sees on the Quality gates page, and the gate strip beside the anti-spoofing heatmaps."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from browser import ARTIFACTS, app_page, rendered_image_widths

pytestmark = pytest.mark.browser


def test_gates_page_shows_decision_and_evidence(sample_images, tmp_path):
    from xai.core.capture import prepare_source
    from xai.spoof.attacks.plan import simulate

    replay = tmp_path / "replay.png"  # a simulated screen replay of a sample (not a real person's upload)
    Image.fromarray(simulate(prepare_source(sample_images["obama.jpg"]), "obama.jpg", "replay", 1, 0.8).image).save(replay)
    with app_page(1500, 2400) as page:
        page.get_by_role("link", name="Quality gates").click()
        banner = page.get_by_text("Decision:").first
        banner.wait_for(timeout=240_000)
        page.get_by_role("button", name="Download the JSON").wait_for(timeout=120_000)
        widths = rendered_image_widths(page, minimum=3)
        decision = banner.inner_text()
        evidence = page.get_by_test_id("stImage").locator("img").first
        evidence_png = evidence.screenshot()
        page.screenshot(path=str(ARTIFACTS / "quality-gates.png"), full_page=True)

        page.get_by_test_id("stSidebarUserContent").get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(replay))
        page.get_by_text("Decision: strong spoof").first.wait_for(timeout=240_000)
        page.get_by_role("button", name="Download the JSON").wait_for(timeout=120_000)
        rendered_image_widths(page)
        page.screenshot(path=str(ARTIFACTS / "quality-gates-replay.png"), full_page=True)
    assert "Decision: doubt" in decision  # obama.jpg: face below the seed's 300×300 minimum
    assert len(widths) >= 3 and all(w > 0 for w in widths)
    pixels = np.asarray(Image.open(io.BytesIO(evidence_png)).convert("L"), dtype=np.float32)
    assert pixels.std() > 10, "the evidence image is blank"


def test_spoof_page_shows_the_gate_strip():
    with app_page(1500, 2200) as page:
        page.get_by_role("link", name="Face anti-spoofing").click()
        strip = page.get_by_test_id("gate-strip")
        strip.first.wait_for(timeout=300_000)
        text = strip.first.inner_text()
        page.get_by_role("button", name="Download the whole panel (PNG)").wait_for(timeout=300_000)
        page.screenshot(path=str(ARTIFACTS / "spoof-gate-strip.png"), full_page=True)
    for label in ("Input", "Face", "Quality", "Artifact", "Spoof edge", "Deformation", "Liveness", "Decision"):
        assert label in text
