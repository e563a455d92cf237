"""Spoof components on simulated attacks whose physics is known: a screen replay shows moiré, a photo pasted on a
bordered card has straight borders, a rippled photo has non-rigid landmark geometry."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from xai.core.capture import prepare_source
from xai.core.faces import largest_face
from xai.gates.components import spoof_components
from xai.gates.thresholds import GateThresholds
from xai.spoof.attacks.plan import simulate

T = GateThresholds()
SAMPLES = ("obama.jpg", "biden.jpg", "astronaut.png")


def components(image: np.ndarray):
    face, _count = largest_face(image)
    return spoof_components(image, face, T)


def on_card(image: np.ndarray) -> np.ndarray:
    """The photo pasted on a white card with a straight border, lying on a darker table."""
    h, w = image.shape[:2]
    pad, rim = int(0.12 * max(h, w)), int(0.04 * max(h, w))
    table = np.full((h + 2 * pad, w + 2 * pad, 3), (90, 80, 70), np.uint8)
    cv2.rectangle(table, (pad - rim, pad - rim), (pad + w + rim, pad + h + rim), (245, 245, 240), -1)
    table[pad:pad + h, pad:pad + w] = image
    return table


def rippled(image: np.ndarray, face_width: float) -> np.ndarray:
    """Vertical sinusoidal displacement (amplitude 8 % of the face width, period 0.8 face widths): bent paper."""
    h, w = image.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    shift = (0.08 * face_width * np.sin(2 * np.pi * xx / (0.8 * face_width))).astype(np.float32)
    return cv2.remap(image, xx, yy + shift, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)


@pytest.fixture(scope="module")
def sources(sample_images):
    return {name: prepare_source(sample_images[name]) for name in SAMPLES}


@pytest.mark.parametrize("name", SAMPLES)
def test_originals_have_low_components(name, sources):
    c = components(sources[name])
    assert c.artifact < 0.5 and c.deformation < 0.5, c
    assert all(0.0 <= v <= 1.0 for v in (c.artifact, c.spoof_edge, c.deformation))


@pytest.mark.parametrize("name", SAMPLES)
@pytest.mark.parametrize("seed", [1, 2])
def test_screen_replay_raises_artifact(name, seed, sources):
    original = components(sources[name])
    replay = components(simulate(sources[name], name, "replay", seed, strength=0.6).image)
    assert replay.artifact > 0.6 and replay.verdicts["artifact"] == "reject"
    assert replay.artifact > original.artifact + 0.4
    evidence = replay.artifact_evidence
    assert evidence.peaks and evidence.moire_db > original.artifact_evidence.moire_db + 5
    assert evidence.spectrum.shape[0] == evidence.patch_box[2] - evidence.patch_box[0]


@pytest.mark.parametrize("name", SAMPLES)
def test_card_with_a_straight_border_raises_spoof_edge(name, sources):
    original = components(sources[name])
    card = components(on_card(sources[name]))
    assert original.spoof_edge < 0.5
    assert card.spoof_edge > 0.6 and card.verdicts["spoof_edge"] == "reject"
    assert len(card.edge_evidence.sides) >= 3 and all(line.step > 0.08 for line in card.edge_evidence.lines)


@pytest.mark.parametrize("name", ["obama.jpg", "obama3.jpg", "astronaut.png"])  # Face Mesh loses rippled biden.jpg
def test_rippled_photo_raises_deformation(name, sample_images):
    sources = {name: prepare_source(sample_images[name])}
    face, _count = largest_face(sources[name])
    original = components(sources[name])
    warped = components(rippled(sources[name], face.width))
    assert warped.deformation > 0.6 and warped.deformation > original.deformation + 0.4
    assert warped.deformation_evidence.rms_residual > 2 * original.deformation_evidence.rms_residual
