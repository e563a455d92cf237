"""Shared fixtures: the sample portraits, their detected faces, and a guard for missing set-up."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SAMPLES = ROOT / "assets" / "samples"


def _require_setup() -> None:
    if not (SAMPLES / "index.json").is_file() or not (ROOT / "models/weights/human/MANIFEST.json").is_file():
        pytest.exit("models or samples are missing: run `bash scripts/studio.sh test` (it runs the set-up)", 2)


@pytest.fixture(scope="session")
def sample_index() -> list[dict]:
    _require_setup()
    return json.loads((SAMPLES / "index.json").read_text())


@pytest.fixture(scope="session")
def sample_images(sample_index) -> dict[str, np.ndarray]:
    """file name -> (H, W, 3) uint8 RGB."""
    return {e["file"]: np.asarray(Image.open(SAMPLES / e["file"]).convert("RGB")) for e in sample_index}


@pytest.fixture(scope="session")
def sample_faces(sample_images):
    from xai.core.faces import largest_face

    return {name: largest_face(image)[0] for name, image in sample_images.items()}
