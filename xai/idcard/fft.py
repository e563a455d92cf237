"""FFT high-pass preprocessing of the frequency branch (seed 003 §3.2, eqs. 1–8), batched in torch.

Steps: grayscale (ITU-R BT.601 weights) → ``X = FFT(x)`` (eq. 1) → ``Xs = FFTShift(X)`` (eq. 2) → ideal high-pass
``mask2d(m, n) = 1 if U² + V² ≥ r² else 0`` with (U, V) centred on the DC bin (eq. 3) → ``Xs ⊙ mask2d`` (eq. 4) →
``x_hp = IFFT(IFFTShift(·))`` (eq. 5) → magnitude (eq. 6) → ``ln(1 + ·)`` (eq. 7) → per-image min-max with
ε = 1e-8 (eq. 8) → three channels → ImageNet normalisation.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from models.idcard import IMAGENET_MEAN, IMAGENET_STD

DEFAULT_RADIUS = 8
EPS = 1e-8
GRAY_WEIGHTS = (0.299, 0.587, 0.114)


def highpass_mask(height: int, width: int, radius: float = DEFAULT_RADIUS) -> torch.Tensor:
    """Ideal high-pass mask of eq. 3 for a shifted spectrum: (H, W) float32, 0 inside radius ``r``, 1 elsewhere.

    The origin (U, V) = (0, 0) is the DC bin after ``fftshift``: row H // 2, column W // 2.
    """
    if radius < 0:
        raise ValueError(f"radius must be ≥ 0, got {radius}")
    u = torch.arange(height, dtype=torch.float32) - height // 2
    v = torch.arange(width, dtype=torch.float32) - width // 2
    dist2 = u[:, None] ** 2 + v[None, :] ** 2
    return (dist2 >= float(radius) ** 2).to(torch.float32)


def to_gray(rgb: torch.Tensor) -> torch.Tensor:
    """(B, 3, H, W) RGB → (B, 1, H, W) luma with BT.601 weights, same range."""
    if rgb.dim() != 4 or rgb.shape[1] != 3:
        raise ValueError(f"expected (B, 3, H, W) RGB, got {tuple(rgb.shape)}")
    w = torch.tensor(GRAY_WEIGHTS, dtype=rgb.dtype, device=rgb.device).view(1, 3, 1, 1)
    return (rgb * w).sum(dim=1, keepdim=True)


def highpass_complex(gray: torch.Tensor, radius: float = DEFAULT_RADIUS) -> torch.Tensor:
    """Eqs. 1–5: (B, 1, H, W) float grey → (B, 1, H, W) complex64 ``x_hp = IFFT(IFFTShift(FFTShift(FFT(x)) ⊙ mask))``."""
    spectrum = torch.fft.fftshift(torch.fft.fft2(gray.float()), dim=(-2, -1))
    mask = highpass_mask(gray.shape[-2], gray.shape[-1], radius).to(gray.device)
    return torch.fft.ifft2(torch.fft.ifftshift(spectrum * mask, dim=(-2, -1)))


def highpass_gray(rgb: torch.Tensor, radius: float = DEFAULT_RADIUS) -> torch.Tensor:
    """Eqs. 1–8: (B, 3, H, W) float RGB in [0, 1] → (B, 1, H, W) float32 ``hp_gray`` in [0, 1]."""
    x_hp = highpass_complex(to_gray(rgb.float()), radius)
    hp_log = torch.log1p(x_hp.abs())
    lo = hp_log.amin(dim=(-2, -1), keepdim=True)
    hi = hp_log.amax(dim=(-2, -1), keepdim=True)
    return (hp_log - lo) / (hi - lo + EPS)


def fft_highpass(rgb: torch.Tensor, radius: float = DEFAULT_RADIUS) -> torch.Tensor:
    """The FFT-branch input: (B, 3, H, W) float RGB in [0, 1] → (B, 3, H, W) float32, ``hp_gray`` replicated to
    three channels and ImageNet-normalised per channel (§3.2 step 4)."""
    hp = highpass_gray(rgb, radius).expand(-1, 3, -1, -1)
    mean = torch.tensor(IMAGENET_MEAN, device=hp.device).view(1, 3, 1, 1)
    std = torch.tensor(IMAGENET_STD, device=hp.device).view(1, 3, 1, 1)
    return (hp - mean) / std


def imagenet_normalise(rgb: torch.Tensor) -> torch.Tensor:
    """(B, 3, H, W) RGB in [0, 1] → ImageNet-normalised (the RGB branch's input)."""
    mean = torch.tensor(IMAGENET_MEAN, device=rgb.device).view(1, 3, 1, 1)
    std = torch.tensor(IMAGENET_STD, device=rgb.device).view(1, 3, 1, 1)
    return (rgb.float() - mean) / std


def crops_to_tensor(crops: np.ndarray) -> torch.Tensor:
    """(B, S, S, 3) or (S, S, 3) uint8 RGB → (B, 3, S, S) float32 in [0, 1]."""
    array = np.asarray(crops)
    if array.ndim == 3:
        array = array[None]
    if array.ndim != 4 or array.shape[-1] != 3:
        raise ValueError(f"expected (B, S, S, 3) RGB crops, got {array.shape}")
    return torch.from_numpy(np.ascontiguousarray(array)).permute(0, 3, 1, 2).float().div_(255.0)


@dataclass(frozen=True, slots=True)
class FFTView:
    """What the FFT branch sees, for display.

    Attributes:
        gray: (H, W) float32 in [0, 1], the grayscale L2 crop.
        spectrum: (H, W) float32 in [0, 1], min-max scaled ln(1 + |FFTShift(FFT(gray))|).
        mask: (H, W) float32 in {0, 1}, the ideal high-pass mask (eq. 3).
        filtered: (H, W) float32 in [0, 1], ``hp_gray`` of eq. 8 (what the branch gets, before ImageNet norm).
        radius: r in frequency bins.
        removed_energy: fraction of the spectrum's energy (Σ|X|²) inside r, in [0, 1].
    """

    gray: np.ndarray
    spectrum: np.ndarray
    mask: np.ndarray
    filtered: np.ndarray
    radius: float
    removed_energy: float


def fft_view(crop: np.ndarray, radius: float = DEFAULT_RADIUS) -> FFTView:
    """The spectrum, mask and filtered image of one (S, S, 3) uint8 RGB crop (usually the 224 × 224 L2 crop)."""
    rgb = crops_to_tensor(crop)
    gray = to_gray(rgb)[0, 0]
    spectrum = torch.fft.fftshift(torch.fft.fft2(gray))
    power = spectrum.abs() ** 2
    mask = highpass_mask(*gray.shape, radius)
    log_mag = torch.log1p(spectrum.abs())
    log_mag = (log_mag - log_mag.min()) / (log_mag.max() - log_mag.min() + EPS)
    removed = float((power * (1 - mask)).sum() / power.sum().clamp_min(EPS))
    return FFTView(gray.numpy().astype(np.float32), log_mag.numpy().astype(np.float32), mask.numpy(),
                   highpass_gray(rgb, radius)[0, 0].numpy().astype(np.float32), float(radius), removed)
