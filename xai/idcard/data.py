"""Pre-rendered crop sets: the L1/L2 crops of synthetic cards (or DLC-2021 frames) with labels, cached once.

A :class:`CropSet` holds everything training and evaluation need; the synthetic ones are rendered by
:mod:`xai.idcard.synth` and cached as ``.npz`` in the git-ignored :data:`CACHE_DIR` (the cache key is the split's
seed and size, so a cache can never be mistaken for another split).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from models.idcard import OUTPUT_GENUINE, OUTPUT_SPOOF
from xai.idcard.crops import card_crops
from xai.idcard.fft import DEFAULT_RADIUS, crops_to_tensor, fft_highpass, imagenet_normalise

ROOT = Path(__file__).resolve().parents[2]
CACHE_DIR = ROOT / ".cache" / "idcard"
CACHE_VERSION = 1


@dataclass(frozen=True)
class CropSet:
    """One split.

    Attributes:
        l1: (N, 224, 224, 3) uint8 RGB crops of side L1 (spatial branch).
        l2: (N, 224, 224, 3) uint8 RGB crops of side L2 (frequency branch).
        labels: (N,) int64 training targets in the head's output order (:data:`models.idcard.OUTPUT_LABELS`):
            0 genuine, 1 spoof.
        names: N identifiers (seed or file path).
    """

    l1: np.ndarray
    l2: np.ndarray
    labels: np.ndarray
    names: list[str]

    def __len__(self) -> int:
        return len(self.labels)

    def subset(self, idx: np.ndarray) -> CropSet:
        return CropSet(self.l1[idx], self.l2[idx], self.labels[idx], [self.names[i] for i in idx])

    @property
    def counts(self) -> dict[str, int]:
        return {"genuine": int((self.labels == OUTPUT_GENUINE).sum()), "spoof": int((self.labels == OUTPUT_SPOOF).sum())}


def branch_inputs(l1: np.ndarray, l2: np.ndarray, variant: str, radius: float = DEFAULT_RADIUS
                  ) -> tuple[torch.Tensor, torch.Tensor | None]:
    """The network inputs of (B, 224, 224, 3) uint8 crops: (ImageNet-normalised L1, second-branch input).

    The second input is the FFT high-pass of L2 (§3.2) for "vgg16-fft" and "concat-gap", the ImageNet-normalised
    L2 crop for "two-rgb", None for "vgg-only".
    """
    rgb = imagenet_normalise(crops_to_tensor(l1))
    if variant == "vgg-only":
        return rgb, None
    second = crops_to_tensor(l2)
    return rgb, (imagenet_normalise(second) if variant == "two-rgb" else fft_highpass(second, radius))


def synthetic_cropset(base_seed: int, n: int, progress: Callable[[str], None] | None = None,
                      use_cache: bool = True) -> CropSet:
    """``n`` synthetic frames of the split ``base_seed`` (:func:`xai.idcard.synth.make_split`), cropped at the
    annotated card centroid; cached in :data:`CACHE_DIR`."""
    from xai.idcard.synth import render_sample, sample_seed

    path = CACHE_DIR / f"synthetic-v{CACHE_VERSION}-seed{base_seed}-n{n}.npz"
    if use_cache and path.is_file():
        with np.load(path) as z:
            return CropSet(z["l1"], z["l2"], z["labels"], [str(s) for s in z["names"]])
    l1, l2, labels, names = [], [], [], []
    for i in range(n):
        seed = sample_seed(base_seed, i)
        sample = render_sample(seed, i % 2)
        crops = card_crops(sample.image, sample.centroid)
        l1.append(crops.l1.image)
        l2.append(crops.l2.image)
        labels.append(sample.label)
        names.append(str(seed))
        if progress and (i + 1) % 20 == 0:
            progress(f"rendered {i + 1}/{n} cards of split seed {base_seed}")
    out = CropSet(np.stack(l1), np.stack(l2), np.asarray(labels, np.int64), names)
    if use_cache:
        CACHE_DIR.mkdir(parents=True, exist_ok=True)
        np.savez(path, l1=out.l1, l2=out.l2, labels=out.labels, names=np.asarray(names))
    return out
