"""Hostile uploads in a real browser: each page shows a clear message, never a traceback, and keeps working."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from browser import ARTIFACTS, ROOT, app_page, rendered_image_widths, wait_until_idle
from tests.hostile_inputs import hostile_files, no_face
from xai.core.images import ImageInputError, decode_image

pytestmark = pytest.mark.browser

CASES = hostile_files()
REJECTED = {name: data for name, (_f, data, expect) in CASES.items() if expect == "reject"}
GOOD = (ROOT / "assets" / "samples" / "obama2.jpg").read_bytes()
PAGES = [  # sidebar link, the button that appears once a result is shown
    ("Face anti-spoofing", "Download the whole panel (PNG)"),
    ("Quality gates", "Download the JSON"),
    ("Face verification", "Download faces and maps (PNG)"),
    ("ID card", "Download the explanation (PNG)"),
]


def card_photo() -> bytes:
    """A genuine capture of a synthetic ID card (the generator behind the ID card page's samples)."""
    import io

    from PIL import Image

    from xai.idcard.synth import demo_pair

    buffer = io.BytesIO()
    Image.fromarray(demo_pair("obama.jpg")[0].image).save(buffer, format="PNG")
    return buffer.getvalue()


def library_message(data: bytes) -> str:
    try:
        decode_image(data)
    except ImageInputError as exc:
        return str(exc)
    raise AssertionError("expected a rejection")


@pytest.mark.parametrize("link, done", PAGES)
def test_each_bad_upload_gets_a_message_and_the_next_good_upload_works(link, done):
    with app_page(1500, 2200) as page:
        page.get_by_role("link", name=link).click()
        page.get_by_role("heading", name=link).wait_for(timeout=60_000)
        page.get_by_role("button", name=done).wait_for(timeout=400_000)  # the sample result first
        uploader = page.get_by_test_id("stSidebarUserContent").get_by_test_id("stFileUploaderDropzoneInput").first
        for name, data in REJECTED.items():
            uploader.set_input_files({"name": CASES[name][0], "mimeType": "image/jpeg", "buffer": data})
            expected = library_message(data)[:30]
            wait_until_idle(page, 300_000)  # one upload at a time, as a person would
            page.get_by_text(expected).first.wait_for(timeout=300_000)
            assert page.get_by_test_id("stException").count() == 0, f"traceback shown for {name}"
        if link != "ID card":
            uploader.set_input_files({"name": "wall.png", "mimeType": "image/png", "buffer": no_face()})
            page.get_by_text("No face was found").first.wait_for(timeout=120_000)
        else:  # a face photo where a card is expected: no card outline, said so, and still no traceback
            uploader.set_input_files({"name": "face.jpg", "mimeType": "image/jpeg", "buffer": GOOD})
            wait_until_idle(page, 400_000)  # the button of the previous card is still there: wait for this run
            page.get_by_role("button", name=done).wait_for(timeout=400_000)
            expect(page.get_by_test_id("stMetricValue").nth(2)).not_to_contain_text("quadrilateral", timeout=120_000)
        page.screenshot(path=str(ARTIFACTS / f"hostile-{link.split()[-1].lower()}.png"), full_page=True)
        good = card_photo() if link == "ID card" else GOOD
        uploader.set_input_files({"name": "good.png", "mimeType": "image/png", "buffer": good})
        page.get_by_role("button", name=done).wait_for(timeout=400_000)
        assert page.get_by_test_id("stException").count() == 0
        assert all(w > 0 for w in rendered_image_widths(page))
