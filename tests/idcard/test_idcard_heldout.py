"""The shipped ID-card models on synthetic cards they never saw: the held-out split (by the margin the card
states) and a recapture of a sample card against the genuine capture of the same card."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from models.base import ModelCard
from models.registry import REGISTRY, load_model
from xai.idcard.data import synthetic_cropset
from xai.idcard.evaluate import evaluate_model
from xai.idcard.score import predict_frames
from xai.idcard.synth import HELD_OUT_SEED, demo_pair

SHIPPED = [e.name for e in REGISTRY if e.role == "recapture"]
CARD = ModelCard.load("idcard-recapture.md")


@pytest.fixture(scope="module")
def heldout():
    return synthetic_cropset(HELD_OUT_SEED, int(CARD.fields["heldout_cards"]))


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_model_separates_the_heldout_split_by_the_margin_its_card_states(name, heldout):
    torch.set_num_threads(max(torch.get_num_threads(), 1))
    model = load_model(name)
    margin = float(CARD.fields[f"heldout_margin_{model.variant}"])
    m = evaluate_model(model.net, heldout, timing_repeats=0)
    assert m.n == len(heldout) and m.n_spoof == m.n_genuine
    assert m.accuracy >= 0.5 + margin, f"{name}: accuracy {m.accuracy:.3f} < 0.5 + {margin}"
    assert m.hter <= 0.5 - margin + 1e-9  # balanced classes: HTER = 1 − accuracy


@pytest.mark.parametrize("photo", ["obama.jpg", "biden.jpg", "astronaut.png"])
def test_recapturing_a_sample_card_raises_the_spoof_probability(photo):
    model = load_model("idcard-vgg16-fft")
    genuine, spoof = demo_pair(photo)
    assert genuine.label == 0 and spoof.label == 1
    p_genuine = predict_frames(model.net, [genuine.image], genuine.centroid)[0]
    p_spoof = predict_frames(model.net, [spoof.image], spoof.centroid)[0]
    assert p_spoof > p_genuine, (photo, p_genuine, p_spoof)


def test_heldout_split_is_rendered_from_its_own_seed_and_balanced(heldout):
    train = synthetic_cropset(3, 4, use_cache=False)
    assert not set(train.names) & set(heldout.names)
    assert heldout.counts["spoof"] == heldout.counts["genuine"]
    again = synthetic_cropset(HELD_OUT_SEED, 2, use_cache=False)
    np.testing.assert_array_equal(again.l2, heldout.l2[:2])  # deterministic given the seed
