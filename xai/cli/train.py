"""``python -m xai train spoof-regions|idcard``: train the models we ship and (re)write their cards.

* ``train spoof-regions``: the seed-000 region models on attacks simulated from the bona fide pool (``--pool``),
  from the sample portraits (``--synthetic N``) or on real data (``--data``); fp16 safetensors whose metadata holds
  the operating threshold set on the validation split at ``--target-bpcer``.
* ``train idcard``: the seed-003 variants on synthetic cards.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

DEFAULT_TRAIN, DEFAULT_VAL, DEFAULT_HELDOUT = 160, 40, 64
"""Synthetic ID cards: training, validation and held-out split sizes (``train idcard``, ``evaluate idcard``)."""


def _cmd_train(args: argparse.Namespace) -> int:
    if args.what == "idcard":
        return _cmd_train_idcard(args)
    from xai.spoof.train import (
        TrainConfig,
        evaluate_shipped,
        folder_datasets,
        heldout_dataset,
        heldout_size,
        pool_datasets,
        synthetic_datasets,
        train_spoof_regions,
        write_card,
    )

    out = Path(args.out)
    try:
        if args.card_only:
            summary = json.loads((out / "metrics.json").read_text())
            if summary["data"]["kind"] == "pool":
                test = None
            else:
                test = heldout_dataset(heldout_size(summary["data"]["n_requested"]))
        else:
            config = TrainConfig(epochs=args.epochs, batch_size=args.batch_size, learning_rate=args.lr,
                                 seed=args.seed, threads=args.threads, target_bpcer=args.target_bpcer,
                                 init=args.init)
            if args.data:
                data, info = folder_datasets(Path(args.data), args.seed)
            elif args.pool:
                started = time.perf_counter()
                data, info = pool_datasets(args.renderings, args.val_renderings, args.seed, args.attacks_per_photo)
                info["data_seconds"] = time.perf_counter() - started
            else:
                data, info = synthetic_datasets(args.synthetic, args.seed)
            command = "python -m xai " + " ".join(sys.argv[1:])
            summary = train_spoof_regions(data, info, out, config, regions=args.regions, command=command)
            test = data["test"]
    except (ValueError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if summary["data"]["kind"] == "pool":
        return _pool_card(summary, out, args)
    shipped = evaluate_shipped(test, regions=list(summary["regions"])) if out.resolve() == _shipped_dir() else None
    if shipped:
        _save_heldout(summary, out, shipped)
        for region, m in shipped.items():
            print(f"[{region}] held-out with the saved fp16 weights: accuracy {m['accuracy']:.3f}, "
                  f"HTER {m['report']['hter']:.3f}, EER {m['eer']:.3f}")
    _write_card_if_asked(args.card, write_card, summary, shipped)
    return 0


def _pool_card(summary: dict, out: Path, args: argparse.Namespace) -> int:
    """Measure the saved weights on the held-out pool identities (:mod:`xai.spoof.heldout`) and write the card."""
    from xai.spoof.heldout import measure_heldout
    from xai.spoof.train import write_pool_card

    if out.resolve() != _shipped_dir():
        print("weights saved outside models/weights/spoof_regions: the held-out measurement and card need the "
              "shipped folder", file=sys.stderr)
        return 0
    names = [f"resnet18-cbam-{r}" for r in summary["regions"]]
    measured = measure_heldout(names, summary["data"]["attacks_per_photo"], progress=print)
    _save_heldout(summary, out, measured)
    for name, m in measured.items():
        print(f"[{name}] held-out (fp16, calibrated): BPCER {m['bpcer'][0]}/{m['bpcer'][1]}, "
              f"APCER {m['apcer'][0]}/{m['apcer'][1]}, HTER {m['hter']:.3f}")
    _write_card_if_asked(args.card, write_pool_card, summary, measured)
    return 0


def _save_heldout(summary: dict, out: Path, measured: dict[str, dict]) -> None:
    """Record the held-out measurement of the saved weights in ``summary`` and rewrite ``out/metrics.json``."""
    summary["shipped_fp16_heldout"] = measured
    (out / "metrics.json").write_text(json.dumps(summary, indent=2) + "\n")


def _write_card_if_asked(card: str | None, write: Callable[[dict, Path, dict | None], None], summary: dict,
                         measured: dict[str, dict] | None) -> None:
    """When ``--card`` names a file, (re)write it with ``write`` (a card writer of :mod:`xai.spoof.train`)."""
    if card:
        write(summary, Path(card), measured)
        print(f"card written to {card}")


def _shipped_dir():
    from models.zoo.spoof_regions import WEIGHTS_DIR

    return WEIGHTS_DIR.resolve()


def register(sub: argparse._SubParsersAction) -> None:
    from models.zoo.spoof_regions import WEIGHTS_DIR
    from xai.core.regions import REGIONS

    parser = sub.add_parser("train", help="train the models we ship (spoof-regions)")
    parser.add_argument("what", choices=["spoof-regions", "idcard"])
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--synthetic", type=int, default=1200, help="number of simulated train+val samples")
    source.add_argument("--data", help="real data: DIR/bona_fide/* and DIR/attack/* (images or videos)")
    source.add_argument("--pool", action="store_true",
                        help="the bona fide pool (assets/pool): attacks rendered from its train/val identities, "
                             "measured on its held-out identities")
    parser.add_argument("--renderings", type=int, default=15, help="--pool: renderings per train photo")
    parser.add_argument("--val-renderings", type=int, default=4, help="--pool: renderings per validation photo")
    parser.add_argument("--attacks-per-photo", type=int, default=3, help="--pool: held-out attacks per photo")
    parser.add_argument("--target-bpcer", type=float, default=0.05,
                        help="operating threshold: the validation BPCER it is set at")
    parser.add_argument("--init", default=None, help="start from the region weights in this folder")
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
    _add_idcard_options(parser)
    parser.set_defaults(func=_cmd_train)


# ---------------------------------------------------------------------------------------------- train idcard


def _add_idcard_options(parser: argparse.ArgumentParser) -> None:
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


def _cmd_train_idcard(args: argparse.Namespace) -> int:
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
