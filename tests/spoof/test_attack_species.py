"""The species added for the bona fide pool: determinism, labels, the effects they claim, and the pool's plans."""

from __future__ import annotations

from collections import Counter

import cv2
import numpy as np
import pytest

from xai.core.capture import prepare_source
from xai.spoof.attacks.cutout import hole_ellipses
from xai.spoof.attacks.plan import (
    ATTACK_SPECIES,
    BONA_FIDE_SPECIES,
    HELD_OUT_SEED,
    SPECIES,
    heldout_plan,
    pool_plan,
    render_plan,
    simulate,
)
from xai.spoof.attacks.retouch import retouch
from xai.spoof.attacks.small_face import small_face

NEW = ("studio_light", "retouch", "jpeg_levels", "phone_noise", "small_face", "moire", "curved_print", "cutout",
       "lowres")


@pytest.fixture(scope="module")
def face() -> np.ndarray:
    from PIL import Image

    from tests.conftest import SAMPLES

    return prepare_source(np.asarray(Image.open(SAMPLES / "obama.jpg").convert("RGB")), max_side=256)


def _laplacian(image: np.ndarray) -> np.ndarray:
    return cv2.Laplacian(cv2.cvtColor(image, cv2.COLOR_RGB2GRAY).astype(np.float32), cv2.CV_32F)


def _detail(image: np.ndarray) -> float:
    """Variance of the Laplacian of the grey image: fine detail, edges included."""
    return float(_laplacian(image).var())


def _texture(image: np.ndarray) -> float:
    """Median |Laplacian|: the fine texture of the smooth areas (skin), where strong edges do not count."""
    return float(np.median(np.abs(_laplacian(image))))


@pytest.mark.parametrize("kind", NEW)
def test_every_new_species_is_deterministic_and_labelled(kind, face):
    a, b = simulate(face, "obama.jpg", kind, 5), simulate(face, "obama.jpg", kind, 5)
    assert np.array_equal(a.image, b.image)
    assert not np.array_equal(a.image, simulate(face, "obama.jpg", kind, 6).image)
    assert a.image.shape == face.shape and a.image.dtype == np.uint8
    assert a.label == (1 if kind in BONA_FIDE_SPECIES else 0)
    assert not np.array_equal(a.image, face)


def test_small_faces_and_retouching_remove_fine_detail(face):
    for seed in range(3):
        assert _detail(small_face(face, np.random.default_rng(seed))) < 0.6 * _detail(face)
    smoothed = [_texture(retouch(face, np.random.default_rng(seed))) for seed in range(3)]
    assert max(smoothed) <= _texture(face) and np.mean(smoothed) < 0.85 * _texture(face)


def test_cutout_holes_sit_on_the_eyes_and_the_mouth(face):
    from xai.core.faces import largest_face

    found, _ = largest_face(face)
    left, right, mouth = hole_ellipses(face)
    (lx, ly), (rx, ry), (mx, my) = left[0], right[0], mouth[0]
    eyes = found.five_points[:2]
    assert np.hypot(lx - eyes[0][0], ly - eyes[0][1]) < 0.1 * found.width
    assert np.hypot(rx - eyes[1][0], ry - eyes[1][1]) < 0.1 * found.width
    assert my > max(ly, ry) + 0.2 * found.height and min(lx, rx) < mx < max(lx, rx)


def test_the_pool_plan_alternates_classes_and_draws_every_species_equally():
    ids = [f"p{i:02d}" for i in range(12)]
    plan = pool_plan(ids, 12, seed=0)
    assert len(plan) == 144 and plan == pool_plan(ids, 12, seed=0) and plan != pool_plan(ids, 12, seed=1)
    assert all((kind in BONA_FIDE_SPECIES) == (k % 2 == 0) for k, (kind, _, _) in enumerate(plan))
    assert Counter(kind for kind, _, _ in plan) == {s: 12 for s in SPECIES}
    assert {kind for kind, pid, _ in plan if pid == "p03"} == set(SPECIES)  # 12 renderings: every species


def test_the_held_out_plan_is_each_photo_and_attacks_of_it(face):
    ids = [f"p{i:02d}" for i in range(4)]
    plan = heldout_plan(ids, 3)
    assert [k for k, _, _ in plan].count("photo") == 4 and len(plan) == 16
    assert Counter(k for k, _, _ in plan if k != "photo") == {s: 2 for s in ATTACK_SPECIES}
    assert plan != heldout_plan(ids, 3, seed=HELD_OUT_SEED + 1)
    samples = list(render_plan({pid: face for pid in ids}, plan[:2]))
    assert samples[0].kind == "photo" and samples[0].image is face and samples[0].label == 1
    assert samples[1].label == 0
