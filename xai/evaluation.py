"""Evaluation of a pipeline over a labelled set: every metric of the seeds, curves, per-threshold table, figures.

Label convention of :mod:`xai.metrics`: **1 = bona fide** (genuine presentation, same-person pair, genuine card),
**0 = attack** (presentation attack, impostor pair, screen recapture). Scores are *bona fide scores*: higher =
more likely bona fide, accepted when ``score >= threshold``. For verification the score is the similarity (a
distance is negated) and an "attack" is an impostor pair, so APCER is the verification FAR (impostors accepted)
and BPCER the FRR (genuine pairs rejected).

Pipelines (:func:`evaluate_spoof`, :func:`evaluate_verify`, :func:`evaluate_idcard`) turn a labelled folder
(``bona_fide/`` and ``attack/`` sub-folders) or a CSV (``image,label`` or ``probe,gallery,same``) into a
:class:`Evaluation`; items that cannot be scored (unreadable, no face) are kept with their error and left out of
the metrics. The plotly figures are plain functions; no Streamlit here.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import ArrayLike

from xai.metrics import (
    GENUINE,
    SPOOF,
    ClassificationReport,
    ConfusionCounts,
    bpcer_at_apcer,
    classification_report,
    confusion_counts,
    det_curve,
    eer,
    roc_points,
)

ProgressFn = Callable[[int, int, str], None]
"""progress(done, total, item name)."""

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp", ".bmp")
BONA_FIDE_DIRS = ("bona_fide", "bonafide", "bona-fide", "genuine", "real", "live")
ATTACK_DIRS = ("attack", "attacks", "spoof", "fake", "recapture")
_TRUE = ("1", "true", "yes", "same", "bona_fide", "bonafide", "bona fide", "genuine", "real", "live")
_FALSE = ("0", "false", "no", "different", "attack", "spoof", "fake", "impostor", "recapture")
TASKS = ("spoof", "verify", "idcard")
#: class names per task: (label 0, label 1)
CLASS_NAMES = {"spoof": ("attack", "bona fide"), "verify": ("impostor pair", "genuine pair"),
               "idcard": ("recapture (attack)", "genuine card")}


# ------------------------------------------------------------------------------------------------- metrics


@dataclass(frozen=True, slots=True)
class MetricSummary:
    """Every metric of one score set at one operating threshold.

    Attributes:
        n, n_bona_fide, n_attack: sample counts.
        threshold: the operating threshold (accept as bona fide when ``score >= threshold``).
        counts: confusion counts at ``threshold`` with positive = attack (seed 000, eqs. 9–16).
        report: accuracy, error rate, precision, recall, F1, seed FAR/FRR/HTER, APCER, BPCER, ACER at ``threshold``.
        eer: equal error rate in [0, 1]; eer_threshold: the threshold there.
        apcer_target: the APCER of the BPCER@APCER operating point (e.g. 0.05).
        bpcer_at_apcer: the lowest BPCER whose APCER ≤ ``apcer_target``; bpcer_at_apcer_threshold: its threshold.
        far, frr, hter: verification meaning (impostors accepted, genuine rejected, mean) = APCER, BPCER, ACER.
    """

    n: int
    n_bona_fide: int
    n_attack: int
    threshold: float
    counts: ConfusionCounts
    report: ClassificationReport
    eer: float
    eer_threshold: float
    apcer_target: float
    bpcer_at_apcer: float
    bpcer_at_apcer_threshold: float

    @property
    def far(self) -> float:
        return self.report.apcer

    @property
    def frr(self) -> float:
        return self.report.bpcer

    @property
    def hter(self) -> float:
        return self.report.acer

    def as_dict(self) -> dict[str, float | int]:
        """Flat JSON-ready dict (NaN stays NaN)."""
        out: dict[str, float | int] = {"n": self.n, "n_bona_fide": self.n_bona_fide, "n_attack": self.n_attack,
                                       "threshold": self.threshold}
        out.update({f: getattr(self.counts, f) for f in ("tp", "tn", "fp", "fn")})
        out.update({f: getattr(self.report, f) for f in self.report.__slots__})
        out.update({"eer": self.eer, "eer_threshold": self.eer_threshold, "apcer_target": self.apcer_target,
                    "bpcer_at_apcer": self.bpcer_at_apcer, "bpcer_at_apcer_threshold": self.bpcer_at_apcer_threshold})
        return out


def summarize(y_true: ArrayLike, scores: ArrayLike, threshold: float, apcer_target: float = 0.05) -> MetricSummary:
    """All metrics of bona fide ``scores`` at ``threshold`` (see :class:`MetricSummary`).

    Args:
        y_true: (N,) labels, 0 = attack, 1 = bona fide; **both classes** are needed (EER and curves).
        scores: (N,) finite bona fide scores; ties are one operating point (``sklearn.metrics.roc_curve``).
        threshold: operating threshold, accept when ``score >= threshold``.
        apcer_target: APCER of the BPCER@APCER point, in [0, 1].

    Raises:
        ValueError: invalid labels or scores, different lengths, or a single class (the message says which).
    """
    y = np.asarray(y_true)
    s = np.asarray(scores, dtype=np.float64)
    e = eer(y, s)  # validates labels/scores and raises for a single class
    b = bpcer_at_apcer(y, s, apcer_target)
    predicted = (s >= float(threshold)).astype(np.int64)
    counts = confusion_counts(y, predicted, positive=SPOOF)
    return MetricSummary(int(y.size), int((y == GENUINE).sum()), int((y == SPOOF).sum()), float(threshold), counts,
                         classification_report(y, predicted), e.eer, e.threshold, float(apcer_target), b.bpcer,
                         b.threshold)


#: (name, key in MetricSummary.as_dict(), definition) rows of the metric table.
METRIC_ROWS: tuple[tuple[str, str, str], ...] = (
    ("Accuracy", "accuracy", "(TP + TN) / N (seed 000 eq. 9; positive = attack)"),
    ("Error rate", "error_rate", "(FP + FN) / N (eq. 10)"),
    ("Precision", "precision", "TP / (TP + FP): predicted attacks that are attacks (eq. 11)"),
    ("Recall", "recall", "TP / (TP + FN): attacks detected (eq. 12)"),
    ("F1", "f1", "2 P R / (P + R) (eq. 13)"),
    ("FAR (seed eq. 14)", "far", "FP / (FP + TN): bona fide rejected, as the seed prints it (= BPCER)"),
    ("FRR (seed eq. 15)", "frr", "FN / (FN + TP): attacks accepted, as the seed prints it (= APCER)"),
    ("HTER", "hter", "(FAR + FRR) / 2 (eq. 16, = ACER)"),
    ("APCER", "apcer", "attacks accepted as bona fide / attacks (ISO/IEC 30107-3)"),
    ("BPCER", "bpcer", "bona fide rejected as attacks / bona fide (ISO/IEC 30107-3)"),
    ("ACER", "acer", "(APCER + BPCER) / 2"),
    ("EER", "eer", "rate where APCER = BPCER, interpolated on the ROC"),
    ("BPCER@APCER", "bpcer_at_apcer", "lowest BPCER with APCER ≤ the target"),
)
VERIFY_ROWS: tuple[tuple[str, str, str], ...] = (
    ("FAR (verification)", "apcer", "impostor pairs accepted / impostor pairs (= FMR)"),
    ("FRR (verification)", "bpcer", "genuine pairs rejected / genuine pairs (= FNMR)"),
    ("HTER (verification)", "acer", "(FAR + FRR) / 2"),
)


def metric_rows(summary: MetricSummary, task: str = "spoof") -> list[dict]:
    """Rows ``{"metric", "value", "definition"}`` of every seed metric (plus verification FAR/FRR for verify)."""
    values = summary.as_dict()
    rows = [{"metric": name if key != "bpcer_at_apcer" else f"BPCER@APCER={summary.apcer_target:.0%}",
             "value": values[key], "definition": text} for name, key, text in METRIC_ROWS]
    if task == "verify":
        rows += [{"metric": name, "value": values[key], "definition": text} for name, key, text in VERIFY_ROWS]
    rows.append({"metric": "Threshold", "value": summary.threshold, "definition": "accept as bona fide when score ≥ it"})
    rows.append({"metric": "EER threshold", "value": summary.eer_threshold, "definition": "threshold at the EER"})
    return rows


def threshold_table(y_true: ArrayLike, scores: ArrayLike, max_rows: int = 200) -> list[dict]:
    """APCER, BPCER, ACER and accuracy at every distinct score (thresholds increasing), at most ``max_rows`` rows.

    Tied scores form one row; with more distinct scores than ``max_rows`` an evenly spaced subset is kept
    (always including the first and the last).

    Raises:
        ValueError: as :func:`xai.metrics.det_curve` (single class, invalid input).
    """
    thresholds, apcer, bpcer = det_curve(y_true, scores)
    y = np.asarray(y_true)
    n_attack, n_bona = int((y == SPOOF).sum()), int((y == GENUINE).sum())
    index = np.arange(thresholds.size)
    if thresholds.size > max_rows:
        index = np.unique(np.round(np.linspace(0, thresholds.size - 1, max_rows)).astype(int))
    rows = []
    for i in index:
        errors = apcer[i] * n_attack + bpcer[i] * n_bona
        rows.append({"threshold": float(thresholds[i]), "APCER": float(apcer[i]), "BPCER": float(bpcer[i]),
                     "ACER": float((apcer[i] + bpcer[i]) / 2), "accuracy": float(1 - errors / (n_attack + n_bona))})
    return rows


# ------------------------------------------------------------------------------------------------- data sets


@dataclass(frozen=True, slots=True)
class LabelledItem:
    """One item to score: ``paths`` (one image, or probe and gallery) and its label (1 bona fide, 0 attack).

    ``data`` holds the files' bytes when the item lives in memory (an uploaded ZIP, the demo set); ``paths`` are
    then only names.
    """

    name: str
    paths: tuple[Path, ...]
    label: int
    data: tuple[bytes, ...] = ()

    def images(self) -> list[np.ndarray]:
        """The (H, W, 3) uint8 RGB images, decoded with the size limits of :mod:`xai.images`."""
        from xai.images import decode_image, read_image_file

        if self.data:
            return [decode_image(d) for d in self.data]
        return [read_image_file(str(p)) for p in self.paths]


def _parse_label(value: str, where: str) -> int:
    text = str(value).strip().lower()
    if text in _TRUE:
        return GENUINE
    if text in _FALSE:
        return SPOOF
    raise ValueError(f"{where}: label {value!r} is neither bona fide (1, bona_fide, genuine, same) nor attack "
                     "(0, attack, spoof, impostor)")


def _images_in(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)


def labelled_folder(root: str | Path) -> list[LabelledItem]:
    """Items of a folder with ``bona_fide/`` and ``attack/`` sub-folders (also genuine/real/live, spoof/fake).

    Raises:
        ValueError: the folder or both class sub-folders are missing, or they hold no image.
    """
    root = Path(root)
    if not root.is_dir():
        raise ValueError(f"{root} is not a folder")
    items: list[LabelledItem] = []
    found = []
    for label, candidates in ((GENUINE, BONA_FIDE_DIRS), (SPOOF, ATTACK_DIRS)):
        for name in candidates:
            folder = root / name
            if folder.is_dir():
                found.append(name)
                items += [LabelledItem(str(p.relative_to(root)), (p,), label) for p in _images_in(folder)]
    if not found:
        raise ValueError(f"{root} has neither a bona_fide/ nor an attack/ sub-folder (labelled folder layout: "
                         "DIR/bona_fide/*.jpg and DIR/attack/*.jpg)")
    if not items:
        raise ValueError(f"{root}: no image ({', '.join(IMAGE_SUFFIXES)}) in {', '.join(found)}")
    return items


def _read_csv(path: Path, required: Sequence[str]) -> list[dict]:
    with open(path, newline="") as fh:
        rows = list(csv.DictReader(fh))
    if not rows:
        raise ValueError(f"{path} has no rows")
    missing = set(required) - set(rows[0])
    if missing:
        raise ValueError(f"{path} lacks the column(s) {sorted(missing)}; expected {', '.join(required)}")
    return rows


def image_csv(path: str | Path) -> list[LabelledItem]:
    """Items of a CSV with columns ``image,label`` (paths relative to the CSV's folder)."""
    path = Path(path)
    rows = _read_csv(path, ("image", "label"))
    return [LabelledItem(r["image"], (path.parent / r["image"],), _parse_label(r["label"], f"{path} row {i + 2}"))
            for i, r in enumerate(rows)]


def pairs_csv(path: str | Path) -> list[LabelledItem]:
    """Pairs of a CSV with columns ``probe,gallery,same`` (1 = same person; paths relative to the CSV)."""
    path = Path(path)
    rows = _read_csv(path, ("probe", "gallery", "same"))
    return [LabelledItem(f"{r['probe']} | {r['gallery']}", (path.parent / r["probe"], path.parent / r["gallery"]),
                         _parse_label(r["same"], f"{path} row {i + 2}")) for i, r in enumerate(rows)]


def zip_items(task: str, data: bytes) -> list[LabelledItem]:
    """Items of a ZIP file read in memory (nothing is extracted to disk): a CSV inside it (``image,label`` or
    ``probe,gallery,same``, paths relative to the CSV), else the labelled-folder layout (any folder named
    bona_fide/…, attack/… at any depth).

    Raises:
        ValueError: not a ZIP, or no usable layout.
    """
    import io
    import zipfile

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise ValueError("the upload is not a ZIP file") from exc
    with archive:
        members = {n: n for n in archive.namelist() if not n.endswith("/")}
        read = archive.read
        csvs = sorted(n for n in members if n.lower().endswith(".csv"))
        if csvs:
            base = str(Path(csvs[0]).parent)
            rows = list(csv.DictReader(io.StringIO(read(csvs[0]).decode("utf-8-sig"))))
            columns = ("probe", "gallery", "same") if task == "verify" else ("image", "label")
            if not rows or set(columns) - set(rows[0]):
                raise ValueError(f"{csvs[0]} in the ZIP needs the columns {', '.join(columns)}")

            def member(name: str) -> bytes:
                key = name if base in ("", ".") else f"{base}/{name}"
                if key not in members:
                    raise ValueError(f"{name} is listed in {csvs[0]} but not in the ZIP")
                return read(key)

            if task == "verify":
                return [LabelledItem(f"{r['probe']} | {r['gallery']}", (Path(r["probe"]), Path(r["gallery"])),
                                     _parse_label(r["same"], f"{csvs[0]} row {i + 2}"),
                                     (member(r["probe"]), member(r["gallery"]))) for i, r in enumerate(rows)]
            return [LabelledItem(r["image"], (Path(r["image"]),), _parse_label(r["label"], f"{csvs[0]} row {i + 2}"),
                                 (member(r["image"]),)) for i, r in enumerate(rows)]
        if task == "verify":
            raise ValueError("a verification ZIP needs a CSV with columns probe,gallery,same")
        items = []
        for name in sorted(members):
            if Path(name).suffix.lower() not in IMAGE_SUFFIXES:
                continue
            folders = [part.lower() for part in Path(name).parts[:-1]]
            label = next((GENUINE if f in BONA_FIDE_DIRS else SPOOF for f in reversed(folders)
                          if f in BONA_FIDE_DIRS or f in ATTACK_DIRS), None)
            if label is not None:
                items.append(LabelledItem(name, (Path(name),), label, (read(name),)))
    if not items:
        raise ValueError("the ZIP holds no image under a bona_fide/ or attack/ folder, and no CSV")
    return items


def _png(image: np.ndarray) -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="PNG")
    return buffer.getvalue()


def demo_items(task: str) -> list[LabelledItem]:
    """A small labelled set built in memory from the sample portraits (no real person's upload).

    spoof: every sample (bona fide) and one simulated print or replay attack of each (:mod:`xai.attack_sim`);
    verify: every pair of samples, same = same identity in ``assets/samples/index.json``; idcard: 4 genuine and 4
    screen-recaptured synthetic cards (:mod:`xai.idcard.synth`).
    """
    from itertools import combinations

    from xai.studio import SAMPLES_DIR, sample_index

    samples = sample_index()
    if task == "idcard":
        from xai.idcard.synth import render_sample

        items = []
        for i in range(8):
            sample = render_sample(1000 + i, i % 2)  # synth labels: 0 genuine, 1 spoof
            label = GENUINE if sample.label == 0 else SPOOF
            items.append(LabelledItem(f"card-{i}-{'genuine' if label else 'recapture'}.png",
                                      (Path(f"card-{i}.png"),), label, (_png(sample.image),)))
        return items
    if not samples:
        raise ValueError("the sample portraits are missing: run the set-up (bash scripts/studio.sh app)")
    if task == "verify":
        return [LabelledItem(f"{a['file']} | {b['file']}", (Path(a["file"]), Path(b["file"])),
                             GENUINE if a.get("identity") == b.get("identity") else SPOOF,
                             ((SAMPLES_DIR / a["file"]).read_bytes(), (SAMPLES_DIR / b["file"]).read_bytes()))
                for a, b in combinations(samples, 2)]
    from xai.attack_sim import prepare_source, simulate
    from xai.images import decode_image

    items = []
    for i, entry in enumerate(samples):
        data = (SAMPLES_DIR / entry["file"]).read_bytes()
        items.append(LabelledItem(f"bona_fide/{entry['file']}", (Path(entry["file"]),), GENUINE, (data,)))
        kind = ("print", "replay")[i % 2]
        attack = simulate(prepare_source(decode_image(data)), entry["file"], kind, i, 0.8).image
        items.append(LabelledItem(f"attack/{kind}-{Path(entry['file']).stem}.png", (Path(entry["file"]),), SPOOF,
                                  (_png(attack),)))
    return items


def load_items(task: str, source: str | Path) -> list[LabelledItem]:
    """Items of ``source`` for ``task``: a labelled folder or an image CSV (spoof, idcard), a pair CSV (verify)."""
    if task not in TASKS:
        raise ValueError(f"unknown task {task!r}; choose one of: {', '.join(TASKS)}")
    source = Path(source)
    if task == "verify":
        if source.is_dir():
            raise ValueError("verification needs a CSV with columns probe,gallery,same")
        return pairs_csv(source)
    return labelled_folder(source) if source.is_dir() else image_csv(source)


# ------------------------------------------------------------------------------------------------- pipelines


@dataclass(frozen=True, slots=True)
class ScoredItem:
    """One scored item: ``score`` is the bona fide score (None after an ``error``)."""

    name: str
    label: int
    score: float | None
    accepted: bool | None
    error: str | None = None


@dataclass(frozen=True, slots=True)
class Evaluation:
    """Scores of one pipeline over a labelled set and their metrics.

    Attributes:
        task: "spoof", "verify" or "idcard"; model: the model (family) scored.
        score_name: what the score is (e.g. "bona fide probability", "cosine similarity").
        items: every item in input order, failed ones with their error.
        summary: the metrics of the scored items; None when they do not hold both classes (see ``problem``).
        problem: why ``summary`` is None, else None.
    """

    task: str
    model: str
    score_name: str
    items: tuple[ScoredItem, ...]
    summary: MetricSummary | None
    problem: str | None = None

    @property
    def scored(self) -> list[ScoredItem]:
        return [i for i in self.items if i.score is not None]

    @property
    def failed(self) -> list[ScoredItem]:
        return [i for i in self.items if i.score is None]

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """(labels int64, scores float64) of the scored items."""
        scored = self.scored
        return (np.array([i.label for i in scored], np.int64), np.array([i.score for i in scored], np.float64))

    def rows(self) -> list[dict]:
        """One CSV/table row per item."""
        names = CLASS_NAMES[self.task]
        return [{"item": i.name, "label": names[i.label], "score": i.score,
                 "decision": None if i.accepted is None else names[int(i.accepted)], "error": i.error or ""}
                for i in self.items]


def score_items(task: str, model: str, items: Sequence[LabelledItem], score: Callable[[LabelledItem], float],
                threshold: float, score_name: str, apcer_target: float = 0.05,
                progress: ProgressFn | None = None) -> Evaluation:
    """Score every item with ``score`` (errors are caught per item: ValueError, FaceError) and summarise."""
    from xai.faces import FaceError

    if not items:
        raise ValueError("nothing to evaluate: no item")
    out = []
    for index, item in enumerate(items):
        if progress:
            progress(index, len(items), item.name)
        try:
            value = float(score(item))
            out.append(ScoredItem(item.name, item.label, value, value >= threshold))
        except (ValueError, FaceError) as exc:
            out.append(ScoredItem(item.name, item.label, None, None, f"{type(exc).__name__}: {exc}"))
    if progress:
        progress(len(items), len(items), "done")
    evaluation = Evaluation(task, model, score_name, tuple(out), None)
    y, s = evaluation.arrays()
    if y.size == 0:
        return Evaluation(task, model, score_name, tuple(out), None, "no item could be scored")
    try:
        summary = summarize(y, s, threshold, apcer_target)
    except ValueError as exc:
        return Evaluation(task, model, score_name, tuple(out), None, str(exc))
    return Evaluation(task, model, score_name, tuple(out), summary)


def spoof_score(image: np.ndarray, family: str, loader: Callable | None = None) -> float:
    """Bona fide probability in [0, 1] of the headline unit of a spoof ``family`` (as the anti-spoofing page
    decides: the full-face model, or the single model), on (H, W, 3) uint8 RGB ``image``."""
    import torch

    from models.registry import load_model
    from xai.face_pipeline import run_face_pipeline
    from xai.faces import DetectedFace
    from xai.spoof_explain import SPOOF_FAMILIES

    if family not in SPOOF_FAMILIES:
        raise ValueError(f"unknown model family {family!r}; choose one of: {', '.join(SPOOF_FAMILIES)}")
    region, model_name = next((u for u in SPOOF_FAMILIES[family] if u[0] in ("full_face", "face")),
                              SPOOF_FAMILIES[family][0])
    face = run_face_pipeline(image)
    classifier = (loader or load_model)(model_name)
    if region == "face":
        crop = classifier.crop(face.original, DetectedFace.from_landmarks(face.landmarks, face.original.shape))
    else:
        crop = face.crops[region].image
    with torch.no_grad():
        logits = classifier.two_class_logits(classifier.to_batch(crop[None]))
        return float(torch.softmax(logits, dim=-1)[0, 1])


def evaluate_spoof(items: Sequence[LabelledItem], family: str = "resnet18-cbam-regions", threshold: float = 0.5,
                   apcer_target: float = 0.05, loader: Callable | None = None,
                   progress: ProgressFn | None = None) -> Evaluation:
    """Bona fide probability of a spoof ``family`` over labelled images (accept when ≥ ``threshold``)."""
    return score_items("spoof", family, items, lambda it: spoof_score(it.images()[0], family, loader),
                       threshold, "bona fide probability", apcer_target, progress)


def evaluate_verify(items: Sequence[LabelledItem], model: str = "faceres", threshold: float | None = None,
                    apcer_target: float = 0.05, loader: Callable | None = None,
                    progress: ProgressFn | None = None) -> Evaluation:
    """Similarity of probe/gallery pairs with an embedder; ``threshold`` None = the model's own.

    The score is the native score of a cosine model, or the negated distance of a Euclidean one (so higher is
    always "same", and the threshold is negated alike).
    """
    from models.registry import load_model, model_class
    from xai.verify import verify_pair

    embedder_class = model_class(model)
    sign = -1.0 if getattr(embedder_class, "native_metric", "cosine") == "euclidean" else 1.0
    if threshold is None:
        threshold = sign * float(embedder_class.threshold)

    def score(item: LabelledItem) -> float:
        probe, gallery = item.images()
        return sign * verify_pair(probe, gallery, model, loader=loader or load_model).native_score

    name = "cosine similarity" if sign > 0 else "negated Euclidean distance"
    return score_items("verify", model, items, score, threshold, name, apcer_target, progress)


def idcard_score(image: np.ndarray, model: str = "idcard-vgg16-fft", loader: Callable | None = None) -> float:
    """1 − p(spoof) of an ID-card photo (card located automatically), a bona fide score in [0, 1]."""
    from models.registry import load_model
    from xai.idcard.explain import predict_frames
    from xai.idcard.localise import localise_card

    net = (loader or load_model)(model).net
    return 1.0 - float(predict_frames(net, [image], localise_card(image).centroid)[0])


def evaluate_idcard(items: Sequence[LabelledItem], model: str = "idcard-vgg16-fft", threshold: float = 0.5,
                    apcer_target: float = 0.05, loader: Callable | None = None,
                    progress: ProgressFn | None = None) -> Evaluation:
    """Genuine-card score (1 − p(spoof)) of an ID-card recapture model over labelled photos."""
    return score_items("idcard", model, items, lambda it: idcard_score(it.images()[0], model, loader),
                       threshold, "1 − p(spoof)", apcer_target, progress)


def evaluate(task: str, source: str | Path | Sequence[LabelledItem], model: str | None = None,
             threshold: float | None = None, apcer_target: float = 0.05, loader: Callable | None = None,
             progress: ProgressFn | None = None) -> Evaluation:
    """Run the pipeline of ``task`` over ``source`` (a folder or CSV path, or items); model None = its default."""
    items = load_items(task, source) if isinstance(source, (str, Path)) else list(source)
    if task == "verify":
        return evaluate_verify(items, model or "faceres", threshold, apcer_target, loader, progress)
    t = 0.5 if threshold is None else threshold
    if task == "spoof":
        return evaluate_spoof(items, model or "resnet18-cbam-regions", t, apcer_target, loader, progress)
    return evaluate_idcard(items, model or "idcard-vgg16-fft", t, apcer_target, loader, progress)


# ------------------------------------------------------------------------------------------------- figures

_COLOURS = {GENUINE: "#2e7d32", SPOOF: "#c62828"}


def _layout(fig, title: str, x: str, y: str, height: int = 360):
    fig.update_layout(title=title, xaxis_title=x, yaxis_title=y, height=height, margin=dict(t=45, b=45, l=55, r=15),
                      legend=dict(orientation="h", yanchor="bottom", y=-0.35))
    return fig


def roc_figure(y_true: ArrayLike, scores: ArrayLike, summary: MetricSummary | None = None):
    """ROC curve: 1 − BPCER (bona fide accepted) against APCER (attacks accepted), with the EER point."""
    import plotly.graph_objects as go

    thresholds, apcer, bpcer = roc_points(y_true, scores)
    text = [f"threshold {t:.4g}" for t in thresholds]
    fig = go.Figure(go.Scatter(x=apcer, y=1 - bpcer, mode="lines+markers", name="ROC", text=text,
                               line=dict(color="#1565c0"), marker=dict(size=4)))
    fig.add_trace(go.Scatter(x=[0, 1], y=[0, 1], mode="lines", name="chance", line=dict(dash="dot", color="#999")))
    if summary is not None:
        fig.add_trace(go.Scatter(x=[summary.eer], y=[1 - summary.eer], mode="markers", name=f"EER {summary.eer:.3f}",
                                 marker=dict(size=10, color="#ef6c00", symbol="x")))
    fig.update_xaxes(range=[-0.02, 1.02])
    fig.update_yaxes(range=[-0.02, 1.02])
    return _layout(fig, "ROC", "APCER (attacks accepted)", "1 − BPCER (bona fide accepted)")


DET_FLOOR = 1e-3
"""Rates of 0 (and 1) are drawn at 0.1 % (99.9 %) on the DET's probit axes, the edge of the plot."""


def _probit(p: np.ndarray) -> np.ndarray:
    from scipy.stats import norm

    return norm.ppf(np.clip(p, DET_FLOOR, 1 - DET_FLOOR))


def det_figure(y_true: ArrayLike, scores: ArrayLike, summary: MetricSummary | None = None):
    """DET curve on normal-deviate (probit) axes: BPCER against APCER, rates clipped to [0.1 %, 99.9 %]."""
    import plotly.graph_objects as go
    from scipy.stats import norm

    thresholds, apcer, bpcer = det_curve(y_true, scores)
    ticks = np.array([0.001, 0.01, 0.05, 0.2, 0.5, 0.8, 0.95, 0.99])
    labels = [f"{t:.1%}" if t < 0.01 else f"{t:.0%}" for t in ticks]
    fig = go.Figure(go.Scatter(x=_probit(apcer), y=_probit(bpcer), mode="lines+markers", name="DET",
                               text=[f"threshold {t:.4g}: APCER {a:.3f}, BPCER {b:.3f}"
                                     for t, a, b in zip(thresholds, apcer, bpcer, strict=True)],
                               hoverinfo="text", line=dict(color="#6a1b9a"), marker=dict(size=4)))
    if summary is not None:
        point = _probit(np.array([summary.eer]))
        fig.add_trace(go.Scatter(x=point, y=point, mode="markers", name=f"EER {summary.eer:.3f}",
                                 marker=dict(size=10, color="#ef6c00", symbol="x")))
    for axis in (fig.update_xaxes, fig.update_yaxes):
        axis(tickvals=_probit(ticks), ticktext=labels, range=[float(norm.ppf(DET_FLOOR / 1.6)),
                                                              float(norm.ppf(1 - DET_FLOOR / 1.6))])
    return _layout(fig, "DET (probit axes; 0 drawn at 0.1 %)", "APCER", "BPCER")


def histogram_figure(y_true: ArrayLike, scores: ArrayLike, threshold: float | None = None,
                     names: tuple[str, str] = CLASS_NAMES["spoof"], bins: int = 30):
    """Overlaid score histograms per class, with the threshold as a dashed line."""
    import plotly.graph_objects as go

    y, s = np.asarray(y_true), np.asarray(scores, dtype=np.float64)
    fig = go.Figure()
    lo, hi = float(s.min()), float(s.max())
    size = (hi - lo) / bins if hi > lo else 1.0
    for label in (SPOOF, GENUINE):
        fig.add_trace(go.Histogram(x=s[y == label], name=f"{names[label]} ({int((y == label).sum())})", opacity=0.6,
                                   marker_color=_COLOURS[label], xbins=dict(start=lo, end=hi + size, size=size)))
    fig.update_layout(barmode="overlay")
    if threshold is not None and math.isfinite(threshold):
        fig.add_vline(x=threshold, line_dash="dash", annotation_text="threshold")
    return _layout(fig, "Scores per class", "score", "count")


def confusion_figure(summary: MetricSummary, names: tuple[str, str] = CLASS_NAMES["spoof"]):
    """2 × 2 confusion matrix (rows true class, columns decision) at the summary's threshold."""
    import plotly.graph_objects as go

    c = summary.counts  # positive = attack
    z = [[c.tp, c.fn], [c.fp, c.tn]]
    rows = [f"true {names[SPOOF]}", f"true {names[GENUINE]}"]
    cols = [f"decided {names[SPOOF]}", f"decided {names[GENUINE]}"]
    fig = go.Figure(go.Heatmap(z=z, x=cols, y=rows, colorscale="Blues", showscale=False, text=z,
                               texttemplate="%{text}", textfont=dict(size=18)))
    fig.update_yaxes(autorange="reversed")
    return _layout(fig, f"Confusion matrix at threshold {summary.threshold:.4g}", "", "", height=320)


def esb_rows(cells) -> list[dict]:
    """Seed 001 Table I cells (:func:`xai.esb.esb_table`) as table rows."""
    return [{"estimator": c.estimator, "group": c.group, "gender accuracy %": c.gender_accuracy, "gender n": c.gender_n,
             "age MAE (years)": c.age_mae, "age n": c.age_n} for c in cells]


def write_csv(rows: Sequence[dict], path: str | Path) -> None:
    """Rows (dicts with the same keys) to a CSV file."""
    with open(path, "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]) if rows else ["empty"])
        writer.writeheader()
        writer.writerows(rows)


def csv_text(rows: Sequence[dict]) -> str:
    """Rows as CSV text (for download buttons)."""
    import io

    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]) if rows else ["empty"])
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()
