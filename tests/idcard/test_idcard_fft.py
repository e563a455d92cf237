"""FFT high-pass branch input (seed 003 §3.2): equal to an independent NumPy reference, and the mask removes
exactly the frequencies inside r."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from xai.idcard.fft import fft_highpass, fft_view, highpass_complex, highpass_mask

MEAN = np.array([0.485, 0.456, 0.406])
STD = np.array([0.229, 0.224, 0.225])


def numpy_reference(rgb: np.ndarray, r: float) -> np.ndarray:
    """§3.2 step by step in NumPy (float64) for one (3, H, W) image in [0, 1] → (3, H, W)."""
    gray = 0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2]
    xs = np.fft.fftshift(np.fft.fft2(gray))  # eqs. 1-2
    h, w = gray.shape
    u, v = np.meshgrid(np.arange(h) - h // 2, np.arange(w) - w // 2, indexing="ij")
    mask = (u ** 2 + v ** 2 >= r ** 2).astype(float)  # eq. 3
    x_hp = np.fft.ifft2(np.fft.ifftshift(xs * mask))  # eqs. 4-5
    hp_log = np.log(1 + np.sqrt(x_hp.real ** 2 + x_hp.imag ** 2))  # eqs. 6-7
    hp = (hp_log - hp_log.min()) / (hp_log.max() - hp_log.min() + 1e-8)  # eq. 8
    return (np.stack([hp] * 3) - MEAN[:, None, None]) / STD[:, None, None]


@pytest.mark.parametrize("radius", [0, 3, 8, 21.5])
def test_fft_branch_input_equals_the_numpy_reference(radius):
    rng = np.random.default_rng(1)
    batch = rng.random((3, 3, 224, 224))
    batch[1] = np.clip(batch[1] * 0.2 + np.linspace(0, 0.8, 224)[None, None, :], 0, 1)  # a smooth image too
    got = fft_highpass(torch.from_numpy(batch).float(), radius).numpy()
    want = np.stack([numpy_reference(b.astype(np.float32).astype(np.float64), radius) for b in batch])
    assert got.shape == (3, 3, 224, 224) and got.dtype == np.float32
    np.testing.assert_allclose(got, want, atol=1e-5, rtol=0)


def test_batching_does_not_change_the_result():
    x = torch.rand(4, 3, 64, 64)
    together = fft_highpass(x)
    alone = torch.cat([fft_highpass(x[i:i + 1]) for i in range(4)])
    torch.testing.assert_close(together, alone)


@pytest.mark.parametrize("shape", [(224, 224), (64, 96), (33, 31)])
@pytest.mark.parametrize("radius", [1, 8, 12.5])
def test_the_mask_removes_exactly_the_frequencies_inside_r(shape, radius):
    h, w = shape
    gray = torch.rand(1, 1, h, w, dtype=torch.float64)
    x_hp = highpass_complex(gray, radius)
    before = np.fft.fft2(gray[0, 0].numpy())
    after = np.fft.fft2(x_hp[0, 0].numpy())
    # signed frequency of every unshifted FFT bin, derived from NumPy's fftfreq (not from the code under test)
    fu = np.round(np.fft.fftfreq(h) * h)
    fv = np.round(np.fft.fftfreq(w) * w)
    inside = fu[:, None] ** 2 + fv[None, :] ** 2 < radius ** 2
    scale = np.abs(before).max()
    assert np.abs(after[inside]).max() < 1e-4 * scale  # removed
    np.testing.assert_allclose(after[~inside], before[~inside], atol=1e-4 * scale)  # kept untouched
    assert inside.sum() == int((highpass_mask(h, w, radius) == 0).sum())


def test_low_cosine_is_removed_and_high_cosine_kept():
    n = 224
    x = np.arange(n)
    low = np.cos(2 * np.pi * 3 * x / n)[None, :].repeat(n, 0)  # 3 cycles: inside r = 8
    high = np.cos(2 * np.pi * 40 * x / n)[None, :].repeat(n, 0)  # 40 cycles: outside
    out_low = highpass_complex(torch.from_numpy(low)[None, None], 8).abs().max().item()
    out_high = highpass_complex(torch.from_numpy(high + 0.5)[None, None], 8)
    assert out_low < 1e-6
    np.testing.assert_allclose(out_high.real[0, 0].numpy(), high, atol=1e-6)  # the DC offset 0.5 is removed too


def test_fft_view_shapes_ranges_and_removed_energy():
    rng = np.random.default_rng(0)
    crop = rng.integers(0, 256, (224, 224, 3), dtype=np.uint8)
    view = fft_view(crop, 8)
    for a in (view.gray, view.spectrum, view.filtered):
        assert a.shape == (224, 224) and a.dtype == np.float32 and 0 <= a.min() and a.max() <= 1
    assert set(np.unique(view.mask)) == {0.0, 1.0}
    assert view.mask[112, 112] == 0 and view.mask[0, 0] == 1
    assert 0 < view.removed_energy < 1
    flat = np.full((224, 224, 3), 128, np.uint8)
    assert fft_view(flat, 8).removed_energy == pytest.approx(1.0)  # all energy of a flat image is DC
