"""Deterministic inputs for the TF.js golden fixtures (tests/fixtures/golden/).

Bit-exact port of the PRNG in scripts/golden_tfjs/golden.mjs: for flat index
``i`` over the whole (NHWC) array and integer seed ``s``::

    h = lowbias32((i + s * 0x9E3779B9) mod 2**32)
    value = float32(lo + (hi - lo) * (h / 2**32))     # arithmetic in float64
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["golden_input", "lowbias32"]

_GOLDEN = 0x9E3779B9
_TWO32 = 4294967296.0


def lowbias32(x: np.ndarray) -> np.ndarray:
    """Chris Wellons' lowbias32 integer hash on a uint32 array (wrapping arithmetic)."""
    x = np.asarray(x, dtype=np.uint32).copy()
    x ^= x >> np.uint32(16)
    x *= np.uint32(0x7FEB352D)
    x ^= x >> np.uint32(15)
    x *= np.uint32(0x846CA68B)
    x ^= x >> np.uint32(16)
    return x


def golden_input(shape: tuple[int, ...], seed: int, lo: float, hi: float) -> np.ndarray:
    """float32 array of ``shape`` identical to golden.mjs's input for (seed, lo, hi)."""
    n = math.prod(shape)
    if n > 2**32:
        raise ValueError("golden_input supports at most 2**32 elements")
    base = np.uint32((int(seed) * _GOLDEN) % 2**32)
    with np.errstate(over="ignore"):
        idx = np.arange(n, dtype=np.uint64).astype(np.uint32) + base  # wraps mod 2**32
        h = lowbias32(idx)
    lo64, hi64 = float(lo), float(hi)
    vals = lo64 + (hi64 - lo64) * (h.astype(np.float64) / _TWO32)
    return vals.astype(np.float32).reshape(shape)
