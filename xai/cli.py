"""Command line of the studio. Each sub-command is a function registered in :data:`COMMANDS`.

Later sub-commands (``spoof``, ``verify``, ``gates``, ``idcard``, ``evaluate``, ``report``, ``train``) add one
``add_*`` function here and one line in :data:`COMMANDS`.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Callable

from xai.cli_gates import add_gates
from xai.cli_idcard import add_evaluate_options, add_idcard, add_train_options, cmd_evaluate_idcard, cmd_train_idcard
from xai.cli_report import add_evaluate_score_options, add_explain, add_report, cmd_evaluate_scores

os.environ.setdefault("GLOG_minloglevel", "2")  # keep MediaPipe's C++ logging off the terminal
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def _cmd_models(args: argparse.Namespace) -> int:
    from models.registry import all_status

    statuses = all_status()
    if args.json:
        print(json.dumps([s.as_dict() for s in statuses], indent=2))
    else:
        width = max(len(s.name) for s in statuses)
        for s in statuses:
            state = "loaded" if s.loaded else ("optional, not enabled" if s.optional else "MISSING")
            print(f"{s.name:<{width}}  {s.role:<9}  {state:<21}  {s.summary}")
            if not s.loaded:
                print(f"{'':<{width}}  fix: {s.message}")
    required_missing = [s.name for s in statuses if not s.loaded and not s.optional]
    return 1 if required_missing else 0


def add_models(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("models", help="list every registered model: loaded, or missing with the fix")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.set_defaults(func=_cmd_models)


def _cmd_spoof(args: argparse.Namespace) -> int:
    from pathlib import Path

    from PIL import Image

    from xai.cli_output import write_outputs
    from xai.faces import FaceError
    from xai.images import read_image_file
    from xai.render import overlay, spoof_panel_png
    from xai.spoof_explain import explain_spoof, explanation_to_dict

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
    return 0


def add_spoof(sub: argparse._SubParsersAction) -> None:
    from xai.cam import CAM_METHODS
    from xai.faithfulness import DEFAULT_CURVE_STEPS, DEFAULT_MASK_TOP_PERCENT
    from xai.spoof_explain import SPOOF_FAMILIES

    parser = sub.add_parser("spoof", help="region-wise explainable face anti-spoofing of one image (seed 000)")
    parser.add_argument("image", help="a photo with one face")
    parser.add_argument("--model", default="resnet18-cbam-regions", choices=list(SPOOF_FAMILIES))
    parser.add_argument("--cam", default="grad-cam", choices=list(CAM_METHODS))
    parser.add_argument("--layer", default=None, help="CAM target layer (default: the model's; e.g. layer4.1)")
    parser.add_argument("--mask-top", type=float, default=DEFAULT_MASK_TOP_PERCENT,
                        help="percentage of most-activated pixels set to zero (default %(default)s)")
    parser.add_argument("--steps", type=int, default=DEFAULT_CURVE_STEPS, help="deletion/insertion curve steps")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.add_argument("--out", help="folder for crops, heatmap overlays, masked inputs, panel.png, explanation.json")
    parser.set_defaults(func=_cmd_spoof)


def _cmd_verify(args: argparse.Namespace) -> int:
    from pathlib import Path

    from PIL import Image
    from tqdm import tqdm

    from xai.calibration import ScoreReference, calibrated_confidence
    from xai.faces import FaceError
    from xai.images import read_image_file
    from xai.render import colorize, overlay
    from xai.verify import DEFAULT_MASKS, decision_map, explain_pair, verify_pair

    try:
        probe, gallery = read_image_file(args.probe), read_image_file(args.gallery)
        result = verify_pair(probe, gallery, model=args.model)
    except (ValueError, FaceError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    summary = {"model": result.model, "metric": result.metric, "native_score": result.native_score,
               "threshold": result.threshold, "cosine": result.cosine, "same_person": result.same_person,
               "faces_found": list(result.faces_found)}
    reference = ScoreReference.load(result.model)
    if reference is not None:
        confidence = calibrated_confidence(reference, result.native_score)
        summary["calibrated"] = {"fmr": confidence.fmr, "fnmr": confidence.fnmr, "source": reference.source,
                                 "genuine_pairs": confidence.genuine_pairs,
                                 "impostor_pairs": confidence.impostor_pairs}
    maps = {}
    if args.explainer == "regions":
        from xai.verify import explain_regions

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
        from xai.verify import map_faithfulness, similarity_cam

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
            masks = args.masks or DEFAULT_MASKS[args.explainer]
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
    if args.out:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        crops = {"probe": result.probe_crop, "gallery": result.gallery_crop}
        for label, crop in crops.items():
            Image.fromarray(crop).save(out / f"{label}_crop.png")
            if label in maps:
                saliency, shown = maps[label]
                Image.fromarray(overlay(crop, shown)).save(out / f"{label}_{summary[label + '_explanation']['map_shown']}.png")
                if saliency is not None:
                    Image.fromarray(colorize(saliency.similarity)).save(out / f"{label}_similarity_map.png")
                    Image.fromarray(colorize(saliency.dissimilarity)).save(out / f"{label}_dissimilarity_map.png")
        (out / "verification.json").write_text(json.dumps(summary, indent=2) + "\n")
    if args.json:
        print(json.dumps(summary, indent=2))
        return 0
    relation = ">=" if result.metric == "cosine" else "<="
    verdict = "SAME person" if result.same_person else "DIFFERENT people"
    print(f"{result.model}: {result.metric} {result.native_score:.4f} (threshold {relation} {result.threshold}) "
          f"→ {verdict}; cosine {result.cosine:.4f}")
    for label in ("probe", "gallery"):
        if f"{label}_regions" in summary:
            parts = ", ".join(f"{k} {v['delta_hidden']:+.3f}" for k, v in summary[f"{label}_regions"].items())
            print(f"{label}: Δ similarity when each part is hidden: {parts}")
    if "calibrated" in summary:
        c = summary["calibrated"]
        print(f"calibrated: FMR {c['fmr']:.1%} of {c['impostor_pairs']} impostor pairs, FNMR {c['fnmr']:.1%} of "
              f"{c['genuine_pairs']} genuine pairs at this score (reference: {c['source']})")
    return 0


def add_verify(sub: argparse._SubParsersAction) -> None:
    from models.registry import verification_embedders
    from xai.verify import DEFAULT_MASKS, DEFAULT_PRECISION, DEFAULT_SAMPLING

    parser = sub.add_parser("verify", help="verify a probe/gallery pair and explain it (seed 001)")
    parser.add_argument("probe")
    parser.add_argument("gallery")
    parser.add_argument("--model", default="faceres", choices=verification_embedders())
    parser.add_argument("--explainer", default="fv-rise", choices=["fv-rise", "corr-rise", "cam", "regions", "none"])
    parser.add_argument("--cam", default="grad-cam", help="CAM method for --explainer cam (grad-cam, grad-cam++, …)")
    parser.add_argument("--masks", type=int, default=None,
                        help=f"number of masks (default: fv-rise {DEFAULT_MASKS['fv-rise']}, "
                             f"corr-rise {DEFAULT_MASKS['corr-rise']})")
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

    from xai.calibration import build_reference, identities_from_folder, sample_identities

    try:
        if args.data:
            identities, skipped = identities_from_folder(Path(args.data))
            source = f"labelled folder {args.data} (user calibration)"
        else:
            identities, skipped = sample_identities(), []
            source = "the sample portraits fetched at set-up (assets/samples): far too few pairs for real use"
        for model in args.model or verification_embedders_list():
            reference = build_reference(model, identities, source)
            path = reference.save(Path(args.out)) if args.out else reference.save()
            print(f"{model}: {len(reference.genuine)} genuine and {len(reference.impostor)} impostor scores "
                  f"from {reference.images} photos of {reference.identities} identities → {path}")
    except (ValueError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if skipped:
        print(f"skipped (unreadable or no face): {', '.join(skipped)}")
    return 0


def verification_embedders_list() -> list[str]:
    from models.registry import verification_embedders

    return verification_embedders()


def add_calibrate(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("calibrate", help="reference genuine/impostor scores for calibrated confidence")
    parser.add_argument("what", choices=["verify"])
    parser.add_argument("--data", help="labelled folder DIR/<identity>/<photo>; default: the sample portraits")
    parser.add_argument("--model", action="append", choices=verification_embedders_list(),
                        help="embedder (repeatable; default: every verification embedder)")
    parser.add_argument("--out", help="folder for <model>.json (default: models/calibration)")
    parser.set_defaults(func=_cmd_calibrate)


def _cmd_evaluate(args: argparse.Namespace) -> int:
    if args.what in ("spoof", "verify") or (args.what == "idcard" and args.data):
        return cmd_evaluate_scores(args)
    if args.what == "idcard":
        return cmd_evaluate_idcard(args)
    if not args.pairs:
        print("error: evaluate esb needs --pairs CSV", file=sys.stderr)
        return 2
    import csv

    from tqdm import tqdm

    from xai.esb import evaluate_esb

    try:
        with tqdm(desc="pairs", file=sys.stderr) as bar:
            def advance(done, total):
                bar.total = total
                bar.update(done - bar.n)

            cells, pairs = evaluate_esb(args.pairs, model=args.model, progress=advance)
    except (ValueError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"{'estimator':<20}{'group':<14}{'gender acc %':>13}{'n':>5}{'age MAE':>9}{'n':>5}")
    for c in cells:
        print(f"{c.estimator:<20}{c.group:<14}{c.gender_accuracy:>13.2f}{c.gender_n:>5}{c.age_mae:>9.2f}{c.age_n:>5}")
    failed = [p for p in pairs if "error" in p]
    if failed:
        print(f"{len(failed)} pair(s) skipped: " + "; ".join(f"{p['probe']} / {p['gallery']}: {p['error']}"
                                                           for p in failed))
    if args.out:
        with open(args.out, "w", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(cells[0].__slots__) if cells else ["estimator"])
            writer.writeheader()
            for c in cells:
                writer.writerow({k: getattr(c, k) for k in c.__slots__})
        print(f"table written to {args.out}")
    return 0


def add_evaluate(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("evaluate", help="global analyses over a protocol (esb: seed 001 Table I)")
    parser.add_argument("what", choices=["esb", "idcard", "spoof", "verify"])
    parser.add_argument("--pairs", help="CSV: probe, gallery, same [, probe_age, probe_gender, …]")
    parser.add_argument("--model", default="faceres", choices=verification_embedders_list())
    parser.add_argument("--out", help="write the table as CSV")
    add_evaluate_options(parser)
    add_evaluate_score_options(parser)
    parser.set_defaults(func=_cmd_evaluate)


def _cmd_train(args: argparse.Namespace) -> int:
    from pathlib import Path

    if args.what == "idcard":
        return cmd_train_idcard(args)
    from xai.train_spoof import (
        TrainConfig,
        evaluate_shipped,
        folder_datasets,
        heldout_dataset,
        heldout_size,
        synthetic_datasets,
        train_spoof_regions,
        write_card,
    )

    out = Path(args.out)
    try:
        if args.card_only:
            summary = json.loads((out / "metrics.json").read_text())
            test = heldout_dataset(heldout_size(summary["data"]["n_requested"]))
        else:
            config = TrainConfig(epochs=args.epochs, batch_size=args.batch_size, learning_rate=args.lr,
                                 seed=args.seed, threads=args.threads)
            if args.data:
                data, info = folder_datasets(Path(args.data), args.seed)
            else:
                data, info = synthetic_datasets(args.synthetic, args.seed)
            command = "python -m xai " + " ".join(sys.argv[1:])
            summary = train_spoof_regions(data, info, out, config, regions=args.regions, command=command)
            test = data["test"]
    except (ValueError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    shipped = evaluate_shipped(test, regions=list(summary["regions"])) if out.resolve() == _shipped_dir() else None
    if shipped:
        summary["shipped_fp16_heldout"] = shipped
        (out / "metrics.json").write_text(json.dumps(summary, indent=2) + "\n")
        for region, m in shipped.items():
            print(f"[{region}] held-out with the saved fp16 weights: accuracy {m['accuracy']:.3f}, "
                  f"HTER {m['report']['hter']:.3f}, EER {m['eer']:.3f}")
    if args.card:
        write_card(summary, Path(args.card), shipped)
        print(f"card written to {args.card}")
    return 0


def _shipped_dir():
    from models.zoo.spoof_regions import WEIGHTS_DIR

    return WEIGHTS_DIR.resolve()


def add_train(sub: argparse._SubParsersAction) -> None:
    from models.zoo.spoof_regions import WEIGHTS_DIR
    from xai.face_pipeline import REGIONS

    parser = sub.add_parser("train", help="train the models we ship (spoof-regions)")
    parser.add_argument("what", choices=["spoof-regions", "idcard"])
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--synthetic", type=int, default=1200, help="number of simulated train+val samples")
    source.add_argument("--data", help="real data: DIR/bona_fide/* and DIR/attack/* (images or videos)")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--lr", type=float, default=1e-4)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    parser.add_argument("--regions", nargs="+", default=list(REGIONS), choices=list(REGIONS))
    parser.add_argument("--out", default=str(WEIGHTS_DIR), help="where the fp16 safetensors go")
    parser.add_argument("--card", default=None, help="also (re)write this model card from the measured metrics")
    parser.add_argument("--card-only", action="store_true",
                        help="do not train: evaluate the saved weights on the held-out split and rewrite --card")
    add_train_options(parser)
    parser.set_defaults(func=_cmd_train)


COMMANDS: tuple[Callable[[argparse._SubParsersAction], None], ...] = (add_models, add_spoof, add_verify, add_calibrate, add_evaluate, add_train, add_idcard, add_gates, add_report, add_explain)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m xai", description="Explainability studio for face biometrics")
    sub = parser.add_subparsers(dest="command", required=True)
    for add in COMMANDS:
        add(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    args = build_parser().parse_args(argv)
    return args.func(args)
