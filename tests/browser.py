"""Start the studio on a free localhost port and drive it with Playwright in Debian's headless Chromium."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def require_chromium() -> None:
    """Skip locally when Chromium is absent; under CI (CI=true) a missing browser is a failure."""
    if not os.access(CHROMIUM, os.X_OK):
        message = f"{CHROMIUM} missing: `bash scripts/studio.sh test` installs Debian's chromium"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def running_app(timeout_s: float = 120, env: dict[str, str] | None = None) -> Iterator[str]:
    """Run ``streamlit run app.py`` on 127.0.0.1 and yield its URL; stop it afterwards.

    ``env``: extra environment variables for the server process (e.g. its own TMPDIR).
    """
    port = free_port()
    cmd = [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port", str(port),
           "--server.address", "127.0.0.1", "--server.headless", "true"]
    log = (ARTIFACTS / f"streamlit-{port}.log")
    ARTIFACTS.mkdir(exist_ok=True)
    with log.open("w") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
                                env={**os.environ, **(env or {})})
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + timeout_s
            while True:
                try:
                    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                        if response.status == 200:
                            break
                except OSError:
                    pass
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"streamlit did not start; see {log}")
                time.sleep(0.5)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


@contextmanager
def app_page(width: int = 1500, height: int = 2200, env: dict[str, str] | None = None) -> Iterator:
    """A Playwright page of a freshly started studio, opened on its home page; closed afterwards."""
    require_chromium()
    from playwright.sync_api import sync_playwright

    with running_app(env=env) as url, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": width, "height": height})
            page.goto(url, wait_until="domcontentloaded")
            # Streamlit first draws the old file-based page list (app, evaluation, …); wait for the router's.
            page.get_by_role("link", name=re.compile(r"Home$")).wait_for(timeout=120_000)
            yield page
        finally:
            browser.close()


def rendered_image_widths(page, minimum: int = 1) -> list[int]:
    """Natural widths of every st.image on the page once at least ``minimum`` have loaded (0 = broken image)."""
    page.wait_for_function(
        "(minimum) => { const imgs = Array.from(document.querySelectorAll('[data-testid=stImage] img'));"
        " return imgs.length >= minimum && imgs.every(img => img.complete); }",
        arg=minimum, timeout=120_000)
    return page.get_by_test_id("stImage").locator("img").evaluate_all("imgs => imgs.map(i => i.naturalWidth)")


def wait_until_idle(page, timeout_ms: int = 300_000) -> None:
    """Wait until the app has no script run in progress (Streamlit's running indicator is gone)."""
    page.wait_for_timeout(1_000)  # let a rerun triggered just now start
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=stStatusWidgetRunningIcon], "
        "[data-testid=stStatusWidgetRunningManIcon]')", timeout=timeout_ms)
