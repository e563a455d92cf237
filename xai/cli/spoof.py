"""``python -m xai spoof IMAGE``: region-wise explainable face anti-spoofing of one image (seed 000)."""

from __future__ import annotations

import argparse
import sys

from xai.cli.output import write_outputs


def _cmd_spoof(args: argparse.Namespace) -> int:
    from pathlib import Path

    from PIL import Image

    from xai.core.faces import FaceError
    from xai.core.images import read_image_file
    from xai.core.render import overlay
    from xai.spoof.defaults import family_warning
    from xai.spoof.explain import explain_spoof, explanation_to_dict, family_units
    from xai.spoof.panel import spoof_panel_png

    try:
        image = read_image_file(args.image)
        result = explain_spoof(image, family=args.model, cam_method=args.cam, mask_top_percent=args.mask_top,
                               curve_steps=args.steps, target_layer=args.layer)
    except (ValueError, FaceError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2

    def save_pictures(out: Path) -> None:
        for r in result.regions:
            Image.fromarray(r.crop).save(out / f"{r.region}_crop.png")
            Image.fromarray(overlay(r.crop, r.heatmap)).save(out / f"{r.region}_heatmap.png")
            Image.fromarray(r.masked).save(out / f"{r.region}_masked.png")
        (out / "panel.png").write_bytes(spoof_panel_png(result))

    summary = explanation_to_dict(result)
    warning = family_warning(family_units(result.family))
    if warning:
        summary["demonstration_warning"] = warning
    if write_outputs(summary, args.out, args.json, save_pictures):
        return 0
    print(f"{args.image}: {summary['faces_found']} face(s); model {result.family}; {args.cam}; "
          f"top {args.mask_top:g}% masked; {args.steps} curve steps; {result.seconds:.2f} s")
    print(f"{'region':<10}{'label':<9}{'conf':>6}{'ΔS':>8}{'SSIM':>7}{'del AUC':>9}{'ins AUC':>9}")
    for r in summary["regions"]:
        print(f"{r['region']:<10}{r['label']:<9}{r['confidence']:>6.3f}{r['confidence_drop']:>+8.3f}"
              f"{r['ssim']:>7.3f}{r['deletion_auc']:>9.3f}{r['insertion_auc']:>9.3f}")
    d = summary["decision"]
    print(f"decision ({d['region']}): {d['label']} with confidence {d['confidence']:.3f}")
    if warning:
        print(f"warning: {warning}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    from xai.explain.cam import CAM_METHODS
    from xai.explain.faithfulness import DEFAULT_CURVE_STEPS, DEFAULT_MASK_TOP_PERCENT
    from xai.spoof.defaults import default_family
    from xai.spoof.explain import spoof_families

    parser = sub.add_parser("spoof", help="region-wise explainable face anti-spoofing of one image (seed 000)")
    parser.add_argument("image", help="a photo with one face")
    parser.add_argument("--model", default=default_family(), choices=list(spoof_families()),
                        help="spoof model family (default %(default)s: the shipped one that measured best on "
                             "held-out real faces and attacks of them, see the cards)")
    parser.add_argument("--cam", default="grad-cam", choices=list(CAM_METHODS))
    parser.add_argument("--layer", default=None, help="CAM target layer (default: the model's; e.g. layer4.1)")
    parser.add_argument("--mask-top", type=float, default=DEFAULT_MASK_TOP_PERCENT,
                        help="percentage of most-activated pixels set to zero (default %(default)s)")
    parser.add_argument("--steps", type=int, default=DEFAULT_CURVE_STEPS, help="deletion/insertion curve steps")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.add_argument("--out", help="folder for crops, heatmap overlays, masked inputs, panel.png, explanation.json")
    parser.set_defaults(func=_cmd_spoof)
