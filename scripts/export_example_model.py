"""Export the shipped faceres embedder to ONNX with its model spec: a worked example of "Explain your own model".

Writes, into ``--out DIR`` (outside the repository: a model file never belongs in the tracked tree):

* ``faceres.onnx``: faceres' descriptor graph (``torch.onnx.export``, opset 17, dynamic batch), input ``image``
  (B, 224, 224, 3) float32 RGB in [0, 255] (faceres' own BGR mean subtraction is inside the graph), output
  ``descriptor`` (B, 1024);
* ``faceres-onnx.toml``: its spec (``schemas/model_spec.schema.json``), threshold "calibrate", CAM at the ONNX node
  of the last pointwise convolution.

Then: ``python -m xai models add DIR/faceres-onnx.toml`` (see the README). Nothing is downloaded.

Run: ``.venv/bin/python scripts/export_example_model.py --out ~/face-xai-example``
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from models.runtime.export import export_faceres_onnx  # noqa: E402

#: The spec, as written: every field is documented in schemas/model_spec.schema.json.
SPEC = """\
name = "faceres-onnx"
title = "faceres exported to ONNX (worked example)"
role = "embedder"
file = "faceres.onnx"             # relative to this spec's folder
format = "onnx"
input_size = 224
layout = "NHWC"                   # the graph takes (B, 224, 224, 3)
colour_order = "RGB"
scale = 1.0                       # the graph subtracts faceres' BGR means itself: feed RGB in [0, 255]
crop = "arcface"                  # the 5-point ArcFace template at 224x224, as faceres is aligned
output = "descriptor"
output_kind = "embedding"
metric = "cosine"
threshold = "calibrate"           # no decision until `python -m xai calibrate verify --model faceres-onnx ...`
# the last pointwise convolution's NCHW output, inside the Transpose pair around each convolution of the
# NHWC graph (a CAM layer must output (B, C, h, w))
cam_layer = "/graph/conv_pw_13_bn__batchnorm_1__mul_1/Conv"
source = "the studio's shipped faceres (HSE FaceRes), exported by scripts/export_example_model.py"
license = "as faceres (see models/cards/faceres.md)"
"""


def export(out: Path) -> tuple[Path, Path]:
    """Write ``faceres.onnx`` and ``faceres-onnx.toml`` into ``out``; returns their paths."""
    out.mkdir(parents=True, exist_ok=True)
    model_file, spec_file = out / "faceres.onnx", out / "faceres-onnx.toml"
    export_faceres_onnx(model_file)
    spec_file.write_text(SPEC)
    return model_file, spec_file


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, type=Path, help="folder for faceres.onnx and faceres-onnx.toml "
                                                                 "(outside the repository)")
    args = parser.parse_args(argv)
    out = args.out.expanduser().resolve()
    if out == ROOT or ROOT in out.parents:
        parser.error(f"{out} is inside the repository: write model files outside the tracked tree")
    model_file, spec_file = export(out)
    print(f"wrote {model_file} ({model_file.stat().st_size / 1e6:.1f} MB) and {spec_file}")
    print(f"next: python -m xai models add {spec_file}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
