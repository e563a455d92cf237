"""ID-card recapture detector speed (seed 003 Table 2): seconds per image, warm, batch 1, and the FLOP ceiling.

Prints, measured in one run on this machine: the machine's dense GFLOP/s (a float32 matrix product, the best
case for the CPU), the model's GFLOPs per image (``torch.utils.flop_counter``), the ceiling = GFLOP/s ÷ GFLOP
(the fewest seconds per image the machine could reach), the measured seconds per image (FFT preprocessing and
forward, warm, batch 1; median of the repeats) and the ratio measured ÷ ceiling (1 = the CPU is saturated). The
seed reports 0.120 s/image on an Intel Xeon @ 2.20 GHz, 6 cores / 12 threads (not this machine).

Run: ``.venv/bin/python bench/bench_idcard.py [--threads N] [--repeats N]``
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.timing import timed  # noqa: E402
from models.idcard import VARIANTS, IdCardConfig, IdCardNet, measure_flops  # noqa: E402
from xai.idcard.data import branch_inputs  # noqa: E402

SEED_SECONDS = 0.120


def machine_gflops(n: int = 2048, repeats: int = 5) -> float:
    """Dense float32 matmul throughput in GFLOP/s (2n³ FLOPs per product)."""
    a, b = torch.randn(n, n), torch.randn(n, n)
    return 2 * n ** 3 / timed(lambda: a @ b, repeats) / 1e9


def load(variant: str) -> tuple[IdCardNet, str]:
    """The shipped weights of ``variant`` if present, else a randomly initialised network (same speed)."""
    from models.base import ModelUnavailableError
    from models.zoo.idcard_recapture import VARIANT_CLASSES

    try:
        return VARIANT_CLASSES[variant]().net, "shipped"
    except ModelUnavailableError:
        return IdCardNet(IdCardConfig(variant)).eval(), "random init"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=list(VARIANTS))
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    crop = np.random.default_rng(0).integers(0, 256, (1, 224, 224, 3), dtype=np.uint8)
    peak = machine_gflops()
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads; dense matmul {peak:.1f} GFLOP/s "
          f"(measured now)")
    print(f"{'variant':<11}{'weights':<13}{'GFLOP':>7}{'ceiling s':>11}{'s/image':>9}{'ratio':>7}")
    for variant in args.variants:
        net, origin = load(variant)
        gflop = measure_flops(net) / 1e9

        def run(net=net, variant=variant):
            with torch.no_grad():
                net(*branch_inputs(crop, crop, variant))

        seconds = timed(run, args.repeats)
        ceiling = gflop / peak
        print(f"{variant:<11}{origin:<13}{gflop:>7.2f}{ceiling:>11.3f}{seconds:>9.3f}{seconds / ceiling:>7.2f}")
    print(f"seed 003 Table 2: VGG16+FFT {SEED_SECONDS:.3f} s/image on a 6-core Xeon @ 2.20 GHz (for reference only)")


if __name__ == "__main__":
    main()
