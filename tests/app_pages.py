"""AppTest set-up shared by the page tests: open the app, switch to one page and run it."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest


def run_page(page: str, title: str | None = None, timeout: float = 300) -> AppTest:
    """The app after running ``page`` (e.g. "pages/gates.py"), asserted free of exceptions.

    Args:
        page: the page file, relative to the repository root.
        title: when given, the page's title must be this and its "How this works" expander must say what the
            page cannot tell.
        timeout: seconds each run may take.
    """
    at = AppTest.from_file("app.py", default_timeout=timeout)
    at.switch_page(page).run()
    assert not at.exception, at.exception
    if title is not None:
        assert at.title[0].value == title
        assert any("What it cannot tell" in m.value for m in at.markdown)  # the "How this works" expander
    return at
