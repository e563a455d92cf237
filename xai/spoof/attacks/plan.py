"""The simulated data set: one sample per (kind, source, seed), the sampling plan, and the train/val/test split.

:func:`simulate` renders one sample of a kind (:mod:`.bona_fide`, :mod:`.print_chain`, :mod:`.replay_chain`)
from its seed alone; :func:`make_samples` renders a run's samples in the order :func:`sample_plan` gives;
:func:`split_of` assigns each index to a split; :data:`HELD_OUT_SEED` renders the held-out test split.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from models.labels import GENUINE, SPOOF
from xai.core.capture import prepare_source
from xai.spoof.attacks.bona_fide import bona_fide_augment
from xai.spoof.attacks.common import resolve_strength
from xai.spoof.attacks.print_chain import print_attack
from xai.spoof.attacks.replay_chain import replay_attack

#: Base seed of the held-out test split. :func:`make_samples` with this seed renders the test set; no training or
#: validation run uses it (they use their own base seed and drop the indices :func:`split_of` calls "test").
#: The test renderings are new attack parameters and nuisances of the SAME five source portraits (identities are
#: not disjoint): the split measures robustness to unseen renderings, not to unseen people.
HELD_OUT_SEED = 20260617
BONA_FIDE, ATTACK = GENUINE, SPOOF  # the seed's labels (models.labels): 1 = genuine, 0 = spoof
KINDS = ("bona_fide", "print", "replay")


@dataclass(frozen=True, slots=True)
class SimulatedSample:
    """One rendered sample.

    Attributes:
        image: (H, W, 3) uint8 RGB, the size of the prepared source.
        label: 1 = bona fide, 0 = attack (the seed's convention: 0 spoof, 1 genuine).
        kind: "bona_fide", "print" or "replay".
        source: file name of the bona fide source image.
        seed: the seed that regenerates this sample alone with :func:`simulate`.
        strength: attack strength in [0, 1]; 0.0 for bona fide samples.
    """

    image: np.ndarray
    label: int
    kind: str
    source: str
    seed: int
    strength: float


def simulate(image: np.ndarray, source: str, kind: str, seed: int, strength: float | None = None) -> SimulatedSample:
    """Render one sample of ``kind`` from ``image``; the same ``seed`` gives identical bytes.

    Args:
        image: (H, W, 3) uint8 RGB bona fide source (call :func:`xai.core.capture.prepare_source` first for big photos).
        source: file name of the source, stored in the sample.
        kind: "bona_fide", "print" or "replay".
        seed: seeds ``np.random.default_rng``; the only source of randomness.
        strength: attack strength in [0, 1]; ``None`` draws it from U[0.3, 1] (ignored for bona fide).

    Returns:
        :class:`SimulatedSample` with an image of the same size as ``image``.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}; choose one of: {', '.join(KINDS)}")
    rng = np.random.default_rng(seed)
    if kind == "bona_fide":
        return SimulatedSample(bona_fide_augment(image, rng), BONA_FIDE, kind, source, seed, 0.0)
    s = resolve_strength(strength, rng)
    render = print_attack if kind == "print" else replay_attack
    return SimulatedSample(render(image, rng, s), ATTACK, kind, source, seed, s)


def sample_seed(base_seed: int, index: int) -> int:
    """The seed of sample ``index`` of a run with ``base_seed`` (a 63-bit hash, so any sample can be redone alone)."""
    return int.from_bytes(hashlib.sha256(f"sample:{base_seed}:{index}".encode()).digest()[:8], "little") >> 1


def sample_plan(index: int, seed: int, sources: list[str], attack_fraction: float = 0.5) -> tuple[str, str, int]:
    """(kind, source, sample seed) of sample ``index``: what :func:`make_samples` renders there, without the others.

    Attacks are spread evenly (sample i is an attack when ⌊(i + 1) f⌋ > ⌊i f⌋), alternate print and replay, and
    each kind cycles over the sorted sources on its own, so every source appears as every kind.
    """
    if not sources:
        raise ValueError("the bona fide pool is empty")
    if not 0.0 <= attack_fraction <= 1.0:
        raise ValueError(f"attack_fraction must be in [0, 1], got {attack_fraction}")
    names = sorted(sources)
    attacks_before = int(index * attack_fraction)
    if int((index + 1) * attack_fraction) > attacks_before:
        kind = "print" if attacks_before % 2 == 0 else "replay"
        source = names[(attacks_before // 2) % len(names)]
    else:
        kind, source = "bona_fide", names[(index - attacks_before) % len(names)]
    return kind, source, sample_seed(seed, index)


def make_samples(pool: dict[str, np.ndarray], n: int, seed: int, attack_fraction: float = 0.5) -> Iterator[SimulatedSample]:
    """``n`` samples cycling over the pool: bona fide and attacks (print and replay alternating).

    Args:
        pool: source file name → (H, W, 3) uint8 RGB bona fide photo (downscaled here to ≤ 640 px).
        n: number of samples.
        seed: base seed; sample i uses :func:`sample_seed` (seed, i). Use :data:`HELD_OUT_SEED` for the test split.
        attack_fraction: share of attacks in [0, 1], split evenly between print and replay.

    Yields:
        :class:`SimulatedSample`, lazily (about 25–60 ms each on one core).
    """
    if n < 0:
        raise ValueError(f"n must be ≥ 0, got {n}")
    if not pool:
        raise ValueError("the bona fide pool is empty")
    names = sorted(pool)
    prepared: dict[str, np.ndarray] = {}
    for index in range(n):
        kind, source, sub = sample_plan(index, seed, names, attack_fraction)
        if source not in prepared:
            prepared[source] = prepare_source(pool[source])
        yield simulate(prepared[source], source, kind, sub)


def split_of(index: int, seed: int) -> str:
    """Stable 70/15/15 assignment of sample ``index`` of a run with base ``seed`` to "train", "val" or "test".

    Indices come in blocks of 20; a SHA-256 hash of (seed, block) shuffles each block, whose first 14 slots are
    "train", the next 3 "val" and the last 3 "test". The split is exact in every full block, does not depend on n
    or on the order samples are made in, and changes with ``seed``. The "test" indices of a training run are
    dropped; the held-out test set is rendered separately from :data:`HELD_OUT_SEED`.
    """
    if index < 0:
        raise ValueError(f"index must be ≥ 0, got {index}")
    block, slot = divmod(index, 20)
    digest = hashlib.sha256(f"split:{seed}:{block}".encode()).digest()
    order = np.random.default_rng(int.from_bytes(digest[:8], "little")).permutation(20)
    rank = int(order[slot])
    return "train" if rank < 14 else "val" if rank < 17 else "test"
