"""FV-RISE and CorrRISE: mask statistics, a planted-region toy embedder, determinism, batch invariance."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from xai.explain.rise.corr import corr_rise
from xai.explain.rise.fv import fv_rise
from xai.explain.rise.patch_sampler import PatchMaskSampler
from xai.explain.rise.rise_sampler import RiseMaskSampler

H = W = 64
REGION = (slice(10, 26), slice(36, 54))  # rows, cols of the planted region


def planted_score(batch: torch.Tensor) -> torch.Tensor:
    """A toy 'similarity' that depends only on how much of the planted region is still visible."""
    return batch[:, REGION[0], REGION[1], :].mean(dim=(1, 2, 3)) / 255.0


def opposing_score(batch: torch.Tensor) -> torch.Tensor:
    """Similarity rises when the planted region is hidden (a region that votes *against* the match)."""
    return 1.0 - planted_score(batch)


@pytest.fixture
def probe() -> torch.Tensor:
    return torch.full((H, W, 3), 200.0)


def test_rise_masks_keep_about_p_and_have_the_right_shape():
    masks = RiseMaskSampler(112, 112, grid=5, keep=0.3).sample(4000, torch.Generator().manual_seed(0))
    assert masks.shape == (4000, 112, 112)
    assert masks.min() >= 0 and masks.max() <= 1
    assert masks.mean().item() == pytest.approx(0.3, abs=0.02)


def test_sobol_masks_keep_about_p_and_cover_the_cells_more_evenly_than_random_draws():
    sampler = RiseMaskSampler(56, 56, grid=5, keep=0.5, sampling="sobol")
    sobol = sampler.stream(seed=0)(1024)
    random = RiseMaskSampler(56, 56, grid=5, keep=0.5).stream(seed=0)(1024)
    assert sobol.shape == (1024, 56, 56)
    assert sobol.mean().item() == pytest.approx(0.5, abs=0.01)
    # Per-pixel keep frequency: a balanced low-discrepancy design deviates less from p than i.i.d. draws.
    assert (sobol.mean(dim=0) - 0.5).abs().mean() < (random.mean(dim=0) - 0.5).abs().mean()
    again = sampler.stream(seed=0)
    assert torch.equal(torch.cat([again(64) for _ in range(16)]), sobol)  # chunked draws = one draw
    assert not torch.equal(sampler.stream(seed=1)(64), sobol[:64])


def test_patch_masks_occlude_the_stated_number_of_pixels():
    masks = PatchMaskSampler(112, 112, patches=1, patch=30).sample(50, torch.Generator().manual_seed(0))
    assert masks.shape == (50, 112, 112)
    assert torch.all((1 - masks).sum(dim=(1, 2)) == 900)


def inside_share(saliency: np.ndarray) -> float:
    return float(saliency[REGION].sum() / max(saliency.sum(), 1e-12))


def sobol_rise(*args, **kwargs):
    return fv_rise(*args, sampling="sobol", **kwargs)


@pytest.mark.parametrize("explainer", [fv_rise, sobol_rise, corr_rise])
def test_the_peak_lies_in_the_planted_region(probe, explainer):
    result = explainer(probe, planted_score, n_masks=600, batch_size=50, seed=1)
    peak = np.unravel_index(np.argmax(result.similarity), result.similarity.shape)
    assert REGION[0].start <= peak[0] < REGION[0].stop and REGION[1].start <= peak[1] < REGION[1].stop
    area_share = (16 * 18) / (H * W)
    assert inside_share(result.similarity) > 2 * area_share
    opposite = explainer(probe, opposing_score, n_masks=600, batch_size=50, seed=1)
    peak = np.unravel_index(np.argmax(opposite.dissimilarity), opposite.dissimilarity.shape)
    assert REGION[0].start <= peak[0] < REGION[0].stop and REGION[1].start <= peak[1] < REGION[1].stop


@pytest.mark.parametrize("explainer", [fv_rise, sobol_rise, corr_rise])
def test_same_seed_same_map_other_seed_other_map_and_batch_size_invariance(probe, explainer):
    a = explainer(probe, planted_score, n_masks=200, batch_size=16, seed=3)
    b = explainer(probe, planted_score, n_masks=200, batch_size=16, seed=3)
    c = explainer(probe, planted_score, n_masks=200, batch_size=16, seed=4)
    d = explainer(probe, planted_score, n_masks=200, batch_size=7, seed=3)
    e = explainer(probe, planted_score, n_masks=200, batch_size=150, seed=3)  # a batch spans three mask chunks
    assert np.array_equal(a.raw, b.raw)
    assert not np.array_equal(a.raw, c.raw)
    np.testing.assert_allclose(a.raw, d.raw, atol=1e-6)  # float64 sums, different batch grouping
    np.testing.assert_allclose(a.raw, e.raw, atol=1e-5)  # float32 sums over 150 masks at once


@pytest.mark.parametrize("sampling", ["random", "sobol"])
def test_factored_accumulation_equals_summing_the_masks(sampling):
    from xai.explain.rise.accumulate import Accumulator

    draw = RiseMaskSampler(56, 72, grid=5, keep=0.5, sampling=sampling).factored_stream(seed=2)
    factored = Accumulator(56, 72)
    generator = torch.Generator().manual_seed(0)
    all_masks, all_scores = [], []
    for _ in range(3):
        masks, factors = draw(64)
        scores = torch.rand(64, generator=generator)
        factored.add(masks, scores, factors)
        all_masks.append(masks.double())
        all_scores.append(scores.double())
    masks, scores = torch.cat(all_masks), torch.cat(all_scores)
    expected = ((scores - 0.4)[:, None, None] * masks).sum(0) / (len(scores) * 0.5)
    np.testing.assert_allclose(factored.rise(0.5, 0.4), expected.numpy(), atol=1e-5)


def test_reference_centre_is_the_seeds_grouping(probe):
    # With c = reference score, sal = Σ_{s>ref} (s−ref)·m − Σ_{s<ref} (ref−s)·m, over N·p: check by brute force.
    generator = torch.Generator().manual_seed(9)
    sampler = RiseMaskSampler(H, W, grid=5, keep=0.5)
    result = fv_rise(probe, planted_score, n_masks=64, batch_size=64, seed=9, centre="reference")
    masks = sampler.sample(64, generator)
    scores = planted_score(probe[None] * masks[..., None])
    reference = float(planted_score(probe[None])[0])
    above, below = scores > reference, scores < reference
    expected = (((scores[above] - reference)[:, None, None] * masks[above]).sum(0)
                - ((reference - scores[below])[:, None, None] * masks[below]).sum(0)) / (64 * 0.5)
    np.testing.assert_allclose(result.raw, expected.numpy(), atol=1e-5)


def test_early_stop_uses_fewer_masks_and_progress_is_reported(probe):
    seen = []
    result = fv_rise(probe, planted_score, n_masks=4000, batch_size=64, seed=0, early_stop=True, check_every=256,
                     stop_correlation=0.99, progress=lambda done, total, _map: seen.append((done, total)))
    assert result.masks_used < 4000
    assert seen[0] == (64, 4000) and seen[-1][0] == result.masks_used


def test_input_validation(probe):
    with pytest.raises(ValueError):
        fv_rise(probe[..., :2], planted_score)
    with pytest.raises(ValueError):
        RiseMaskSampler(10, 10, keep=1.5)


class Bf16PlantedScore:
    """The planted score with a bf16 variant whose error is set by ``noise`` (to exercise the precision check)."""

    def __init__(self, noise: float = 0.0) -> None:
        self.noise = noise

    def __call__(self, batch: torch.Tensor) -> torch.Tensor:
        return planted_score(batch)

    def in_bf16(self, calibration=None):
        def reduced(batch: torch.Tensor) -> torch.Tensor:
            exact = planted_score(batch)
            jitter = torch.sin(1e3 * exact)  # deterministic, uncorrelated with the mask layout
            return exact.to(torch.bfloat16).float() + self.noise * jitter
        return reduced


def test_precision_auto_uses_bf16_only_on_a_bf16_cpu_and_only_when_the_maps_agree(probe, monkeypatch):
    from xai.explain.rise import engine

    monkeypatch.setattr(engine, "native_bf16", lambda: None)
    assert fv_rise(probe, Bf16PlantedScore(), n_masks=128, precision="auto").precision == "fp32"
    with pytest.raises(ValueError, match="bf16"):
        fv_rise(probe, Bf16PlantedScore(), n_masks=128, precision="bf16")
    monkeypatch.setattr(engine, "native_bf16", lambda: "avx512_bf16")
    faithful = fv_rise(probe, Bf16PlantedScore(), n_masks=256, precision="auto")
    assert faithful.precision == "bf16" and faithful.precision_check >= 0.999
    exact = fv_rise(probe, Bf16PlantedScore(), n_masks=256, precision="fp32")
    assert np.corrcoef(faithful.raw.ravel(), exact.raw.ravel())[0, 1] > 0.99
    assert fv_rise(probe, Bf16PlantedScore(), n_masks=engine.CHECK_MASKS, precision="auto").precision == "fp32"
    noisy = fv_rise(probe, Bf16PlantedScore(noise=0.2), n_masks=256, precision="auto")
    assert noisy.precision == "fp32" and noisy.precision_check < 0.999
    np.testing.assert_allclose(noisy.raw, exact.raw, atol=1e-6)  # the fallback is the fp32 computation itself
    assert fv_rise(probe, planted_score, n_masks=128, precision="auto").precision == "fp32"  # no in_bf16()
