"""The presentation-attack simulator: determinism, balance, splits, and measurable artefacts."""

from __future__ import annotations

from collections import Counter

import numpy as np

from xai.attack_sim import bona_fide_augment, halftone, make_samples, print_attack, replay_attack, simulate, split_of


def smooth_image(size: int = 256) -> np.ndarray:
    yy, xx = np.mgrid[0:size, 0:size]
    base = 128 + 60 * np.sin(xx / 40.0) * np.cos(yy / 55.0)
    return np.clip(np.stack([base, base * 0.9, base * 0.8], axis=-1), 0, 255).astype(np.uint8)


def high_frequency_share(image: np.ndarray) -> float:
    """Share of spectral magnitude at periods shorter than 6 px."""
    grey = image.astype(np.float64).mean(axis=2)
    spectrum = np.abs(np.fft.fftshift(np.fft.fft2(grey - grey.mean())))
    h, w = grey.shape
    yy, xx = np.mgrid[0:h, 0:w]
    radius = np.hypot((yy - h / 2) / h, (xx - w / 2) / w)
    return float(spectrum[radius > 1 / 6].sum() / spectrum.sum())


def periodic_peak(image: np.ndarray) -> float:
    """Strongest spectral peak at periods of 2.5–6 px relative to the median there: a screen grid or a
    halftone screen makes sharp peaks, camera noise and JPEG a flat floor."""
    grey = image.astype(np.float64).mean(axis=2)
    spectrum = np.abs(np.fft.fftshift(np.fft.fft2(grey - grey.mean())))
    h, w = grey.shape
    yy, xx = np.mgrid[0:h, 0:w]
    radius = np.hypot((yy - h / 2) / h, (xx - w / 2) / w)  # cycles per pixel
    band = spectrum[(radius > 1 / 6) & (radius < 1 / 2.5)]
    return float(band.max() / np.median(band))


def test_same_seed_same_bytes_different_seed_different(sample_images):
    image = sample_images["astronaut.png"]
    for kind in ("bona_fide", "print", "replay"):
        a, b = simulate(image, "astronaut.png", kind, 7), simulate(image, "astronaut.png", kind, 7)
        assert np.array_equal(a.image, b.image)
        assert not np.array_equal(a.image, simulate(image, "astronaut.png", kind, 8).image)
        assert a.image.shape == image.shape and a.image.dtype == np.uint8


def test_make_samples_is_balanced_and_labelled(sample_images):
    pool = {"astronaut.png": sample_images["astronaut.png"], "biden.jpg": sample_images["biden.jpg"]}
    samples = list(make_samples(pool, 40, seed=3))
    kinds = Counter(s.kind for s in samples)
    assert kinds["bona_fide"] == 20 and kinds["print"] == 10 and kinds["replay"] == 10
    assert all((s.label == 1) == (s.kind == "bona_fide") for s in samples)
    assert {s.source for s in samples} == set(pool)


def test_split_is_70_15_15_and_stable():
    counts = Counter(split_of(i, 0) for i in range(4000))
    assert abs(counts["train"] / 4000 - 0.70) < 0.03 and abs(counts["test"] / 4000 - 0.15) < 0.03
    assert [split_of(i, 0) for i in range(50)] == [split_of(i, 0) for i in range(50)]


def test_attacks_add_high_frequency_artefacts_that_bona_fide_nuisances_do_not():
    image = smooth_image()
    seeds = range(8)
    bona = np.mean([periodic_peak(bona_fide_augment(image, np.random.default_rng(s))) for s in seeds])
    replay = np.mean([periodic_peak(replay_attack(image, np.random.default_rng(s), 1.0)) for s in seeds])
    printed = np.mean([periodic_peak(print_attack(image, np.random.default_rng(s), 1.0)) for s in seeds])
    assert replay > 3 * bona  # the sub-pixel grid survives recapture
    assert printed > bona  # the halftone is mostly washed out by recapture blur and JPEG, but not entirely
    screened = halftone(image.astype(np.float32), np.random.default_rng(0), 1.0).clip(0, 255).astype(np.uint8)
    assert high_frequency_share(screened) > 2 * high_frequency_share(image)


def test_strength_scales_the_artefacts():
    image = smooth_image()
    weak = replay_attack(image, np.random.default_rng(1), 0.0)
    strong = replay_attack(image, np.random.default_rng(1), 1.0)
    assert periodic_peak(strong) > periodic_peak(weak)
