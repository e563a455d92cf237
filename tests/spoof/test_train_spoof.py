"""The training CLI's data paths and one short real training run (fp16 safetensors, metrics)."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest
from safetensors.torch import load_file

from xai.core.samples import bona_fide_pool
from xai.spoof.attacks.plan import make_samples
from xai.spoof.train import TrainConfig, folder_datasets, train_spoof_regions


@pytest.fixture(scope="module")
def real_layout(tmp_path_factory):
    """A Replay-Attack-like folder: bona fide and attack images, plus one video per class."""
    root = tmp_path_factory.mktemp("replay_like")
    (root / "real").mkdir()
    (root / "attack").mkdir()
    pool = {k: v for k, v in bona_fide_pool().items() if k in ("biden.jpg", "astronaut.png", "obama.jpg")}
    for i, sample in enumerate(make_samples(pool, 44, seed=5)):
        folder = root / ("real" if sample.label == 1 else "attack")
        cv2.imwrite(str(folder / f"{i:03d}.jpg"), cv2.cvtColor(sample.image, cv2.COLOR_RGB2BGR))
    for name, folder in (("clip_real.avi", "real"), ("clip_attack.avi", "attack")):
        frame = cv2.imread(str(next((root / folder).glob("*.jpg"))))
        writer = cv2.VideoWriter(str(root / folder / name), cv2.VideoWriter_fourcc(*"MJPG"), 5,
                                 (frame.shape[1], frame.shape[0]))
        for _ in range(5):
            writer.write(frame)
        writer.release()
    return root


def test_folder_layout_is_split_70_15_15_with_videos_read(real_layout):
    data, info = folder_datasets(real_layout, seed=0)
    assert info["files"] == 46 and info["skipped"] <= 4  # unreadable or faceless
    total = sum(len(data[s]) for s in ("train", "val", "test"))
    assert total >= 40  # a rendering may lose its face
    assert len(data["train"]) > len(data["val"]) and len(data["train"]) > len(data["test"])
    assert any("clip_real.avi" in s for split in data.values() for s in split.sources)
    assert data["train"].crops["mouth"].shape[1:] == (224, 224, 3)


def test_missing_class_folder_is_a_clear_error(tmp_path):
    (tmp_path / "real").mkdir()
    with pytest.raises(ValueError, match="attack"):
        folder_datasets(tmp_path, seed=0)


def test_one_epoch_writes_fp16_weights_and_metrics(real_layout, tmp_path):
    data, info = folder_datasets(real_layout, seed=0)
    summary = train_spoof_regions(data, info, tmp_path, TrainConfig(epochs=1, seed=0), regions=["mouth"],
                                  progress=lambda _msg: None)
    state = load_file(str(tmp_path / "mouth.safetensors"))
    assert all(v.dtype.is_floating_point is False or str(v.dtype) == "torch.float16" for v in state.values())
    saved = json.loads((tmp_path / "metrics.json").read_text())
    assert saved["regions"]["mouth"]["n"] == summary["regions"]["mouth"]["n"]
    assert 0.0 <= saved["regions"]["mouth"]["test_accuracy"] <= 1.0
    assert np.isfinite(saved["regions"]["mouth"]["history"][0]["train_loss"])
