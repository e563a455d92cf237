"""The bona fide pool for simulated anti-spoofing data: the public-domain sample portraits set-up fetches."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
SAMPLES_DIR = ROOT / "assets" / "samples"


def bona_fide_pool(max_side: int = 640) -> dict[str, np.ndarray]:
    """file name → (H, W, 3) uint8 RGB portrait, longer side ≤ ``max_side``.

    The pool is what registry packages ship as public-domain faces: 5 portraits of 3 people (Barack Obama ×3,
    Joe Biden, Eileen Collins). It is tiny: models trained on it learn attack artefacts, not people.
    """
    index_path = SAMPLES_DIR / "index.json"
    if not index_path.is_file():
        raise FileNotFoundError("assets/samples is empty: run `python scripts/fetch_samples.py`")
    pool = {}
    for entry in json.loads(index_path.read_text()):
        with Image.open(SAMPLES_DIR / entry["file"]) as im:
            rgb = im.convert("RGB")
        rgb.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
        pool[entry["file"]] = np.asarray(rgb)
    return pool
