"""The training CLI's data paths, the operating threshold, and one short real training run (fp16 safetensors with
the threshold and the training record in their metadata, metrics)."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest
from safetensors.torch import load_file

from xai.core.samples import bona_fide_pool
from xai.spoof.attacks.plan import make_samples
from xai.spoof.train import (
    TrainConfig,
    bake_threshold,
    evaluate,
    folder_datasets,
    read_metadata,
    threshold_at_bpcer,
    train_spoof_regions,
)


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
    # the operating threshold travels with the weights, already applied to the last layer
    meta = read_metadata(tmp_path / "mouth.safetensors")
    assert meta["calibration"] == "fc.bias" and float(meta["target_bpcer"]) == 0.05
    assert float(meta["bona_fide_logit_offset"]) == summary["regions"]["mouth"]["bona_fide_logit_offset"]
    assert json.loads(meta["trained_identities"]) == []  # a folder of real data names no identities
    from models.fp16_weights import load_fp16
    from models.resnet_cbam import resnet18_cbam

    net = load_fp16(resnet18_cbam(), tmp_path / "mouth.safetensors")
    val = data["val"]
    z = evaluate(net, val.crops["mouth"], val.labels)["logits"][val.labels == 1]
    assert (z < 0).mean() == pytest.approx(float(meta["val_bpcer"]), abs=1.5 / len(z))  # fp16 rounding of the bias


def test_the_threshold_rejects_the_target_share_of_bona_fide_scores():
    z = np.arange(20, dtype=float)  # 20 bona fide logits 0..19
    assert threshold_at_bpcer(z, 0.05) == 0.5  # reject exactly one (5 %): midway between 0 and 1
    assert threshold_at_bpcer(z, 0.10) == 1.5
    assert threshold_at_bpcer(z, 0.0) == -0.5  # reject none
    assert threshold_at_bpcer(z[::-1], 0.05) == 0.5  # order does not matter
    with pytest.raises(ValueError, match="no bona fide"):
        threshold_at_bpcer(np.zeros(0), 0.05)


def test_baking_the_threshold_shifts_the_bona_fide_logit_by_it():
    import torch

    from models.resnet_cbam import resnet18_cbam

    torch.manual_seed(0)
    net = resnet18_cbam().eval()
    x = torch.rand(2, 3, 64, 64)
    with torch.no_grad():
        before = net(x)
        bake_threshold(net, 1.25)
        after = net(x)
    assert torch.allclose(after[:, 0], before[:, 0])
    assert torch.allclose((before[:, 1] - before[:, 0]) - (after[:, 1] - after[:, 0]), torch.tensor(1.25), atol=1e-5)
