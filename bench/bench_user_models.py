"""FV-RISE through onnxruntime (a user model) against the native torch path, on the same model (issue 15, item 8).

The shipped ``faceres`` graph is exported to ONNX in a temporary folder (as ``tests/onnx_exports.py`` does) and
built as a user model (:func:`models.user.build_user_model`; nothing is registered). Both explain the same sample
pair with the same masks and seed, through the verification page's score function
(:func:`xai.verify.score.score_function`) and FV-RISE (:func:`xai.explain.rise.fv.fv_rise`):

* native fp32: the TF.js graph's fused inference copy in torch (``FaceEmbedder.embed_for_scoring``);
* native auto: the page's default precision (bf16 where the CPU has it and the maps agree), for reference;
* onnx: the exported graph in an onnxruntime CPU session (precision "auto" keeps fp32 there and says why).

Prints seconds per map (median of ``--repeats`` after a short warm-up), masked probes per second, the ratio
onnxruntime / native, and the Spearman rank correlation of the two fp32 maps. Nothing is asserted: it measures.

Run: ``OMP_NUM_THREADS=2 .venv/bin/python bench/bench_user_models.py [--masks 768] [--repeats 2]``
(about three minutes on two cores).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))  # onnx_exports: the same export the tests register

from onnx_exports import FACERES_SPEC, write_spec  # noqa: E402
from scipy.stats import spearmanr  # noqa: E402

from models.registry import load_model  # noqa: E402
from models.runtime.export import export_faceres_onnx  # noqa: E402
from models.spec import load_spec  # noqa: E402
from models.user import build_user_model  # noqa: E402
from xai.core.crops import model_crop  # noqa: E402
from xai.core.faces import largest_face  # noqa: E402
from xai.core.precision import native_bf16  # noqa: E402
from xai.core.samples import sample_image  # noqa: E402
from xai.explain.rise.fv import fv_rise  # noqa: E402
from xai.explain.rise.result import SaliencyResult  # noqa: E402
from xai.verify.pipeline import DEFAULT_BATCH, DEFAULT_SAMPLING  # noqa: E402
from xai.verify.score import score_function  # noqa: E402

PAIR = ("obama.jpg", "obama2.jpg")
WARM_UP_MASKS = 16


def crops(embedder) -> tuple[np.ndarray, np.ndarray]:
    """(probe, gallery) (224, 224, 3) uint8 crops of the sample pair, the way ``verify_pair`` makes them."""
    out = []
    for name in PAIR:
        image = sample_image(name)
        out.append(model_crop(embedder, image, largest_face(image)[0]))
    return out[0], out[1]


def time_map(embedder, probe: np.ndarray, gallery: np.ndarray, masks: int, seed: int, precision: str,
             repeats: int) -> tuple[float, SaliencyResult]:
    """(median seconds per FV-RISE map, the map) of ``embedder`` on the pair."""
    score = score_function(embedder, gallery)
    x = torch.from_numpy(probe.astype(np.float32))

    def run(n: int) -> SaliencyResult:
        return fv_rise(x, score, n_masks=n, batch_size=DEFAULT_BATCH, seed=seed, sampling=DEFAULT_SAMPLING,
                       precision=precision)

    run(WARM_UP_MASKS)
    seconds, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = run(masks)
        seconds.append(time.perf_counter() - start)
    return statistics.median(seconds), result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--masks", type=int, default=768, help="masks per map (the page's FV-RISE default: 768)")
    parser.add_argument("--repeats", type=int, default=2, help="maps timed per path (median)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    native = load_model("faceres")
    with tempfile.TemporaryDirectory(prefix="bench-user-models-") as folder:
        start = time.perf_counter()
        onnx_file = export_faceres_onnx(Path(folder) / "faceres.onnx")
        spec = load_spec(write_spec(Path(folder) / "faceres.toml", **{**FACERES_SPEC, "file": str(onnx_file)}))
        user = build_user_model(spec)
        print(f"exported faceres to ONNX and built it as a user model in {time.perf_counter() - start:.1f} s "
              f"({onnx_file.stat().st_size / 1e6:.1f} MB)")
    probe, gallery = crops(native)
    print(f"pair {PAIR[0]} / {PAIR[1]}, {args.masks} {DEFAULT_SAMPLING} masks, seed {args.seed}, batch "
          f"{DEFAULT_BATCH}, torch threads {torch.get_num_threads()}, CPU bf16: {native_bf16() or 'none'}")

    runs = {"native fp32": (native, "fp32"), "onnx fp32": (user, "fp32"), "onnx auto": (user, "auto")}
    if native_bf16() is not None:
        runs["native auto"] = (native, "auto")
    measured: dict[str, tuple[float, SaliencyResult]] = {}
    for label, (embedder, precision) in runs.items():
        measured[label] = time_map(embedder, probe, gallery, args.masks, args.seed, precision, args.repeats)
        seconds, result = measured[label]
        print(f"  {label:<12} {seconds:7.2f} s per map  {args.masks / seconds:7.1f} masked probes/s  "
              f"scored in {result.precision_detail}")

    native_s, native_map = measured["native fp32"]
    onnx_s, onnx_map = measured["onnx fp32"]
    rho = spearmanr(native_map.raw.ravel(), onnx_map.raw.ravel())[0]
    print(f"onnxruntime / native torch (both fp32): {onnx_s / native_s:.2f}× the time per map")
    if "native auto" in measured:
        print(f"onnxruntime / native page default ({measured['native auto'][1].precision_detail}): "
              f"{onnx_s / measured['native auto'][0]:.2f}× the time per map")
    print(f"map Spearman (onnx fp32 vs native fp32, same masks and seed): {rho:.6f}; reference scores "
          f"{native_map.reference_score:.6f} / {onnx_map.reference_score:.6f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
