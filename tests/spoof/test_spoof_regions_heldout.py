"""Each shipped region model beats chance on the held-out split by the margin its card states."""

from __future__ import annotations

import pytest

from models.base import ModelCard
from xai.core.regions import REGIONS
from xai.spoof.train import evaluate_shipped, heldout_dataset

CARD = ModelCard.load("resnet18-cbam-regions.md")


@pytest.fixture(scope="module")
def heldout_metrics():
    rendered = int(CARD.fields["heldout_rendered"])
    dataset = heldout_dataset(rendered)
    assert len(dataset) >= 0.9 * rendered  # a few renderings may lose their face
    assert set(dataset.labels.tolist()) == {0, 1}
    return evaluate_shipped(dataset)


@pytest.mark.parametrize("region", REGIONS)
def test_region_model_beats_chance_by_the_stated_margin(region, heldout_metrics):
    margin = float(CARD.fields[f"chance_margin_{region}"])
    assert heldout_metrics[region]["accuracy"] >= 0.5 + margin, heldout_metrics[region]
