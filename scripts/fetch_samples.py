"""Fetch a few public-domain portraits into ``assets/samples/`` so every page can start from a sample.

Sources (registry packages only, pinned and checksummed):
* the ``face_recognition==1.3.0`` source distribution on PyPI, ``tests/test_images``: official U.S.
  government portraits of Barack Obama and Joe Biden (works of the U.S. federal government: public domain);
* scikit-image's bundled ``astronaut`` (NASA portrait of Eileen Collins: public domain).

Writes ``assets/samples/index.json`` with each file's identity, source, license and SHA-256. Idempotent.
"""

from __future__ import annotations

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

DEST = ROOT / "assets" / "samples"
SDIST = "face_recognition==1.3.0"
SDIST_SHA256 = "5e5efdd1686aa566af0d3cc1313b131e4b197657a8ffd03669e6d3fad92705ec"
US_GOV = "public domain (work of the U.S. federal government)"

# file name in assets/samples -> (member in the sdist, identity, sha256)
SDIST_IMAGES = {
    "obama.jpg": ("tests/test_images/obama.jpg", "Barack Obama"),
    "obama2.jpg": ("tests/test_images/obama2.jpg", "Barack Obama"),
    "obama3.jpg": ("tests/test_images/obama3.jpg", "Barack Obama"),
    "biden.jpg": ("tests/test_images/biden.jpg", "Joe Biden"),
}


class SampleError(RuntimeError):
    """A sample could not be fetched; the message says what to do."""


def _download_sdist(workdir: Path) -> Path:
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:", "--no-build-isolation",
           "--quiet", "-d", str(workdir), SDIST]
    result = subprocess.run(cmd, capture_output=True, text=True, check=False)
    found = list(workdir.glob("face_recognition-1.3.0.tar.gz"))
    if result.returncode != 0 or not found:
        raise SampleError(f"`pip download {SDIST}` failed (PyPI unreachable?):\n{result.stderr.strip()[-800:]}")
    if sha256_file(found[0]) != SDIST_SHA256:
        raise SampleError(f"{found[0].name} does not have the pinned SHA-256 {SDIST_SHA256}")
    return found[0]


def fetch_samples(dest: Path = DEST) -> list[dict]:
    """Populate ``dest`` with the sample portraits; return the index entries."""
    dest.mkdir(parents=True, exist_ok=True)
    index_path = dest / "index.json"
    if index_path.is_file():
        index = json.loads(index_path.read_text())
        if all((dest / e["file"]).is_file() and sha256_file(dest / e["file"]) == e["sha256"] for e in index):
            return index
    entries: list[dict] = []
    with tempfile.TemporaryDirectory() as tmp:
        sdist = _download_sdist(Path(tmp))
        with tarfile.open(sdist, "r:gz") as tar:
            for name, (member, identity) in SDIST_IMAGES.items():
                stream = tar.extractfile(f"face_recognition-1.3.0/{member}")
                if stream is None:
                    raise SampleError(f"{member} missing from {sdist.name}")
                (dest / name).write_bytes(stream.read())
                entries.append({"file": name, "identity": identity, "license": US_GOV,
                                "source": f"PyPI sdist {SDIST}, {member}"})
    import skimage.data  # bundled with scikit-image; no network

    astronaut = Path(skimage.data.__file__).parent / "astronaut.png"
    shutil.copyfile(astronaut, dest / "astronaut.png")
    entries.append({"file": "astronaut.png", "identity": "Eileen Collins",
                    "license": "public domain (NASA)", "source": "scikit-image, skimage/data/astronaut.png"})
    for entry in entries:
        entry["sha256"] = sha256_file(dest / entry["file"])
    index_path.write_text(json.dumps(entries, indent=2) + "\n")
    return entries


def main() -> int:
    try:
        entries = fetch_samples()
    except SampleError as exc:
        print(f"fetch_samples: error: {exc}", file=sys.stderr)
        return 1
    print(f"samples ready in {DEST}: {', '.join(e['file'] for e in entries)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
