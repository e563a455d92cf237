"""The simulated data set: one sample per (species, source, seed), the sampling plans, and the splits.

:data:`SPECIES` registers every species module: bona fide captures (:mod:`.bona_fide`, :mod:`.studio_light`,
:mod:`.retouch`, :mod:`.jpeg_levels`, :mod:`.phone_noise`, :mod:`.small_face`) and attacks (:mod:`.print_chain`,
:mod:`.replay_chain`, :mod:`.moire`, :mod:`.curved_print`, :mod:`.cutout`, :mod:`.lowres`). :func:`simulate`
renders one sample of a species from its seed alone.

Two plans: the classic one over the sample portraits (:data:`KINDS`, :func:`sample_plan`, :func:`make_samples`,
:func:`split_of`, :data:`HELD_OUT_SEED`), and the bona fide pool's (:func:`pool_plan`, :func:`heldout_plan`), where
the splits are the pool's identity splits (:mod:`xai.core.pool`) and every photo gets every species in turn.
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
from xai.spoof.attacks.curved_print import curved_print_attack
from xai.spoof.attacks.cutout import cutout_attack
from xai.spoof.attacks.jpeg_levels import jpeg_levels
from xai.spoof.attacks.lowres import lowres_attack
from xai.spoof.attacks.moire import moire_attack
from xai.spoof.attacks.phone_noise import phone_noise
from xai.spoof.attacks.print_chain import print_attack
from xai.spoof.attacks.replay_chain import replay_attack
from xai.spoof.attacks.retouch import retouch
from xai.spoof.attacks.small_face import small_face
from xai.spoof.attacks.studio_light import studio_light

#: Base seed of the held-out test split. :func:`make_samples` with this seed renders the test set; no training or
#: validation run uses it (they use their own base seed and drop the indices :func:`split_of` calls "test").
#: The test renderings are new attack parameters and nuisances of the SAME five source portraits (identities are
#: not disjoint): the split measures robustness to unseen renderings, not to unseen people.
HELD_OUT_SEED = 20260617
BONA_FIDE, ATTACK = GENUINE, SPOOF  # the seed's labels (models.labels): 1 = genuine, 0 = spoof
KINDS = ("bona_fide", "print", "replay")
#: bona fide species: image, rng → image (what real photos of live faces show)
BONA_FIDE_SPECIES = {"bona_fide": bona_fide_augment, "studio_light": studio_light, "retouch": retouch,
                     "jpeg_levels": jpeg_levels, "phone_noise": phone_noise, "small_face": small_face}
#: attack species: image, rng, strength → image
ATTACK_SPECIES = {"print": print_attack, "replay": replay_attack, "moire": moire_attack,
                  "curved_print": curved_print_attack, "cutout": cutout_attack, "lowres": lowres_attack}
SPECIES = (*BONA_FIDE_SPECIES, *ATTACK_SPECIES)


@dataclass(frozen=True, slots=True)
class SimulatedSample:
    """One rendered sample.

    Attributes:
        image: (H, W, 3) uint8 RGB, the size of the prepared source.
        label: 1 = bona fide, 0 = attack (the seed's convention: 0 spoof, 1 genuine).
        kind: the species, a name of :data:`SPECIES`.
        source: name of the bona fide source image (a sample file name or a pool photo id).
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
        kind: a species of :data:`SPECIES`.
        seed: seeds ``np.random.default_rng``; the only source of randomness.
        strength: attack strength in [0, 1]; ``None`` draws it from U[0.3, 1] (ignored for bona fide).

    Returns:
        :class:`SimulatedSample` with an image of the same size as ``image``.
    """
    if kind not in SPECIES:
        raise ValueError(f"unknown kind {kind!r}; choose one of: {', '.join(SPECIES)}")
    rng = np.random.default_rng(seed)
    if kind in BONA_FIDE_SPECIES:
        return SimulatedSample(BONA_FIDE_SPECIES[kind](image, rng), BONA_FIDE, kind, source, seed, 0.0)
    s = resolve_strength(strength, rng)
    return SimulatedSample(ATTACK_SPECIES[kind](image, rng, s), ATTACK, kind, source, seed, s)


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


# ------------------------------------------------------------------------------------------ the pool's plans


def pool_seed(base_seed: int, photo_id: str, k: int) -> int:
    """The seed of rendering ``k`` of pool photo ``photo_id`` in a run with ``base_seed`` (63-bit hash)."""
    digest = hashlib.sha256(f"pool:{base_seed}:{photo_id}:{k}".encode()).digest()
    return int.from_bytes(digest[:8], "little") >> 1


def pool_plan(photo_ids: list[str], renderings: int, seed: int) -> list[tuple[str, str, int]]:
    """(species, photo id, sample seed) of ``renderings`` samples per photo: even k bona fide, odd k attacks.

    Photo i's rendering k is species ``(i + k // 2) mod 6`` of its class, so every species is drawn equally
    often over the photos and a photo with ≥ 12 renderings gets every species.
    """
    if renderings < 0:
        raise ValueError(f"renderings must be ≥ 0, got {renderings}")
    bona, attack = list(BONA_FIDE_SPECIES), list(ATTACK_SPECIES)
    plan = []
    for i, pid in enumerate(sorted(photo_ids)):
        for k in range(renderings):
            names = bona if k % 2 == 0 else attack
            plan.append((names[(i + k // 2) % len(names)], pid, pool_seed(seed, pid, k)))
    return plan


def heldout_plan(photo_ids: list[str], attacks_per_photo: int = 3,
                 seed: int = HELD_OUT_SEED) -> list[tuple[str, str, int]]:
    """The held-out evaluation: every photo as it is (species "photo", no rendering) and ``attacks_per_photo``
    attacks of it, photo i's j-th being attack species ``(attacks_per_photo · i + j) mod 6``."""
    attack = list(ATTACK_SPECIES)
    plan = []
    for i, pid in enumerate(sorted(photo_ids)):
        plan.append(("photo", pid, 0))
        for j in range(attacks_per_photo):
            plan.append((attack[(attacks_per_photo * i + j) % len(attack)], pid, pool_seed(seed, pid, j)))
    return plan


def render_plan(crops: dict[str, np.ndarray], plan: list[tuple[str, str, int]]) -> Iterator[SimulatedSample]:
    """Render a :func:`pool_plan` / :func:`heldout_plan` over ``crops`` (photo id → (H, W, 3) uint8 RGB); the
    species "photo" yields the crop itself, labelled bona fide."""
    for kind, pid, sub in plan:
        if kind == "photo":
            yield SimulatedSample(crops[pid], BONA_FIDE, kind, pid, sub, 0.0)
        else:
            yield simulate(crops[pid], pid, kind, sub)
