"""The DLC-2021 list-file loader on a tiny generated layout (positive = spoof, official list names)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from xai.idcard.dlc2021 import NEGATIVE_LIST, POSITIVE_LIST, DlcError, dlc_cropset, protocol_items, read_list


def make_layout(root, n_pos=2, n_neg=3):
    """root/<doc>/<clip>/<frame>.jpg with list files; every frame's centre pixel value encodes its index."""
    pos, neg = [], []
    for i in range(n_pos + n_neg):
        kind = "re" if i < n_pos else "or"
        rel = f"esp_id/01.{kind}{i:04d}/{i:06d}.png"
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        image = np.full((600, 800, 3), 10 * i, np.uint8)
        Image.fromarray(image).save(path)
        (pos if i < n_pos else neg).append(rel)
    (root / POSITIVE_LIST).write_text("# spoof\n" + "\n".join(pos) + "\n\n")
    (root / NEGATIVE_LIST).write_text("\n".join(f"{r}  extra-field" for r in neg) + "\n")
    return pos, neg


def test_lists_give_labels_paths_and_order(tmp_path):
    pos, neg = make_layout(tmp_path)
    assert read_list(tmp_path / NEGATIVE_LIST) == neg  # extra fields ignored
    items = protocol_items(tmp_path)
    assert [i.label for i in items] == [1, 1, 0, 0, 0]
    assert [str(i.path.relative_to(tmp_path)) for i in items] == pos + neg


def test_annotation_json_sets_the_centroid(tmp_path):
    pos, _ = make_layout(tmp_path)
    quad = [[100, 100], [500, 120], [520, 400], [90, 380]]
    (tmp_path / pos[0]).with_suffix(".json").write_text(json.dumps({"quad": quad}))
    (tmp_path / (pos[1] + ".json")).write_text(json.dumps({"document_quad": quad}))
    items = protocol_items(tmp_path)
    assert items[0].centroid == pytest.approx((302.5, 250.0))
    assert items[1].centroid == pytest.approx((302.5, 250.0))
    assert items[2].centroid is None


def test_cropset_has_crops_and_labels_and_limit(tmp_path):
    make_layout(tmp_path)
    data = dlc_cropset(tmp_path, limit=1)
    assert list(data.labels) == [1, 0] and data.l1.shape == (2, 224, 224, 3) and data.l2.shape == (2, 224, 224, 3)
    assert data.counts == {"genuine": 1, "spoof": 1}
    # the frames are flat grey 0 and 20: the inside of each L2 crop keeps that value
    assert data.l2[1, 112, 112, 0] == 20


def test_missing_lists_files_and_bad_annotations_fail_clearly(tmp_path):
    with pytest.raises(DlcError, match=POSITIVE_LIST):
        protocol_items(tmp_path)
    pos, _ = make_layout(tmp_path)
    (tmp_path / pos[0]).unlink()
    with pytest.raises(DlcError, match="not under"):
        protocol_items(tmp_path)
    make_layout(tmp_path)
    (tmp_path / pos[0]).with_suffix(".json").write_text(json.dumps({"quad": [[1, 2], [3, 4]]}))
    with pytest.raises(DlcError, match="four"):
        protocol_items(tmp_path)
