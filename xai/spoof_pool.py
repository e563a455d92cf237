"""The bona fide pool for simulated anti-spoofing data: the public-domain sample portraits set-up fetches."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
SAMPLES_DIR = ROOT / "assets" / "samples"


def bona_fide_pool(size: int = 448, context: float = 2.4) -> dict[str, np.ndarray]:
    """file name → (size, size, 3) uint8 RGB head-and-shoulders crop of each sample portrait.

    The crop is a square ``context`` × the face's landmark box, centred on the face, so that a simulated
    print or screen shows the face at a realistic scale (a replay attack's pixel grid is fine compared with
    the face). The pool is what registry packages ship as public-domain faces: 5 portraits of 3 people
    (Barack Obama ×3, Joe Biden, Eileen Collins). It is tiny: models trained on it learn attack artefacts,
    not people.
    """
    from xai.faces import largest_face, square_crop

    index_path = SAMPLES_DIR / "index.json"
    if not index_path.is_file():
        raise FileNotFoundError("assets/samples is empty: run `python scripts/fetch_samples.py`")
    pool = {}
    for entry in json.loads(index_path.read_text()):
        with Image.open(SAMPLES_DIR / entry["file"]) as im:
            rgb = np.asarray(im.convert("RGB"))
        face, _ = largest_face(rgb)
        pool[entry["file"]] = square_crop(rgb, face.box, size, enlarge=context)
    return pool
