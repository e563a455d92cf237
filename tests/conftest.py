"""Shared fixtures: the sample portraits, their detected faces, and a guard for missing set-up; and
:func:`registered_user_model`, for the module fixtures that register a user model."""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SAMPLES = ROOT / "assets" / "samples"

# The tests see no user models but the ones they register themselves: the user model folder (models/user_store.py)
# is an empty folder of this test run, never the tester's own (~/.local/share/face-xai-studio/models). Set before
# any test imports the registry; subprocesses (CLI, the app in the browser tests) inherit it.
os.environ["FACE_XAI_MODELS"] = tempfile.mkdtemp(prefix="face-xai-test-models-")


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


@contextmanager
def registered_user_model(spec: Path, store: Path, name: str) -> Iterator:
    """The user model ``name``, loaded after ``python -m xai models add spec`` registered it in the user model
    folder ``store`` (``FACE_XAI_MODELS`` points there inside the block); the registry forgets user models after."""
    from models.registry import invalidate_user_models, load_model
    from xai.cli.main import main

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("FACE_XAI_MODELS", str(store))
        assert main(["models", "add", str(spec)]) == 0
        yield load_model(name)
    invalidate_user_models()
