"""The public-domain sample portraits set-up fetches: their index, thumbnails, and the bona fide pool of crops.

``assets/samples/index.json`` lists them (file, identity, source, license, sha256); the pages offer them as
inputs, the home page shows their thumbnails, and the attack simulators render from their face crops.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[2]
SAMPLES_DIR = ROOT / "assets" / "samples"


def sample_index() -> list[dict]:
    """Entries of ``assets/samples/index.json`` (file, identity, source, license, sha256); [] if absent."""
    path = SAMPLES_DIR / "index.json"
    return json.loads(path.read_text()) if path.is_file() else []


def sample_image(file_name: str) -> np.ndarray:
    """(H, W, 3) uint8 RGB pixels of the sample portrait ``file_name`` (a file listed by :func:`sample_index`)."""
    with Image.open(SAMPLES_DIR / file_name) as im:
        return np.asarray(im.convert("RGB"))


def sample_thumbnail(file_name: str, box: int = 256) -> np.ndarray:
    """(h, w, 3) uint8 RGB thumbnail of a sample, cropped to its upper square (where the face is), ≤ ``box`` px."""
    with Image.open(SAMPLES_DIR / file_name) as im:
        rgb = im.convert("RGB")
    side = min(rgb.size)
    rgb = rgb.crop((0, 0, side, side) if rgb.height > rgb.width else
                   ((rgb.width - side) // 2, 0, (rgb.width + side) // 2, side))
    rgb.thumbnail((box, box))
    return np.asarray(rgb)


def bona_fide_pool(size: int = 448, context: float = 2.4) -> dict[str, np.ndarray]:
    """file name → (size, size, 3) uint8 RGB head-and-shoulders crop of each sample portrait.

    The crop is a square ``context`` × the face's landmark box, centred on the face, so that a simulated
    print or screen shows the face at a realistic scale (a replay attack's pixel grid is fine compared with
    the face). The pool is what registry packages ship as public-domain faces: 5 portraits of 3 people
    (Barack Obama ×3, Joe Biden, Eileen Collins). It is tiny: models trained on it learn attack artefacts,
    not people.
    """
    from xai.core.faces import largest_face, square_crop

    index_path = SAMPLES_DIR / "index.json"
    if not index_path.is_file():
        raise FileNotFoundError("assets/samples is empty: run `python scripts/fetch_samples.py`")
    pool = {}
    for entry in json.loads(index_path.read_text()):
        rgb = sample_image(entry["file"])
        face, _ = largest_face(rgb)
        pool[entry["file"]] = square_crop(rgb, face.box, size, enlarge=context)
    return pool
