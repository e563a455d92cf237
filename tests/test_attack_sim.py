"""The presentation-attack simulator: determinism, shapes, balance, splits, and measurable artefacts."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from xai.attack_sim import (
    HELD_OUT_SEED,
    KINDS,
    ReplayParams,
    SimulatedSample,
    bona_fide_augment,
    halftone,
    make_samples,
    prepare_source,
    print_attack,
    replay_attack,
    sample_plan,
    simulate,
    split_of,
)


def smooth_image(size: int = 256) -> np.ndarray:
    """A smooth, colourful (size, size, 3) uint8 image with no periodic fine structure of its own."""
    yy, xx = np.mgrid[0:size, 0:size]
    base = 128 + 60 * np.sin(xx / 40.0) * np.cos(yy / 55.0)
    return np.clip(np.stack([base, base * 0.9 + 10, base * 0.8 + 20], axis=-1), 0, 255).astype(np.uint8)


def spectrum(channel: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Centred FFT magnitude of one (H, W) channel and each bin's radius in cycles per pixel."""
    h, w = channel.shape
    window = np.outer(np.hanning(h), np.hanning(w))  # no edge leakage from the bezel or the crop
    mag = np.abs(np.fft.fftshift(np.fft.fft2((channel - channel.mean()) * window)))
    fy, fx = np.meshgrid(np.fft.fftshift(np.fft.fftfreq(h)), np.fft.fftshift(np.fft.fftfreq(w)), indexing="ij")
    return mag, np.hypot(fy, fx)


def peak_at(image: np.ndarray, frequency: float, tolerance: float = 0.12) -> float:
    """Strongest bin within ±tolerance (relative) of ``frequency`` over the median of the 0.15–0.5 cycles/px band,
    summed over the colour channels (the R, G, B stripes cancel in a grey image)."""
    total = 0.0
    for c in range(3):
        mag, radius = spectrum(image[..., c].astype(np.float64))
        ring = np.abs(radius - frequency) < tolerance * frequency
        band = (radius > 0.15) & (radius < 0.5)
        total += float(mag[ring].max() / np.median(mag[band]))
    return total / 3


def high_frequency_share(image: np.ndarray) -> float:
    """Share of spectral magnitude at periods shorter than 6 px (radius > 1/6 cycles per pixel)."""
    mag, radius = spectrum(image.astype(np.float64).mean(axis=2))
    return float(mag[radius > 1 / 6].sum() / mag.sum())


@pytest.fixture(scope="module")
def face() -> np.ndarray:
    from PIL import Image

    from tests.conftest import SAMPLES

    return prepare_source(np.asarray(Image.open(SAMPLES / "astronaut.png").convert("RGB")), max_side=256)


def test_same_seed_same_bytes_different_seed_different(face):
    for kind in KINDS:
        a, b = simulate(face, "astronaut.png", kind, 7), simulate(face, "astronaut.png", kind, 7)
        assert np.array_equal(a.image, b.image), kind
        assert not np.array_equal(a.image, simulate(face, "astronaut.png", kind, 8).image), kind
        assert a.image.shape == face.shape and a.image.dtype == np.uint8


@pytest.mark.parametrize("render", [bona_fide_augment, print_attack, replay_attack])
@pytest.mark.parametrize("shape", [(96, 160, 3), (181, 97, 3)])
def test_output_keeps_shape_and_dtype(render, shape):
    image = np.random.default_rng(0).integers(0, 256, shape, dtype=np.uint8)
    out = render(image, np.random.default_rng(1))
    assert out.shape == shape and out.dtype == np.uint8


def test_inputs_are_validated(face):
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="uint8"):
        print_attack(face.astype(np.float32), rng)
    with pytest.raises(TypeError, match="Generator"):
        replay_attack(face, 3)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="strength"):
        replay_attack(face, rng, 1.5)
    with pytest.raises(ValueError, match="bona_fide, print, replay"):
        simulate(face, "x", "mask", 0)
    with pytest.raises(ValueError, match="empty"):
        next(make_samples({}, 3, 0))


def test_make_samples_is_balanced_labelled_and_regenerable(face):
    pool = {"a.png": face, "b.png": face[::-1].copy()}
    samples = list(make_samples(pool, 24, seed=3))
    assert all(isinstance(s, SimulatedSample) for s in samples)
    kinds = Counter(s.kind for s in samples)
    assert kinds == {"bona_fide": 12, "print": 6, "replay": 6}
    assert all((s.label == 1) == (s.kind == "bona_fide") for s in samples)
    assert all(s.label == 0 for s in samples if s.kind != "bona_fide")
    assert {(s.kind, s.source) for s in samples} == {(k, n) for k in KINDS for n in pool}  # every source, every kind
    # Any sample can be regenerated alone from its plan.
    kind, source, seed = sample_plan(17, 3, sorted(pool))
    again = simulate(pool[source], source, kind, seed)
    assert (kind, source, seed) == (samples[17].kind, samples[17].source, samples[17].seed)
    assert np.array_equal(again.image, samples[17].image)
    # The held-out base seed renders different samples from the same sources.
    held_out = next(make_samples(pool, 1, HELD_OUT_SEED))
    assert held_out.seed != samples[0].seed and not np.array_equal(held_out.image, samples[0].image)


def test_attack_fraction_is_respected():
    plans = [sample_plan(i, 0, ["a"], attack_fraction=0.25)[0] for i in range(400)]
    counts = Counter(plans)
    assert counts["bona_fide"] == 300 and counts["print"] == 50 and counts["replay"] == 50


def test_split_is_70_15_15_and_stable():
    counts = Counter(split_of(i, 0) for i in range(2000))
    assert counts == {"train": 1400, "val": 300, "test": 300}
    partial = Counter(split_of(i, 5) for i in range(2000, 2013))  # any stretch is close to 70/15/15 too
    assert partial["train"] >= 6 and partial["val"] <= 3 and partial["test"] <= 3
    assert [split_of(i, 0) for i in range(100)] == [split_of(i, 0) for i in range(100)]
    assert [split_of(i, 0) for i in range(100)] != [split_of(i, 1) for i in range(100)]


def test_replay_has_a_spectral_peak_at_the_subpixel_pitch_that_bona_fide_lacks():
    """The sub-pixel grid repeats every ``pitch`` px: the replay spectrum peaks at 1/pitch, the bona fide does not.
    Strength 1 with seeds whose nuisances include no blur-free/blurred confound: same seed, same nuisances."""
    image = smooth_image()
    replay_peaks, bona_peaks = [], []
    for seed in range(6):
        params = ReplayParams.draw(np.random.default_rng(seed), 1.0)  # what replay_attack draws first
        # The camera's pose crop magnifies by ≤ 8 %, so the peak sits between 1/(1.08 p) and 1/p.
        frequency = 1 / (params.pitch * 1.04)
        replay_peaks.append(peak_at(replay_attack(image, np.random.default_rng(seed), 1.0), frequency))
        bona_peaks.append(peak_at(bona_fide_augment(image, np.random.default_rng(seed)), frequency))
    assert np.median(replay_peaks) > 4 * np.median(bona_peaks)
    assert np.median(bona_peaks) < 20  # the bona fide spectrum has no isolated peak there


def test_print_halftone_raises_high_frequency_energy():
    image = smooth_image()
    screened = halftone(image.astype(np.float32), cell=3.0)
    assert high_frequency_share(screened.clip(0, 255).astype(np.uint8)) > 3 * high_frequency_share(image)
    printed = np.mean([high_frequency_share(print_attack(image, np.random.default_rng(s), 1.0)) for s in range(4)])
    bona = np.mean([high_frequency_share(bona_fide_augment(image, np.random.default_rng(s))) for s in range(4)])
    assert printed > 1.5 * bona


@pytest.mark.parametrize("render", [print_attack, replay_attack])
def test_strength_scales_the_artefacts(render):
    """Same seed and explicit strength, same nuisances: only the attack's visibility changes with strength. The
    image is smooth and mirror-symmetric, so the flip and the small pose shifts barely change the difference."""
    yy, xx = np.mgrid[0:192, 0:192]
    base = 120 + 50 * np.cos((xx - 95.5) / 30.0) * np.cos(yy / 45.0)
    image = np.clip(np.stack([base + 20, base, base - 20], axis=-1), 0, 255).astype(np.uint8)

    def deviation(strength: float) -> float:
        outs = [render(image, np.random.default_rng(seed), strength).astype(np.float32) for seed in range(6)]
        return float(np.mean([np.abs(o - image).mean() for o in outs]))

    weak, middle, strong = deviation(0.0), deviation(0.5), deviation(1.0)
    assert weak < middle < strong
