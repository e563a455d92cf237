"""Command line of the ID-card recapture detector (seed 003).

* ``python -m xai idcard IMAGE [--centroid X,Y] [--json] [--out DIR]``: predict and explain one photo.
* ``python -m xai train idcard …``: train the shipped variants on synthetic cards and (re)write their card.
* ``python -m xai evaluate idcard …``: Tables 1–2 of the shipped weights on the held-out synthetic split, or
  on DLC-2021 with ``--dlc ROOT``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

DEFAULT_TRAIN, DEFAULT_VAL, DEFAULT_HELDOUT = 160, 40, 64


# ---------------------------------------------------------------------------------------------- idcard IMAGE


def _cmd_idcard(args: argparse.Namespace) -> int:
    from PIL import Image

    from models.base import ModelUnavailableError
    from xai.cli_output import write_outputs
    from xai.idcard.crops import parse_centroid
    from xai.idcard.explain import explain_idcard, explanation_to_dict, panel_png
    from xai.images import read_image_file

    try:
        image = read_image_file(args.image)
        centroid = parse_centroid(args.centroid) if args.centroid else None
        result = explain_idcard(image, centroid=centroid, model=args.model, radius=args.radius)
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
    print(f"most attended RGB cell {a['query_cell']} attends most to FFT cell {a['top_key_cell']}")
    return 0


def add_idcard(sub: argparse._SubParsersAction) -> None:
    from xai.idcard.fft import DEFAULT_RADIUS

    parser = sub.add_parser("idcard", help="ID-card screen-recapture detection and explanations (seed 003)")
    parser.add_argument("image", help="a photo of an ID card")
    parser.add_argument("--centroid", help="card centroid 'X,Y' in pixels (default: automatic localisation)")
    parser.add_argument("--model", default="idcard-vgg16-fft", help="registered ID-card model")
    parser.add_argument("--radius", type=float, default=DEFAULT_RADIUS, help="FFT high-pass radius r")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.add_argument("--out", help="folder for the crops, panel.png and explanation.json")
    parser.set_defaults(func=_cmd_idcard)


# ---------------------------------------------------------------------------------------------- train idcard


def add_train_options(parser: argparse.ArgumentParser) -> None:
    """Options of ``train idcard`` (``--batch-size``, ``--lr``, ``--seed``, ``--threads``, ``--card`` are shared)."""
    from models.idcard import VARIANTS

    group = parser.add_argument_group("idcard")
    group.add_argument("--variant", nargs="+", default=list(VARIANTS), choices=list(VARIANTS),
                       help="idcard: variants to train (default: all)")
    group.add_argument("--cards", type=int, default=DEFAULT_TRAIN, help="idcard: synthetic training cards")
    group.add_argument("--val-cards", type=int, default=DEFAULT_VAL, help="idcard: synthetic validation cards")
    group.add_argument("--heldout-cards", type=int, default=DEFAULT_HELDOUT, help="idcard: held-out test cards")
    group.add_argument("--max-epochs", type=int, default=10, help="idcard: epoch cap (the seed's: 10)")
    group.add_argument("--patience", type=int, default=3)
    group.add_argument("--min-delta", type=float, default=1e-4)
    group.add_argument("--radius", type=float, default=8.0, help="idcard: FFT high-pass radius r")
    group.add_argument("--weights-dir", default=None, help="idcard: where the fp16 safetensors go")


def cmd_train_idcard(args: argparse.Namespace) -> int:
    from models.fp16_weights import save_fp16
    from models.zoo.idcard_recapture import WEIGHTS_DIR
    from xai.idcard.data import synthetic_cropset
    from xai.idcard.synth import TRAIN_SEED, VAL_SEED
    from xai.idcard.train import TrainConfig, train_model, write_summary

    out = Path(args.weights_dir) if args.weights_dir else WEIGHTS_DIR
    command = "python -m xai " + " ".join(sys.argv[1:])
    if not args.card_only:
        try:
            train = synthetic_cropset(TRAIN_SEED, args.cards, progress=print)
            val = synthetic_cropset(VAL_SEED, args.val_cards, progress=print)
            for variant in args.variant:
                config = TrainConfig(variant=variant, max_epochs=args.max_epochs, patience=args.patience,
                                     min_delta=args.min_delta, batch_size=args.batch_size, learning_rate=args.lr,
                                     radius=args.radius, seed=args.seed, threads=args.threads)
                net, summary = train_model(train, val, config)
                summary["command"] = command
                summary["data"] = {"kind": "synthetic", "train_seed": TRAIN_SEED, "val_seed": VAL_SEED,
                                   "train_counts": train.counts, "val_counts": val.counts}
                save_fp16(net, out / f"{variant}.safetensors")
                write_summary(summary, out / f"{variant}.json")
                print(f"[{variant}] saved {out / f'{variant}.safetensors'}")
        except ValueError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
    if args.card:
        from xai.idcard.card import write_card

        table = write_card(Path(args.card), out, args.heldout_cards, args.radius)
        print(table)
        print(f"card written to {args.card}")
    return 0


# ---------------------------------------------------------------------------------------------- evaluate idcard


def add_evaluate_options(parser: argparse.ArgumentParser) -> None:
    """Options of ``evaluate idcard``."""
    from models.idcard import VARIANTS

    group = parser.add_argument_group("idcard")
    group.add_argument("--variant", nargs="+", default=list(VARIANTS), choices=list(VARIANTS),
                       help="idcard: shipped variants to evaluate (default: all that are shipped)")
    group.add_argument("--dlc", help="idcard: DLC-2021 root with screen_positive_test.lst / screen_negative_test.lst")
    group.add_argument("--heldout-cards", type=int, default=DEFAULT_HELDOUT,
                       help="idcard: size of the held-out synthetic split")
    group.add_argument("--limit", type=int, default=None, help="idcard: evaluate only the first N list entries")
    group.add_argument("--json", action="store_true", help="idcard: machine-readable output")


def cmd_evaluate_idcard(args: argparse.Namespace) -> int:
    from models.base import ModelUnavailableError
    from models.registry import load_model
    from xai.idcard.data import synthetic_cropset
    from xai.idcard.dlc2021 import DlcError, dlc_cropset
    from xai.idcard.evaluate import evaluate_model, format_table
    from xai.idcard.synth import HELD_OUT_SEED

    try:
        if args.dlc:
            data = dlc_cropset(Path(args.dlc), limit=args.limit, progress=lambda m: print(m, file=sys.stderr))
            source = f"DLC-2021 test lists in {args.dlc}"
        else:
            data = synthetic_cropset(HELD_OUT_SEED, args.heldout_cards)
            source = f"held-out synthetic split (seed {HELD_OUT_SEED}, {args.heldout_cards} cards)"
        rows, missing = [], []
        for variant in args.variant:
            try:
                model = load_model(f"idcard-{variant}")
            except ModelUnavailableError as exc:
                missing.append(f"{variant}: {exc}")
                continue
            rows.append(evaluate_model(model.net, data))
    except (ValueError, DlcError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps({"source": source, "models": [m.as_dict() for m in rows], "missing": missing}, indent=2))
        return 0
    print(f"{source}: {data.counts['spoof']} spoof (positive), {data.counts['genuine']} genuine")
    print(format_table(rows))
    for m in missing:
        print(f"not available: {m}")
    return 0
