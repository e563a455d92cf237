"""Two people at once: two browser sessions on different pages of one server both get their results."""

from __future__ import annotations

import pytest

from browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, rendered_image_widths, require_chromium, running_app

pytestmark = pytest.mark.browser


def test_two_sessions_on_different_pages_both_complete():
    require_chromium()
    from playwright.sync_api import sync_playwright

    pages = {"Face anti-spoofing": "Download the whole panel (PNG)", "Quality gates": "Download the JSON"}
    with running_app() as url, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            sessions = {}
            for link in pages:  # separate contexts = separate Streamlit sessions, started before either finishes
                page = browser.new_context(viewport={"width": 1400, "height": 2000}).new_page()
                page.goto(url, wait_until="domcontentloaded")
                page.get_by_role("link", name=link).click()
                sessions[link] = page
            for link, done in pages.items():
                page = sessions[link]
                page.get_by_role("button", name=done).wait_for(timeout=400_000)
                widths = rendered_image_widths(page, minimum=3)
                assert all(w > 0 for w in widths), link
                assert page.get_by_test_id("stException").count() == 0, link
                page.screenshot(path=str(ARTIFACTS / f"two-sessions-{link.split()[-1].lower()}.png"), full_page=True)
        finally:
            browser.close()
