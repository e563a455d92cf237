"""Every shipped spoof model on the bona fide pool's held-out identities: the numbers its card states, and the
region models' training record (no held-out identity was trained on)."""

from __future__ import annotations

import json

import pytest

from models.base import CARDS_DIR, ModelCard
from models.zoo.spoof_regions import weights_metadata
from xai.core.pool import identities, photos
from xai.core.regions import REGIONS
from xai.spoof.heldout import measure_heldout, parse_heldout_table
from xai.spoof.train import LEGACY_IDENTITIES

REGION_CARD = "resnet18-cbam-regions.md"
CARD_OF = {**{f"resnet18-cbam-{r}": REGION_CARD for r in REGIONS},
           "human-antispoof": "human-antispoof.md", "human-liveness": "human-liveness.md"}


@pytest.fixture(scope="module")
def measured():
    per_photo = int(ModelCard.load(REGION_CARD).fields["heldout_attacks_per_photo"])
    return measure_heldout(list(CARD_OF), per_photo)


def _within_one(got: list[int], stated: list[int], what: str) -> None:
    assert abs(got[0] - stated[0]) <= 1 and abs(got[1] - stated[1]) <= 1, f"{what}: measured {got}, card {stated}"


@pytest.mark.parametrize("name", list(CARD_OF))
def test_the_card_states_the_held_out_numbers_within_one_photo(name, measured):
    stated = parse_heldout_table((CARDS_DIR / CARD_OF[name]).read_text())[name]
    got = measured[name]
    _within_one(got["bpcer"], stated["bpcer"], f"{name} BPCER")
    _within_one(got["apcer"], stated["apcer"], f"{name} APCER")
    assert set(got["apcer_by_species"]) == set(stated["apcer_by_species"])
    for species, counts in stated["apcer_by_species"].items():
        _within_one(got["apcer_by_species"][species], counts, f"{name} APCER {species}")
    # the held-out set is the pool's test split: every photo bona fide, the rest attacks of those photos
    assert 0.9 * len(photos("test")) <= got["bpcer"][1] <= len(photos("test"))


@pytest.mark.parametrize("region", REGIONS)
def test_no_held_out_identity_was_trained_on(region):
    meta = weights_metadata(region)
    trained = set(json.loads(meta["trained_identities"]))
    validation = set(json.loads(meta["validation_identities"]))
    held_out = identities("test")
    assert trained and validation and held_out
    assert not trained & held_out and not validation & held_out
    # the record is the manifest's train split plus what the initial weights had seen
    assert trained <= identities("train") | set(LEGACY_IDENTITIES)
    assert validation == identities("val")


@pytest.mark.parametrize("region", REGIONS)
def test_the_operating_threshold_is_the_stated_validation_bpcer(region):
    meta = weights_metadata(region)
    target = float(ModelCard.load(REGION_CARD).fields["target_bpcer"])
    assert float(meta["target_bpcer"]) == target
    assert 0.0 <= float(meta["val_bpcer"]) <= target
    assert meta["calibration"] == "fc.bias"
