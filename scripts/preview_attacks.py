"""Contact sheet of simulated samples: rows are species × seeds; columns are sources.

Usage: ``.venv/bin/python scripts/preview_attacks.py [OUT.png] [--zoom OUT_ZOOM.png] [--pool SPLIT]
[--species NAME ...]`` (default /tmp/attack_preview.png). Each row is one (species, seed); each column one source,
labelled in the tile. Without ``--pool`` the sources are two sample portraits and the species the classic three
(bona fide augment, print, replay); with ``--pool SPLIT`` they are four photos of that split of the bona fide pool
(:mod:`xai.core.pool`) and every species of :data:`xai.spoof.attacks.plan.SPECIES` (or those named). With
``--zoom`` a second sheet shows 1:1 crops around the face centre, where halftone dots and moiré show.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from xai.core.samples import bona_fide_pool  # noqa: E402
from xai.spoof.attacks.plan import KINDS, SPECIES, simulate  # noqa: E402

SOURCES = ("obama.jpg", "astronaut.png")
SEEDS = (0, 1, 2)
TILE = 256
CROP = 128


def _tile(image: np.ndarray, label: str) -> np.ndarray:
    """Letterbox ``image`` into a TILE × TILE tile with a caption."""
    h, w = image.shape[:2]
    scale = TILE / max(h, w)
    small = cv2.resize(image, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA)
    tile = np.full((TILE, TILE, 3), 255, np.uint8)
    y0, x0 = (TILE - small.shape[0]) // 2, (TILE - small.shape[1]) // 2
    tile[y0:y0 + small.shape[0], x0:x0 + small.shape[1]] = small
    cv2.putText(tile, label, (4, 14), cv2.FONT_HERSHEY_SIMPLEX, 0.42, (255, 0, 0), 1, cv2.LINE_AA)
    return tile


def _crop(image: np.ndarray, label: str) -> np.ndarray:
    """A 1:1 crop of CROP px around the image centre (the pool centres the face), shown at 2× with nearest-neighbour."""
    h, w = image.shape[:2]
    y0, x0 = max(h // 2 - CROP // 2, 0), max(w // 2 - CROP // 2, 0)
    crop = image[y0:y0 + CROP, x0:x0 + CROP]
    tile = cv2.resize(crop, (2 * CROP, 2 * CROP), interpolation=cv2.INTER_NEAREST)
    cv2.putText(tile, label, (4, 14), cv2.FONT_HERSHEY_SIMPLEX, 0.42, (255, 0, 0), 1, cv2.LINE_AA)
    return tile


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", default="/tmp/attack_preview.png")
    parser.add_argument("--zoom", default=None, help="also write a sheet of 1:1 face crops (2× nearest) here")
    parser.add_argument("--pool", choices=("train", "val", "test"), help="sources: 4 photos of this pool split")
    parser.add_argument("--species", nargs="+", choices=SPECIES, help="species to show (default: all with --pool)")
    parser.add_argument("--seeds", type=int, default=len(SEEDS), help="seeds per species")
    args = parser.parse_args()
    if args.pool:
        from xai.core.pool import face_crops

        crops_by_id = face_crops(args.pool)
        ids = sorted(crops_by_id)
        sources = tuple(ids[i * len(ids) // 4] for i in range(4))
        pool = {k: crops_by_id[k] for k in sources}
        kinds = tuple(args.species or SPECIES)
    else:
        pool, sources, kinds = bona_fide_pool(), SOURCES, tuple(args.species or KINDS)
    rows, zoom_rows = [], []
    for kind in kinds:
        for seed in range(args.seeds):
            tiles, crops = [], []
            for source in sources:
                sample = simulate(pool[source], source, kind, seed)
                label = f"{kind} s={sample.strength:.2f} seed={seed}"
                tiles.append(_tile(sample.image, label))
                crops.append(_crop(sample.image, label))
            rows.append(np.concatenate(tiles, axis=1))
            zoom_rows.append(np.concatenate(crops, axis=1))
    # Two column groups per sheet row keeps the sheet roughly square.
    half = len(rows) // 2 + len(rows) % 2
    pad = np.full_like(rows[0], 255)
    left, right = rows[:half], rows[half:] + [pad] * (half - len(rows[half:]))
    sheet = np.concatenate([np.concatenate(left, axis=0), np.concatenate(right, axis=0)], axis=1)
    cv2.imwrite(args.out, cv2.cvtColor(sheet, cv2.COLOR_RGB2BGR))
    print(f"wrote {args.out} ({sheet.shape[1]}×{sheet.shape[0]})")
    if args.zoom:
        zpad = np.full_like(zoom_rows[0], 255)
        zl, zr = zoom_rows[:half], zoom_rows[half:] + [zpad] * (half - len(zoom_rows[half:]))
        zsheet = np.concatenate([np.concatenate(zl, axis=0), np.concatenate(zr, axis=0)], axis=1)
        cv2.imwrite(args.zoom, cv2.cvtColor(zsheet, cv2.COLOR_RGB2BGR))
        print(f"wrote {args.zoom} ({zsheet.shape[1]}×{zsheet.shape[0]})")


if __name__ == "__main__":
    main()
