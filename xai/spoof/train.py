"""Training of the region-wise ResNet18-CBAM spoof classifiers (seed 000 §3.3.4).

Seed settings: Adam, learning rate 1e-4, batch 16, (binary) cross-entropy over the two classes (0 = spoof,
1 = genuine; cross-entropy over two softmax logits equals binary cross-entropy on their difference), 70/15/15
split, best checkpoint by validation accuracy, one model per region. Data: ``--synthetic N`` renders
presentation attacks from the bona fide pool (:mod:`xai.spoof.attacks`); ``--data DIR`` reads real data laid out
as ``DIR/bona_fide/*`` and ``DIR/attack/*`` (images, or videos from which the middle frame is taken, the
seed's one-frame-per-video protocol).
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
import torch
from torch import nn

from models.fp16_weights import save_fp16
from models.labels import GENUINE, SPOOF
from models.resnet_cbam import resnet18_cbam
from xai.core.faces import FaceError
from xai.core.metrics import classification_report, eer
from xai.core.regions import REGIONS, run_face_pipeline
from xai.core.training import EpochTally, snapshot

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".webp"}
VIDEO_SUFFIXES = {".mov", ".mp4", ".avi", ".mkv"}
BONA_FIDE_DIRS = ("bona_fide", "bonafide", "real", "genuine", "live")
ATTACK_DIRS = ("attack", "spoof", "fake")
SPLITS = ("train", "val", "test")


@dataclass
class RegionDataset:
    """Region crops and labels of one split: crops[region] is (N, 224, 224, 3) uint8 RGB; labels (N,) int64."""

    crops: dict[str, np.ndarray]
    labels: np.ndarray
    sources: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.labels)


@dataclass(frozen=True)
class TrainConfig:
    """Hyper-parameters; defaults are the seed's except ``epochs`` (not stated there)."""

    epochs: int = 5
    batch_size: int = 16
    learning_rate: float = 1e-4
    seed: int = 0
    threads: int | None = None


def _collect(items: Iterable[tuple[np.ndarray, int, str]], skipped: list[str]) -> RegionDataset:
    crops: dict[str, list[np.ndarray]] = {r: [] for r in REGIONS}
    labels: list[int] = []
    sources: list[str] = []
    for image, label, source in items:
        try:
            result = run_face_pipeline(image)
        except FaceError:
            skipped.append(source)
            continue
        for region in REGIONS:
            crops[region].append(result.crops[region].image)
        labels.append(label)
        sources.append(source)
    empty = np.zeros((0, 224, 224, 3), np.uint8)
    return RegionDataset({r: np.stack(c) if c else empty for r, c in crops.items()},
                         np.asarray(labels, dtype=np.int64), sources)


def synthetic_datasets(n: int, seed: int, progress: Callable[[str], None] = print) -> tuple[dict[str, RegionDataset], dict]:
    """Render ``n`` train+val samples from the bona fide pool, and a held-out test set of ≈ 15/85 · n.

    The test split is rendered from :data:`xai.spoof.attacks.plan.HELD_OUT_SEED`, which no training run uses.
    """
    from xai.core.samples import bona_fide_pool
    from xai.spoof.attacks.plan import HELD_OUT_SEED, make_samples, split_of

    pool = bona_fide_pool()
    skipped: list[str] = []
    train_val = [s for i, s in enumerate(make_samples(pool, n, seed)) if split_of(i, seed) != "test"]
    n_test = heldout_size(n)
    test = list(make_samples(pool, n_test, HELD_OUT_SEED))
    progress(f"rendered {len(train_val)} train/val and {len(test)} held-out samples from {len(pool)} sources")

    def rows(samples, split_name):
        for s in samples:
            yield s.image, s.label, f"{split_name}:{s.kind}:{s.source}:{s.seed}"

    train_rows = [s for i, s in enumerate(train_val) if _train_or_val(i, seed) == "train"]
    val_rows = [s for i, s in enumerate(train_val) if _train_or_val(i, seed) == "val"]
    data = {
        "train": _collect(rows(train_rows, "train"), skipped),
        "val": _collect(rows(val_rows, "val"), skipped),
        "test": _collect(rows(test, "test"), skipped),
    }
    info = {"kind": "synthetic", "n_requested": n, "pool": sorted(pool), "pool_size": len(pool),
            "held_out_seed": HELD_OUT_SEED, "skipped_no_face": len(skipped)}
    return data, info


def heldout_size(n: int) -> int:
    """Number of held-out renderings for ``--synthetic n`` (15/85 of n, at least 8)."""
    return max(int(round(n * 0.15)), 8)


def heldout_dataset(n_test: int) -> RegionDataset:
    """The held-out synthetic split (base seed :data:`xai.spoof.attacks.plan.HELD_OUT_SEED`): region crops, labels."""
    from xai.core.samples import bona_fide_pool
    from xai.spoof.attacks.plan import HELD_OUT_SEED, make_samples

    samples = make_samples(bona_fide_pool(), n_test, HELD_OUT_SEED)
    return _collect(((s.image, s.label, f"test:{s.kind}:{s.source}:{s.seed}") for s in samples), [])


def evaluate_shipped(dataset: RegionDataset, regions: Iterable[str] = REGIONS) -> dict[str, dict]:
    """Metrics of the shipped fp16 region models on ``dataset``: region → {accuracy, report, eer, n}."""
    from models.registry import load_model

    results = {}
    for region in regions:
        net = load_model(f"resnet18-cbam-{region}").net
        out = evaluate(net, dataset.crops[region], dataset.labels)
        report, test_eer = _report_and_eer(dataset.labels, out)
        results[region] = {"accuracy": out["accuracy"], "loss": out["loss"], "report": report_dict(report),
                           "eer": test_eer, "n": len(dataset)}
    return results


def _train_or_val(index: int, seed: int) -> str:
    """70:15 of the non-test samples, by a stable hash (so the val set does not depend on n)."""
    digest = hashlib.sha256(f"{seed}:{index}:trainval".encode()).digest()
    return "val" if digest[0] / 256 < 15 / 85 else "train"


def _frame(path: Path) -> np.ndarray | None:
    """RGB uint8 image of a file, or the middle frame of a video; None when unreadable."""
    if path.suffix.lower() in VIDEO_SUFFIXES:
        capture = cv2.VideoCapture(str(path))
        count = int(capture.get(cv2.CAP_PROP_FRAME_COUNT))
        capture.set(cv2.CAP_PROP_POS_FRAMES, max(count // 2, 0))
        ok, frame = capture.read()
        capture.release()
        return cv2.cvtColor(frame, cv2.COLOR_BGR2RGB) if ok else None
    frame = cv2.imread(str(path), cv2.IMREAD_COLOR)
    return cv2.cvtColor(frame, cv2.COLOR_BGR2RGB) if frame is not None else None


def folder_datasets(root: Path, seed: int) -> tuple[dict[str, RegionDataset], dict]:
    """Real data: ``root/<bona_fide|real|genuine>/*`` (label 1) and ``root/<attack|spoof|fake>/*`` (label 0)."""
    files: list[tuple[Path, int]] = []
    for names, label in ((BONA_FIDE_DIRS, GENUINE), (ATTACK_DIRS, SPOOF)):
        folders = [root / n for n in names if (root / n).is_dir()]
        if not folders:
            raise ValueError(f"{root} needs a sub-folder named one of {names}")
        for folder in folders:
            files += [(p, label) for p in sorted(folder.rglob("*"))
                      if p.suffix.lower() in IMAGE_SUFFIXES | VIDEO_SUFFIXES]
    split: dict[str, list] = {s: [] for s in SPLITS}
    for path, label in files:
        digest = hashlib.sha256(f"{seed}:{path.relative_to(root)}".encode()).digest()[0] / 256
        split["train" if digest < 0.70 else "val" if digest < 0.85 else "test"].append((path, label))
    skipped: list[str] = []

    def rows(items):
        for path, label in items:
            frame = _frame(path)
            if frame is None:
                skipped.append(str(path))
                continue
            yield frame, label, str(path.relative_to(root))

    data = {s: _collect(rows(items), skipped) for s, items in split.items()}
    return data, {"kind": "folder", "root": str(root), "files": len(files), "skipped": len(skipped)}


def _batches(n: int, batch_size: int, rng: np.random.Generator | None) -> list[np.ndarray]:
    order = rng.permutation(n) if rng is not None else np.arange(n)
    return [order[i:i + batch_size] for i in range(0, n, batch_size)]


def _to_input(crops: np.ndarray) -> torch.Tensor:
    """(B, 224, 224, 3) uint8 → (B, 3, 224, 224) float32 in [0, 1] (the seed's normalisation)."""
    return torch.from_numpy(crops).permute(0, 3, 1, 2).float().div_(255.0)


def evaluate(net: nn.Module, crops: np.ndarray, labels: np.ndarray, batch_size: int = 32) -> dict:
    """Loss, accuracy, bona fide scores and predictions of ``net`` on one split."""
    net.eval()
    losses, probs = [], []
    with torch.no_grad():
        for idx in _batches(len(labels), batch_size, None):
            logits = net(_to_input(crops[idx]))
            losses.append(nn.functional.cross_entropy(logits, torch.from_numpy(labels[idx]), reduction="sum").item())
            probs.append(torch.softmax(logits, dim=1)[:, 1].numpy())
    p_bona = np.concatenate(probs) if probs else np.zeros(0)
    predictions = (p_bona >= 0.5).astype(np.int64)
    return {"loss": sum(losses) / max(len(labels), 1), "accuracy": float((predictions == labels).mean()),
            "scores": p_bona, "predictions": predictions}


def _report_and_eer(labels: np.ndarray, evaluation: dict):
    """Classification report at threshold 0.5 and the EER (NaN with a single class) of an :func:`evaluate` result."""
    report = classification_report(labels, evaluation["predictions"])
    try:
        return report, eer(labels, evaluation["scores"]).eer
    except ValueError:
        return report, float("nan")


def train_region(data: dict[str, RegionDataset], region: str, config: TrainConfig,
                 progress: Callable[[str], None] = print) -> tuple[nn.Module, dict]:
    """Train one region model; return the best-validation-accuracy network and its history and test metrics."""
    torch.manual_seed(config.seed)
    rng = np.random.default_rng(config.seed)
    net = resnet18_cbam()
    optimiser = torch.optim.Adam(net.parameters(), lr=config.learning_rate)
    train, val, test = data["train"], data["val"], data["test"]
    best_state, best_acc, history = None, -1.0, []
    for epoch in range(1, config.epochs + 1):
        net.train()
        tally = EpochTally()
        start = time.perf_counter()
        for idx in _batches(len(train), config.batch_size, rng):
            tally.step(optimiser, net(_to_input(train.crops[region][idx])), torch.from_numpy(train.labels[idx]))
        val_eval = evaluate(net, val.crops[region], val.labels)
        record = {"epoch": epoch, "train_loss": tally.loss, "train_accuracy": tally.accuracy,
                  "val_loss": val_eval["loss"], "val_accuracy": val_eval["accuracy"],
                  "seconds": time.perf_counter() - start}
        history.append(record)
        progress(f"[{region}] epoch {epoch}/{config.epochs}: train loss {record['train_loss']:.4f} "
                 f"acc {record['train_accuracy']:.3f} · val loss {record['val_loss']:.4f} "
                 f"acc {record['val_accuracy']:.3f} · {record['seconds']:.0f} s")
        if val_eval["accuracy"] > best_acc:
            best_acc = val_eval["accuracy"]
            best_state = snapshot(net)
    net.load_state_dict(best_state)
    test_eval = evaluate(net, test.crops[region], test.labels)
    report, test_eer = _report_and_eer(test.labels, test_eval)
    metrics = {"history": history, "best_val_accuracy": best_acc, "test_loss": test_eval["loss"],
               "test_accuracy": test_eval["accuracy"], "test_report": report_dict(report), "test_eer": test_eer,
               "n": {s: len(data[s]) for s in SPLITS},
               "test_class_counts": {"attack": int((test.labels == SPOOF).sum()),
                                     "bona_fide": int((test.labels == GENUINE).sum())}}
    progress(f"[{region}] held-out test: accuracy {metrics['test_accuracy']:.3f}, HTER {report.hter:.3f}, "
             f"APCER {report.apcer:.3f}, BPCER {report.bpcer:.3f}, EER {test_eer:.3f}")
    return net.eval(), metrics


def report_dict(report) -> dict:
    return {k: float(getattr(report, k)) for k in report.__dataclass_fields__}


def train_spoof_regions(data: dict[str, RegionDataset], data_info: dict, out_dir: Path, config: TrainConfig,
                        regions: Iterable[str] = REGIONS, command: str = "",
                        progress: Callable[[str], None] = print) -> dict:
    """Train every region, save ``<out_dir>/<region>.safetensors`` and ``metrics.json``; return the metrics."""
    if config.threads:
        torch.set_num_threads(config.threads)
    for split in SPLITS:
        if len(data[split]) == 0 or len(set(data[split].labels.tolist())) < 2:
            raise ValueError(f"the {split} split needs both bona fide and attack samples; got "
                             f"{len(data[split])} samples")
    summary = {"command": command, "config": config.__dict__, "data": data_info, "regions": {}}
    started = time.perf_counter()
    for region in regions:
        net, metrics = train_region(data, region, config, progress)
        save_fp16(net, out_dir / f"{region}.safetensors")
        summary["regions"][region] = metrics
    summary["seconds"] = time.perf_counter() - started
    summary["torch"] = torch.__version__
    (out_dir / "metrics.json").write_text(json.dumps(summary, indent=2) + "\n")
    return summary


def chance_margin(accuracy: float) -> float:
    """The margin over chance (0.5) a card promises: the measured one, rounded down to 0.05."""
    return max(0.0, float(np.floor((accuracy - 0.5) * 20) / 20))


def write_card(summary: dict, path: Path, shipped: dict[str, dict] | None = None) -> None:
    """(Re)write the model card of the region models from measured numbers only.

    ``shipped`` holds :func:`evaluate_shipped` results of the saved fp16 weights on the held-out split; the
    card then promises, per region, an accuracy of at least 0.5 + :func:`chance_margin` (tested).
    """
    data = summary["data"]
    cfg = summary["config"]
    rows, margins = [], []
    for region, m in summary["regions"].items():
        last = m["history"][-1]
        held = shipped[region] if shipped else {"accuracy": m["test_accuracy"], "loss": m["test_loss"],
                                                "report": m["test_report"], "eer": m["test_eer"]}
        r = held["report"]
        rows.append(f"| {region} | {last['train_loss']:.4f} | {last['val_loss']:.4f} | "
                    f"{last['train_accuracy']:.3f} | {m['best_val_accuracy']:.3f} | {held['loss']:.4f} | "
                    f"{held['accuracy']:.3f} | {r['apcer']:.3f} | {r['bpcer']:.3f} | {r['hter']:.3f} | "
                    f"{held['eer']:.3f} |")
        margins.append(f"chance_margin_{region}: {chance_margin(held['accuracy']):.2f}")
    n = next(iter(summary["regions"].values()))["n"]
    counts = next(iter(summary["regions"].values()))["test_class_counts"]
    if data["kind"] == "synthetic":
        data_text = (
            f"Simulated presentation attacks (`xai/spoof/attacks/`: print and replay chains, bona fide images with the "
            f"same photometric nuisances) rendered from a bona fide pool of **{data['pool_size']} public-domain "
            f"portraits of 3 people** ({', '.join(data['pool'])}). `--synthetic {data['n_requested']}` train+val "
            f"renderings (seed {cfg['seed']}); the held-out test split is rendered with the separate seed "
            f"{data['held_out_seed']} that training never uses. It contains new attack parameters and nuisances "
            f"of the **same five source photos**: it measures robustness to unseen renderings, not to unseen "
            f"people, cameras, printers or screens. {data['skipped_no_face']} renderings were skipped because "
            f"MediaPipe found no face in them."
        )
    else:
        data_text = f"Real data from `{data['root']}` ({data['files']} files, {data['skipped']} unreadable)."
    text = f"""---
title: ResNet18-CBAM region spoof classifiers (trained here)
role: spoof
source: this repository, models/weights/spoof_regions/{{full_face,eyes,nose,mouth}}.safetensors (fp16)
original: S. Karthika and G. Padmavathi, region-wise Grad-CAM for face spoofing detection, JoWUA 17(2), 2026 (seed 000)
license: MIT (weights trained by this project)
summary: One ResNet18+CBAM per face region (full face, eyes, nose, mouth), trained from scratch on simulated print/replay attacks of 5 portraits; a teaching demo, not a PAD.
heldout_rendered: {heldout_size(data['n_requested']) if data['kind'] == 'synthetic' else n['test']}
{chr(10).join(margins)}
---
## What it is
The seed's architecture: torchvision ResNet18 with CBAM after the second convolution of every basic block,
global average pooling, a 2-way fully connected layer (0 = spoof, 1 = genuine). One model per region crop of
the seed's pipeline (MediaPipe Face Mesh, eye alignment, CLAHE, landmark-guided crops resized to 224×224,
pixels scaled to [0, 1]).

**No ImageNet weights.** The seed fine-tunes from ImageNet; no pretrained ResNet18 can be fetched here
(torchvision downloads them from a hub), so these models are trained **from scratch**.

## Training data
{data_text}

Split sizes: train {n['train']}, validation {n['val']}, held-out test {n['test']}
({counts['attack']} attack, {counts['bona_fide']} bona fide).

## Reproduce
```
{summary['command'] or 'python -m xai train spoof-regions'}
```
Adam, learning rate {cfg['learning_rate']}, batch {cfg['batch_size']}, {cfg['epochs']} epochs, cross-entropy over the
two classes (equal to binary cross-entropy on the logit difference), checkpoint with the best validation
accuracy per region; seed {cfg['seed']}. Took {summary['seconds'] / 60:.1f} min on this project's 2-core CPU machine
(torch {summary['torch']}). Weights saved as fp16 safetensors.

## Held-out metrics (measured)
Measured {'on the saved fp16 weights' if shipped else 'during training (fp32)'}. Positive class = attack for
APCER/BPCER (ISO/IEC 30107-3); HTER = (APCER + BPCER)/2 at threshold 0.5. Each region model is promised (and
tested, `tests/spoof/test_spoof_regions_heldout.py`) to beat chance on the held-out split by the `chance_margin_*`
in this card's header: the measured accuracy − 0.5, rounded down to 0.05.

| region | train loss | val loss | train acc | best val acc | test loss | test acc | APCER | BPCER | HTER | EER |
|---|---|---|---|---|---|---|---|---|---|---|
{chr(10).join(rows)}

Compare the seed's Table 1–2 (Replay-Attack, ImageNet-initialised): test accuracy 0.98–0.99. These numbers are
not comparable: different data (simulated attacks of 5 photos), no pretraining, a few epochs on a CPU.

## Known limits
- Trained on synthetic artefacts of five photographs: it detects *our simulator's* print and replay
  artefacts. Expect it to fail on real attacks, other cameras, and faces unlike the pool.
- Not a presentation-attack detector for any real use. It exists so that every step of the seed's method
  (regions, CBAM, Grad-CAM, masking, confidence drop, SSIM) runs on a real trained network in the classroom.
- A researcher with Replay-Attack can retrain with `python -m xai train spoof-regions --data DIR` and compare
  with Tables 1–2.

## Explaining it
Differentiable. Default CAM target: `layer4.1` (the last basic block of layer4, 7×7×512), as in the seed;
any module name of the network can be chosen.
"""
    path.write_text(text)
