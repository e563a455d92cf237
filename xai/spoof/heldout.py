"""Any spoof model on the bona fide pool's held-out identities: BPCER on their photos, APCER per attack species.

The held-out set is :func:`xai.spoof.attacks.plan.heldout_plan` over the pool's ``test`` split
(:mod:`xai.core.pool`): every photo as it is (bona fide) and ``attacks_per_photo`` simulated attacks of it, the
species cycling over :data:`~xai.spoof.attacks.plan.ATTACK_SPECIES`. Each image goes through the seed's face
pipeline once; each model judges its own crop of that face and calls it bona fide when its bona fide probability
is ≥ 0.5 (the region models' probabilities are calibrated so that 0.5 is their operating threshold).

Model cards carry the numbers as a table after the marker :data:`TABLE_MARKER`; :func:`parse_heldout_table` reads
it back (``tests/spoof/test_heldout_pool.py`` measures again and compares).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from models.labels import GENUINE, SPOOF

TABLE_MARKER = "<!-- heldout-pool-table -->"
DEFAULT_ATTACKS_PER_PHOTO = 3


@dataclass(frozen=True)
class HeldoutSet:
    """The held-out images after the face pipeline.

    Attributes:
        faces: one :class:`xai.core.regions.FacePipelineResult` per image whose face was found.
        labels: (N,) int64, 1 = bona fide, 0 = attack.
        kinds: species per image ("photo" for the bona fide photos).
        sources: pool photo id per image.
        skipped: "kind:photo id" of the renderings where Face Mesh found no face.
    """

    faces: tuple
    labels: np.ndarray
    kinds: tuple[str, ...]
    sources: tuple[str, ...]
    skipped: tuple[str, ...]


@lru_cache(maxsize=2)
def heldout_set(attacks_per_photo: int = DEFAULT_ATTACKS_PER_PHOTO) -> HeldoutSet:
    """Render and face-process the held-out set (cached per process)."""
    from xai.core.faces import FaceError
    from xai.core.pool import face_crops
    from xai.core.regions import run_face_pipeline
    from xai.spoof.attacks.plan import heldout_plan, render_plan

    crops = face_crops("test")
    faces, labels, kinds, sources, skipped = [], [], [], [], []
    for sample in render_plan(crops, heldout_plan(sorted(crops), attacks_per_photo)):
        try:
            faces.append(run_face_pipeline(sample.image))
        except FaceError:
            skipped.append(f"{sample.kind}:{sample.source}")
            continue
        labels.append(sample.label)
        kinds.append(sample.kind)
        sources.append(sample.source)
    return HeldoutSet(tuple(faces), np.asarray(labels, np.int64), tuple(kinds), tuple(sources), tuple(skipped))


def bona_fide_probabilities(model, data: HeldoutSet, batch: int = 16) -> np.ndarray:
    """(N,) bona fide probability in [0, 1] of ``model`` (a :class:`models.base.SpoofClassifier`) per image."""
    import torch

    from xai.core.crops import model_crop

    crops = [model_crop(model, f.original, f.face, regions=f) for f in data.faces]
    out = []
    with torch.no_grad():
        for i in range(0, len(crops), batch):
            out.append(model.bona_fide_probability(model.to_batch(crops[i:i + batch])).float().numpy())
    return np.concatenate(out) if out else np.zeros(0)


def rates(probabilities: np.ndarray, data: HeldoutSet) -> dict:
    """Counts at "bona fide when p ≥ 0.5": ``bpcer`` [rejected, bona fide], ``apcer`` [accepted, attacks],
    ``apcer_by_species`` {species: [accepted, attacks]}, ``hter`` = (APCER + BPCER) / 2, ``worst_species_apcer``."""
    accepted = probabilities >= 0.5
    bona = data.labels == GENUINE
    attack = data.labels == SPOOF
    by_species: dict[str, list[int]] = {}
    for kind, acc, is_attack in zip(data.kinds, accepted, attack, strict=True):
        if is_attack:
            row = by_species.setdefault(kind, [0, 0])
            row[0] += int(acc)
            row[1] += 1
    bpcer = [int((~accepted & bona).sum()), int(bona.sum())]
    apcer = [int((accepted & attack).sum()), int(attack.sum())]
    b, a = bpcer[0] / max(bpcer[1], 1), apcer[0] / max(apcer[1], 1)
    return {"bpcer": bpcer, "apcer": apcer, "apcer_by_species": dict(sorted(by_species.items())),
            "hter": (a + b) / 2, "worst_species_apcer": max((e / n for e, n in by_species.values()), default=0.0),
            "skipped_no_face": len(data.skipped)}


def measure_heldout(model_names: Sequence[str], attacks_per_photo: int = DEFAULT_ATTACKS_PER_PHOTO,
                    loader: Callable | None = None, progress: Callable[[str], None] | None = None) -> dict[str, dict]:
    """Model name → :func:`rates` on the held-out set."""
    from models.registry import load_model

    data = heldout_set(attacks_per_photo)
    out = {}
    for name in model_names:
        if progress:
            progress(f"measuring {name} on {len(data.labels)} held-out images")
        out[name] = rates(bona_fide_probabilities((loader or load_model)(name), data), data)
    return out


def _cell(row: list[int]) -> str:
    e, n = row
    return f"{e}/{n} ({e / max(n, 1):.0%})"


def heldout_table(measured: dict[str, dict]) -> str:
    """The card table (after :data:`TABLE_MARKER`): one row per model, ``errors/trials (rate)`` cells."""
    species = sorted({s for m in measured.values() for s in m["apcer_by_species"]})
    head = ["model", "BPCER (bona fide rejected)", *[f"APCER {s}" for s in species], "APCER (all attacks)", "HTER"]
    lines = [TABLE_MARKER, "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for name, m in measured.items():
        cells = [f"`{name}`", _cell(m["bpcer"]), *[_cell(m["apcer_by_species"].get(s, [0, 0])) for s in species],
                 _cell(m["apcer"]), f"{m['hter']:.3f}"]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def parse_heldout_table(text: str) -> dict[str, dict]:
    """Read a :func:`heldout_table` back from a card's text: model → {"bpcer": [e, n], "apcer": [e, n],
    "apcer_by_species": {species: [e, n]}, "hter": float}.

    Raises:
        ValueError: the card has no such table.
    """
    if TABLE_MARKER not in text:
        raise ValueError("the card has no held-out pool table")
    lines = text.split(TABLE_MARKER, 1)[1].strip().splitlines()
    head = [c.strip() for c in lines[0].strip("|").split("|")]
    out = {}
    for line in lines[2:]:
        if not line.startswith("|"):
            break
        cells = dict(zip(head, (c.strip() for c in line.strip().strip("|").split("|")), strict=True))

        def counts(cell: str) -> list[int]:
            e, n = cell.split(" ")[0].split("/")
            return [int(e), int(n)]

        out[cells["model"].strip("`")] = {
            "bpcer": counts(cells["BPCER (bona fide rejected)"]), "apcer": counts(cells["APCER (all attacks)"]),
            "apcer_by_species": {h[len("APCER "):]: counts(cells[h]) for h in head
                                 if h.startswith("APCER ") and h != "APCER (all attacks)"},
            "hter": float(cells["HTER"])}
    return out


def card_section(measured: dict[str, dict], attacks_per_photo: int = DEFAULT_ATTACKS_PER_PHOTO) -> str:
    """A model card section "Measured on the held-out pool" with the :func:`heldout_table` of ``measured``."""
    from xai.core.pool import photos

    n_photos = len(photos("test"))
    return f"""## Measured on the held-out pool

Measured by `xai.spoof.heldout.measure_heldout` (checked again by `tests/spoof/test_heldout_pool.py`, within one
photo) on the bona fide pool's held-out identities (`assets/pool/manifest.json`, split `test`: {n_photos} real photos
and video frames from registry packages, none of them used to train or calibrate the region models): each photo
as it is (bona fide) and {attacks_per_photo} simulated attacks of it (`xai/spoof/attacks/`, species cycling). A
face counts as bona fide when the model's bona fide probability is ≥ 0.5. APCER = attacks accepted, BPCER =
bona fide photos rejected, HTER = (APCER + BPCER) / 2. The attacks are our simulator's, not real ones.

{heldout_table(measured)}
"""
