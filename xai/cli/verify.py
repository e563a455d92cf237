"""``python -m xai verify PROBE GALLERY``: verify a pair and explain it (seed 001); ``python -m xai calibrate verify``:
reference genuine/impostor scores for calibrated confidence."""

from __future__ import annotations

import argparse
import math
import sys
from typing import TYPE_CHECKING

from xai.cli.output import strict_json, write_outputs

if TYPE_CHECKING:
    from xai.verify.calibration import CalibrationSummary


def _cmd_verify(args: argparse.Namespace) -> int:
    from pathlib import Path

    from PIL import Image
    from tqdm import tqdm

    from models.registry import load_model
    from xai.core.faces import FaceError
    from xai.core.images import read_image_file
    from xai.core.render import colorize, overlay
    from xai.verify.calibration import ScoreReference, calibrated_confidence
    from xai.verify.pipeline import decision_map, default_masks, explain_pair, verify_pair

    try:
        probe, gallery = read_image_file(args.probe), read_image_file(args.gallery)
        result = verify_pair(probe, gallery, model=args.model)
    except (ValueError, FaceError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    summary = {"model": result.model, "metric": result.metric, "native_score": result.native_score,
               "threshold": result.threshold, "cosine": result.cosine,
               "same_person": result.same_person if math.isfinite(result.threshold) else None,
               "faces_found": list(result.faces_found)}
    if result.calibration is not None:  # which threshold decided, and where it came from
        summary["threshold_origin"] = result.calibration.to_json()
    reference = ScoreReference.load(result.model)
    if reference is not None:
        confidence = calibrated_confidence(reference, result.native_score)
        summary["calibrated"] = {"fmr": confidence.fmr, "fnmr": confidence.fnmr, "source": reference.source,
                                 "genuine_pairs": confidence.genuine_pairs,
                                 "impostor_pairs": confidence.impostor_pairs}
    maps = {}
    if args.explainer == "regions":
        from xai.verify.pipeline import explain_regions

        for reverse in (False, True):
            label = "gallery" if reverse else "probe"
            try:
                _ref, parts, _landmarks = explain_regions(result, reverse=reverse)
            except FaceError as exc:
                print(f"error: {exc}", file=sys.stderr)
                return 2
            summary[f"{label}_regions"] = {p.part: {"delta_hidden": p.delta_one, "delta_only": p.delta_only}
                                           for p in parts}
    elif args.explainer == "cam":
        from xai.verify.pipeline import map_faithfulness, similarity_cam

        for reverse in (False, True):
            label = "gallery" if reverse else "probe"
            try:
                heatmap = similarity_cam(result, args.cam, reverse=reverse)
            except ValueError as exc:
                print(f"error: {exc}", file=sys.stderr)
                return 2
            curves = map_faithfulness(result, heatmap, reverse=reverse)
            maps[label] = (None, heatmap)
            summary[f"{label}_explanation"] = {"explainer": f"similarity {args.cam}", "map_shown": "similarity",
                                               "deletion_auc": curves.deletion_auc,
                                               "insertion_auc": curves.insertion_auc}
    elif args.explainer != "none":
        for reverse in (False, True):
            label = "gallery" if reverse else "probe"
            masks = args.masks or default_masks(args.explainer, load_model(args.model))
            with tqdm(total=masks, desc=f"{args.explainer} on the {label}", disable=args.json,
                      file=sys.stderr) as bar:
                def advance(done, _total, _map, bar=bar):
                    bar.update(done - bar.n)

                saliency = explain_pair(result, args.explainer, n_masks=masks, seed=args.seed, reverse=reverse,
                                        progress=advance, sampling=args.sampling, precision=args.precision,
                                        early_stop=args.early_stop)
            maps[label] = (saliency, decision_map(result, saliency))
            summary[f"{label}_explanation"] = {
                "explainer": args.explainer, "masks": saliency.masks_used, "seed": args.seed,
                "sampling": args.sampling if args.explainer == "fv-rise" else "random",
                "precision": saliency.precision, "precision_detail": saliency.precision_detail,
                "precision_check": saliency.precision_check, "early_stop": args.early_stop,
                "reference_score": saliency.reference_score, "mean_masked_score": saliency.mean_masked_score,
                "map_shown": "similarity" if result.same_person else "dissimilarity"}
    def save_pictures(out: Path) -> None:
        crops = {"probe": result.probe_crop, "gallery": result.gallery_crop}
        for label, crop in crops.items():
            Image.fromarray(crop).save(out / f"{label}_crop.png")
            if label in maps:
                saliency, shown = maps[label]
                Image.fromarray(overlay(crop, shown)).save(out / f"{label}_{summary[label + '_explanation']['map_shown']}.png")
                if saliency is not None:
                    Image.fromarray(colorize(saliency.similarity)).save(out / f"{label}_similarity_map.png")
                    Image.fromarray(colorize(saliency.dissimilarity)).save(out / f"{label}_dissimilarity_map.png")

    # a user model that has no threshold until it is calibrated: null, not NaN (invalid JSON), and no decision
    if write_outputs(strict_json(summary), args.out, args.json, save_pictures, json_name="verification.json"):
        return 0
    relation = ">=" if result.metric == "cosine" else "<="
    if not math.isfinite(result.threshold):
        print(f"{result.model}: {result.metric} {result.native_score:.4f} → no decision: the model has no threshold "
              f"until it is calibrated (python -m xai calibrate verify --data DIR --model {result.model} --fmr 0.01); "
              f"cosine {result.cosine:.4f}")
    else:
        verdict = "SAME person" if result.same_person else "DIFFERENT people"
        print(f"{result.model}: {result.metric} {result.native_score:.4f} (threshold {relation} "
              f"{result.threshold:.4g}) → {verdict}; cosine {result.cosine:.4f}")
    if result.calibration is not None:
        print(f"threshold: {result.calibration.text}")
    for label in ("probe", "gallery"):
        if f"{label}_regions" in summary:
            parts = ", ".join(f"{k} {v['delta_hidden']:+.3f}" for k, v in summary[f"{label}_regions"].items())
            print(f"{label}: Δ similarity when each part is hidden: {parts}")
    if "calibrated" in summary:
        c = summary["calibrated"]
        print(f"calibrated: FMR {c['fmr']:.1%} of {c['impostor_pairs']} impostor pairs, FNMR {c['fnmr']:.1%} of "
              f"{c['genuine_pairs']} genuine pairs at this score (reference: {c['source']})")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    from models.registry import DEFAULT_VERIFIER, verification_embedders
    from xai.verify.pipeline import DEFAULT_MASKS, DEFAULT_PRECISION, DEFAULT_SAMPLING

    parser = sub.add_parser("verify", help="verify a probe/gallery pair and explain it (seed 001)")
    parser.add_argument("probe")
    parser.add_argument("gallery")
    parser.add_argument("--model", default=DEFAULT_VERIFIER, choices=verification_embedders(),
                        help="embedder (default %(default)s: the shipped one that measured best, see its card)")
    parser.add_argument("--explainer", default="fv-rise", choices=["fv-rise", "corr-rise", "cam", "regions", "none"])
    parser.add_argument("--cam", default="grad-cam", help="CAM method for --explainer cam (grad-cam, grad-cam++, …)")
    parser.add_argument("--masks", type=int, default=None,
                        help=f"number of masks (default: fv-rise {DEFAULT_MASKS['fv-rise']}, "
                             f"corr-rise {DEFAULT_MASKS['corr-rise']}; fewer for a slow model such as "
                             "dlib-resnet, so that a map takes under half a minute)")
    parser.add_argument("--sampling", default=DEFAULT_SAMPLING, choices=["sobol", "random"],
                        help="FV-RISE mask sampling (default %(default)s)")
    parser.add_argument("--precision", default=DEFAULT_PRECISION, choices=["auto", "fp32", "bf16"],
                        help="scoring precision; auto = bf16 only on a bf16 CPU and when maps agree (r >= 0.999)")
    parser.add_argument("--early-stop", action="store_true", help="stop when successive maps stop changing")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--out", help="folder for crops, map overlays and verification.json")
    parser.set_defaults(func=_cmd_verify)


def _cmd_calibrate(args: argparse.Namespace) -> int:
    from pathlib import Path

    from xai.verify.calibration import (
        CalibrationError,
        build_reference,
        check_target,
        identities_from_folder,
        sample_identities,
        summarize,
    )
    from xai.verify.calibration_plots import write_figures

    try:
        targets = [check_target(t) for t in args.fmr or []]
        if args.data:
            identities, skipped = identities_from_folder(Path(args.data))
            source = f"labelled folder {args.data} (user calibration)"
        else:
            identities, skipped = sample_identities(), []
            source = "the sample portraits fetched at set-up (assets/samples): far too few pairs for real use"
        models = args.model or _embedders()
        for model in models:
            reference = build_reference(model, identities, source, targets=targets, skipped=skipped)
            if args.out:  # a report folder: the stored calibration (used by decisions) is left as it is
                folder = Path(args.out) if len(models) == 1 else Path(args.out) / model
                written = [reference.save(folder / "calibration.json"),
                           *write_figures(reference, folder, _own_threshold(model))]
            else:
                written = [reference.save()]
            print(f"{model}: {len(reference.genuine)} genuine and {len(reference.impostor)} impostor scores "
                  f"from {reference.images} photos of {reference.identities} identities → "
                  f"{', '.join(map(str, written))}")
            _print_summary(summarize(reference))
    except (CalibrationError, ValueError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if skipped:
        print(f"skipped (unreadable or no face): {', '.join(skipped)}")
    return 0


def _own_threshold(model: str) -> float:
    from models.registry import load_model

    return float(load_model(model).threshold)  # NaN for a user model whose spec says "calibrate"


def _print_summary(summary: CalibrationSummary) -> None:
    from xai.verify.calibration import summary_rows

    relation = "≤" if summary.metric == "euclidean" else "≥"
    print(f"  EER {summary.eer:.2%} at {summary.metric} {relation} {summary.eer_threshold:.4f}; the "
          f"{summary.impostor_pairs} impostor pairs resolve FMR ≥ {summary.resolvable_fmr:.2%} (95 %, rule of three)")
    rows = summary_rows(summary)
    if not rows:
        print("  no target FMR asked (--fmr 0.01): decisions keep the model's own threshold")
        return
    widths = {k: max(len(k), *(len(r[k]) for r in rows)) for k in rows[0]}
    print("  " + " | ".join(k.ljust(w) for k, w in widths.items()))
    for row in rows:
        print("  " + " | ".join(row[k].ljust(w) for k, w in widths.items()))
    point = summary.operating
    print(f"  decisions use: {relation} {point.threshold:.4f} (target FMR {point.target_fmr:.2%})" if point else
          "  no target is supported by these pairs: decisions keep the model's own threshold")


def _embedders() -> list[str]:
    from models.registry import verification_embedders

    return verification_embedders()


def register_calibrate(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("calibrate", help="calibrate a verifier on labelled photos: thresholds at target FMRs "
                                              "with confidence intervals, EER, DET curve")
    parser.add_argument("what", choices=["verify"])
    parser.add_argument("--data", help="labelled folder DIR/<identity>/<photo>; default: the sample portraits")
    parser.add_argument("--model", action="append", choices=_embedders(),
                        help="embedder (repeatable; default: every verification embedder)")
    parser.add_argument("--fmr", action="append", type=float, metavar="RATE",
                        help="target false-match rate, e.g. 0.01 (repeatable); the first one the impostor pairs "
                             "can resolve sets the decision threshold")
    parser.add_argument("--out", help="report folder for calibration.json, det.html and histograms.html (one "
                                      "sub-folder per model when there are several); the stored calibration is "
                                      "left unchanged. Default: store it (shipped models: models/calibration/"
                                      "<model>.json; user models: their folder in the user model store)")
    parser.set_defaults(func=_cmd_calibrate)
