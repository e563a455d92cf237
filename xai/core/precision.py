"""Reduced-precision (bfloat16) scoring for black-box explainers, used only where it is fast and faithful.

bfloat16 autocast speeds up convolutions on CPUs with native bf16 instructions (``amx_bf16``, ``avx512_bf16``
in ``/proc/cpuinfo``) and slows them down elsewhere, so it is never used on other CPUs. Where it is available:

* the model keeps in float32 the few layers bf16 distorts far more than the rest (BatchNorm folding can give a
  layer large weights and a large opposite bias; see ``FrozenGraph.bf16_sensitive_steps``) — for faceres one
  depthwise convolution of 27, which cuts the score error 2.5× at no measurable cost;
* an explainer still checks, on its own first masks, that bf16 scores give the same map as fp32 scores
  (Pearson r ≥ :data:`MIN_MAP_CORRELATION`) before it switches (``xai.explain.rise``); the result records which
  precision was used, the check's r and the layers kept in fp32.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

BF16_FLAGS = ("amx_bf16", "avx512_bf16")
PRECISIONS = ("fp32", "bf16", "auto")
MIN_MAP_CORRELATION = 0.999


@cache
def cpu_flags(cpuinfo: Path = Path("/proc/cpuinfo")) -> frozenset[str]:
    """The instruction-set flags the kernel reports for this CPU (empty where /proc/cpuinfo is absent)."""
    try:
        text = cpuinfo.read_text()
    except OSError:
        return frozenset()
    for line in text.splitlines():
        if line.startswith("flags"):
            return frozenset(line.partition(":")[2].split())
    return frozenset()


def native_bf16() -> str | None:
    """The first bf16 instruction-set flag of this CPU (``amx_bf16`` / ``avx512_bf16``), None if it has none."""
    flags = cpu_flags()
    return next((flag for flag in BF16_FLAGS if flag in flags), None)


def check_precision(precision: str) -> None:
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}, got {precision!r}")
