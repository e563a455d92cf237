"""Contact sheet of simulated samples (rows: bona fide, print, replay; columns: seeds × sources).

Usage: ``.venv/bin/python scripts/preview_attacks.py [OUT.png]`` (default /tmp/attack_preview.png).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from xai.attack_sim import KINDS, prepare_source, simulate  # noqa: E402
from xai.spoof_pool import bona_fide_pool  # noqa: E402


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("/tmp/attack_preview.png")
    pool = bona_fide_pool()
    sources = ["obama.jpg", "astronaut.png"]
    rows = []
    for kind in KINDS:
        tiles = []
        for source in sources:
            image = prepare_source(pool[source])
            for seed in range(3):
                tile = simulate(image, source, kind, seed).image
                tiles.append(np.asarray(Image.fromarray(tile).resize((300, 300))))
        rows.append(np.concatenate(tiles, axis=1))
    Image.fromarray(np.concatenate(rows, axis=0)).save(out)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
