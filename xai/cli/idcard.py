"""``python -m xai idcard IMAGE [--centroid X,Y] [--json] [--out DIR]``: predict and explain one ID-card photo
(seed 003). Training and Tables 1–2 are ``train idcard`` (:mod:`xai.cli.train`) and ``evaluate idcard``
(:mod:`xai.cli.evaluate`)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from xai.cli.output import write_outputs


def _cmd_idcard(args: argparse.Namespace) -> int:
    from PIL import Image

    from models.base import ModelUnavailableError
    from xai.core.images import read_image_file
    from xai.idcard.crops import parse_centroid
    from xai.idcard.explain import explain_idcard, explanation_to_dict, panel_png

    try:
        image = read_image_file(args.image)
        centroid = parse_centroid(args.centroid) if args.centroid else None
        result = explain_idcard(image, centroid=centroid, model=args.model, radius=args.radius,
                                cam_method=args.cam)
    except (ValueError, ModelUnavailableError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2

    def save_pictures(out: Path) -> None:
        Image.fromarray(result.crops.l1.image).save(out / "l1_crop.png")
        Image.fromarray(result.crops.l2.image).save(out / "l2_crop.png")
        (out / "panel.png").write_bytes(panel_png(result))

    summary = explanation_to_dict(result)
    if write_outputs(summary, args.out, args.json, save_pictures):
        return 0
    p = summary["prediction"]
    print(f"{args.image}: {p['label']} (p(spoof) = {p['p_spoof']:.3f}) with {summary['model']}; card located by "
          f"{summary['location']['method']} at ({summary['location']['centroid'][0]:.0f}, "
          f"{summary['location']['centroid'][1]:.0f}); {summary['seconds']:.2f} s")
    for w in summary["warnings"]:
        print(f"warning: {w}")
    print(f"{'zone occluded':<16}{'p(spoof)':>10}{'Δ':>9}")
    for z in summary["zones"]:
        print(f"{z['zone']:<16}{z['p_spoof']:>10.3f}{z['delta']:>+9.3f}")
    a = summary["attention"]
    if a["top_key_cell"] is not None:
        print(f"most attended RGB cell {a['query_cell']} attends most to FFT cell {a['top_key_cell']}")
    if result.model_input is not None:  # a user's one-image model: its CAM, or why there is none
        print(f"CAM: {result.cam_reason}" if result.cam_reason else f"CAM: {args.cam} at the spec's cam_layer")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    from xai.explain.cam import CAM_METHODS
    from xai.idcard.fft import DEFAULT_RADIUS

    parser = sub.add_parser("idcard", help="ID-card screen-recapture detection and explanations (seed 003)")
    parser.add_argument("image", help="a photo of an ID card")
    parser.add_argument("--centroid", help="card centroid 'X,Y' in pixels (default: automatic localisation)")
    parser.add_argument("--model", default="idcard-vgg16-fft",
                        help="registered ID-card model: a shipped idcard-* model or a user recapture model "
                             "(`python -m xai models list`)")
    parser.add_argument("--cam", default="grad-cam", choices=list(CAM_METHODS),
                        help="CAM method of the branch (or user model) maps (default grad-cam)")
    parser.add_argument("--radius", type=float, default=DEFAULT_RADIUS, help="FFT high-pass radius r")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.add_argument("--out", help="folder for the crops, panel.png and explanation.json")
    parser.set_defaults(func=_cmd_idcard)
