"""Privacy: an uploaded face is never written to disk by the studio, and the server config keeps it private."""

from __future__ import annotations

import io
import os
import time
import tomllib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from browser import ARTIFACTS, ROOT, app_page, rendered_image_widths, wait_until_idle

SKIP_DIRS = {".git", "__pycache__", ".pytest_cache", ".ruff_cache", "node_modules"}


def marked_upload() -> tuple[bytes, bytes]:
    """A sample portrait with a random stripe, as JPEG bytes, and a 48-byte marker only this file contains."""
    face = np.asarray(Image.open(ROOT / "assets" / "samples" / "obama.jpg").convert("RGB")).copy()
    face[:40] = np.random.default_rng(int(time.time())).integers(0, 256, face[:40].shape, dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(face).save(buffer, format="JPEG", quality=95)
    data = buffer.getvalue()
    return data, data[len(data) // 2: len(data) // 2 + 48]


def files_changed_since(roots: list[Path], since: float, skip: tuple[Path, ...] = ()) -> list[Path]:
    changed = []
    for root in roots:
        for folder, dirs, files in os.walk(root):
            dirs[:] = [d for d in dirs if d not in SKIP_DIRS and not any(Path(folder, d) == s for s in skip)]
            for name in files:
                path = Path(folder, name)
                try:
                    stat = path.lstat()
                except OSError:
                    continue
                if stat.st_mtime >= since and path.is_file() and not path.is_symlink():
                    changed.append(path)
    return changed


def holding(paths: list[Path], marker: bytes) -> list[Path]:
    hits = []
    for path in paths:
        try:
            if marker in path.read_bytes():
                hits.append(path)
        except OSError:
            continue
    return hits


def test_the_server_config_keeps_usage_statistics_off_and_xsrf_on():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["browser"]["gatherUsageStats"] is False
    assert config["server"]["enableXsrfProtection"] is True
    from xai.core.images import MAX_BYTES

    assert config["server"]["maxUploadSize"] * 1024 * 1024 == MAX_BYTES


@pytest.mark.browser
def test_uploaded_faces_are_not_written_anywhere(tmp_path):
    data, marker = marked_upload()
    server_tmp = tmp_path / "server-tmp"
    server_tmp.mkdir()
    control = tmp_path / "control.bin"  # the scan must be able to find the marker where it is
    start = time.time() - 1
    with app_page(1500, 2200, env={"TMPDIR": str(server_tmp)}) as page:
        upload = {"name": "private.jpg", "mimeType": "image/jpeg", "buffer": data}
        for link, done in (("Face anti-spoofing", "Download the whole panel (PNG)"),
                           ("Quality gates", "Download the JSON")):
            page.get_by_role("link", name=link).click()
            page.get_by_role("heading", name=link).wait_for(timeout=60_000)  # the new page, not the old one
            page.get_by_test_id("stSidebarUserContent").get_by_test_id("stFileUploaderDropzoneInput").first.set_input_files(upload)  # even mid-run
            page.get_by_text("private.jpg").first.wait_for(timeout=60_000)
            page.get_by_role("button", name=done).wait_for(timeout=300_000)
            wait_until_idle(page)
            assert all(w > 0 for w in rendered_image_widths(page))
        page.screenshot(path=str(ARTIFACTS / "privacy-gates.png"), full_page=True)
    control.write_bytes(b"header" + marker + b"trailer")
    watched = [server_tmp, ROOT, Path("/tmp"), Path.home()]
    chromium_profiles = tuple(Path("/tmp").glob("playwright*"))  # the browser's side, not the studio's
    changed = files_changed_since(watched, start, skip=chromium_profiles)
    assert control in changed and holding([control], marker) == [control]
    leaks = [p for p in holding(changed, marker) if p != control]
    assert not leaks, f"uploaded bytes written to disk: {leaks}"
