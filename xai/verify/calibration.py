"""Calibration of a face verifier on labelled photos, and the calibrated confidence of a score.

A score is turned into the error rates it implies on a reference set of genuine (same person) and impostor
(different people) scores (after Knoche et al., WACVW 2023): if this score were the threshold, what share of
impostor pairs would be accepted (false match rate, FMR) and what share of genuine pairs rejected (false
non-match rate, FNMR)? A high similarity with FMR ≈ 0 is strong evidence of a match; one with FMR = 30 % is not.

The same reference gives the **threshold at a target FMR** (ISO/IEC 19795-1 operating point): the most permissive
observed score whose FMR on the impostor pairs is at most the target (ties count as accepted), with the FMR and
FNMR there and their exact Clopper–Pearson 95 % intervals. A finite set of n impostor pairs cannot show an FMR
below its *resolvable* FMR, the one-sided 95 % upper bound with zero errors, ``1 − 0.05^(1/n) ≈ 3/n`` (the
"rule of three", Jovanovic & Levy, Am. Stat. 1997): a target below it is reported as not supported by the data
and its threshold is never used for decisions.

Where a reference lives: :func:`calibration_path`. Shipped models keep theirs in ``models/calibration/<model>.json``
(computed from the sample portraits: a handful of pairs, the file says how many); a user model keeps it in its
folder of the user model store. ``python -m xai calibrate verify --data DIR --model M --fmr 0.01`` computes one
from a labelled folder (``DIR/<identity>/<photo>``). A decision uses the threshold of the first supported target
of its model's reference, else the model's own threshold; :class:`ThresholdOrigin` says which.
"""

from __future__ import annotations

import itertools
import json
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import numpy as np
import torch
from scipy.stats import beta

from models.base import ROOT, FaceEmbedder
from models.registry import REGISTRY, load_model
from models.user_store import user_models_dir
from xai.core.crops import model_crop
from xai.core.faces import FaceError, largest_face
from xai.core.images import ImageInputError, read_image_file
from xai.core.metrics import eer_from_scores

CALIBRATION_DIR = ROOT / "models" / "calibration"
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".webp"}
METRICS = ("cosine", "euclidean")
#: Confidence level of every interval and of the resolvable FMR.
CONFIDENCE = 0.95
#: Relative guard for the comparison ``k / n <= target`` (0.29 * 100 is 28.999… in floating point).
_RATE_GUARD = 1e-12
_PAIR_CHUNK = 4096  # pairs scored per call when building a reference


class CalibrationError(ValueError):
    """A calibration request or a stored calibration file that cannot be used; the message says why."""


def calibration_path(model: str) -> Path:
    """Where the calibration of ``model`` is stored.

    Shipped models: ``models/calibration/<model>.json`` (tracked). Any other name is a user model:
    ``<user model folder>/<model>/calibration.json`` (:func:`models.user_store.user_models_dir`:
    ``$FACE_XAI_MODELS`` or ``~/.local/share/face-xai-studio/models``).
    """
    if model in {e.name for e in REGISTRY}:
        return CALIBRATION_DIR / f"{model}.json"
    if not model or Path(model).name != model or model.startswith("."):
        raise CalibrationError(f"{model!r} is not a model name (a user model's name is one folder name)")
    return user_models_dir() / model / "calibration.json"


# ----------------------------------------------------------------------------------------- error rates


@dataclass(frozen=True, slots=True)
class ErrorRate:
    """``errors / trials`` with its exact (Clopper–Pearson) two-sided interval at :data:`CONFIDENCE`.

    Attributes:
        errors: number of errors, 0 ≤ errors ≤ trials.
        trials: number of pairs tried (≥ 0).
        rate: errors / trials in [0, 1]; NaN without trials.
        low, high: interval bounds in [0, 1] with low ≤ rate ≤ high; NaN without trials.
    """

    errors: int
    trials: int
    rate: float
    low: float
    high: float

    def as_text(self) -> str:
        """``1/3 = 33.3 % [0.8, 90.6]`` (percent, interval in brackets)."""
        if not self.trials:
            return "no pairs"
        return f"{self.errors}/{self.trials} = {self.rate:.1%} [{self.low:.1%}, {self.high:.1%}]"


def clopper_pearson(errors: int, trials: int, confidence: float = CONFIDENCE) -> ErrorRate:
    """Exact binomial interval of ``errors / trials`` (Clopper & Pearson, Biometrika 1934).

    ``low = B⁻¹(α/2; k, n − k + 1)`` (0 when k = 0), ``high = B⁻¹(1 − α/2; k + 1, n − k)`` (1 when k = n), with
    ``B⁻¹`` the beta quantile and α = 1 − confidence.

    Raises:
        CalibrationError: counts that are not integers with 0 ≤ errors ≤ trials, or confidence outside (0, 1).
    """
    for name, value in (("errors", errors), ("trials", trials)):
        if isinstance(value, bool) or not isinstance(value, int | np.integer):
            raise CalibrationError(f"{name} must be an integer, got {value!r}")
    if not 0 <= errors <= trials:
        raise CalibrationError(f"errors must lie in [0, trials], got {errors} errors of {trials} trials")
    if not 0.0 < confidence < 1.0:
        raise CalibrationError(f"confidence must lie in (0, 1), got {confidence}")
    k, n = int(errors), int(trials)
    if n == 0:
        return ErrorRate(0, 0, float("nan"), float("nan"), float("nan"))
    alpha = 1.0 - confidence
    low = 0.0 if k == 0 else float(beta.ppf(alpha / 2, k, n - k + 1))
    high = 1.0 if k == n else float(beta.ppf(1 - alpha / 2, k + 1, n - k))
    return ErrorRate(k, n, k / n, low, high)


def resolvable_fmr(impostor_pairs: int, confidence: float = CONFIDENCE) -> float:
    """Smallest FMR ``impostor_pairs`` can show: the one-sided upper bound with no error, ``1 − (1 − c)^(1/n)``.

    ≈ 3/n at 95 % (the rule of three); 1.0 without impostor pairs.
    """
    if impostor_pairs <= 0:
        return 1.0
    return float(1.0 - (1.0 - confidence) ** (1.0 / impostor_pairs))


def pairs_needed(target_fmr: float, confidence: float = CONFIDENCE) -> int:
    """Impostor pairs needed for :func:`resolvable_fmr` to reach ``target_fmr`` (≈ 3 / target at 95 %)."""
    return math.ceil(math.log(1.0 - confidence) / math.log1p(-target_fmr))


# ---------------------------------------------------------------------------------------- the reference


@dataclass(frozen=True)
class ScoreReference:
    """Genuine and impostor scores of one model in its native metric, with their provenance.

    Attributes:
        model: registered embedder name.
        metric: "cosine" (higher = same) or "euclidean" (lower = same).
        source: where the photos came from (shown with every decision that uses this reference).
        genuine, impostor: native scores of every same-identity / cross-identity pair.
        identities, images: how many identities and photos the pairs came from.
        created: date of the calibration, YYYY-MM-DD.
        targets: requested target FMRs in (0, 1), in the order given; the first one the impostor pairs can
            resolve sets the decision threshold (none: the model's own threshold decides).
        skipped: photos of the folder that were left out (unreadable or no face), relative to it.
    """

    model: str
    metric: str
    source: str
    genuine: list[float]
    impostor: list[float]
    identities: int
    images: int
    created: str
    targets: tuple[float, ...] = ()
    skipped: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.metric not in METRICS:
            raise CalibrationError(f"metric must be one of {', '.join(METRICS)}, got {self.metric!r}")
        for name in ("genuine", "impostor"):
            values = np.asarray(getattr(self, name), dtype=np.float64)
            if values.ndim != 1 or not np.isfinite(values).all():
                raise CalibrationError(f"{name} scores must be a flat list of finite numbers")
        object.__setattr__(self, "targets", tuple(float(t) for t in self.targets))
        object.__setattr__(self, "skipped", tuple(self.skipped))
        for target in self.targets:
            check_target(target)

    def to_json(self) -> dict:
        """The stored form: these fields, plus the derived ``calibration`` block for readers (recomputed on load)."""
        record = asdict(self)
        record["targets"], record["skipped"] = list(self.targets), list(self.skipped)
        record["calibration"] = summarize(self).to_json()
        return record

    def save(self, path: Path | None = None) -> Path:
        """Write to ``path`` (default :func:`calibration_path` of the model); returns the path."""
        path = calibration_path(self.model) if path is None else Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.to_json(), indent=2) + "\n")
        return path

    @classmethod
    def read(cls, path: Path) -> ScoreReference:
        """Load a stored reference (files written before targets existed load with none)."""
        try:
            record = json.loads(Path(path).read_text())
        except json.JSONDecodeError as exc:
            raise CalibrationError(f"{path} is not a calibration file: {exc}") from exc
        names = {f.name for f in fields(cls)}
        required = names - {"targets", "skipped"}
        if not isinstance(record, dict) or not required <= record.keys():
            missing = sorted(required - (record.keys() if isinstance(record, dict) else set()))
            raise CalibrationError(f"{path} is not a calibration file: missing {', '.join(missing)}")
        return cls(**{k: v for k, v in record.items() if k in names})

    @classmethod
    def load(cls, model: str) -> ScoreReference | None:
        """The stored reference of ``model`` (:func:`calibration_path`), None when it has none."""
        path = calibration_path(model)
        return cls.read(path) if path.is_file() else None


def check_target(target: float) -> float:
    """``target`` as a float FMR in (0, 1); CalibrationError otherwise."""
    value = float(target)
    if not 0.0 < value < 1.0:
        raise CalibrationError(f"a target FMR must lie strictly between 0 and 1 (0.01 = 1 %), got {target}")
    return value


# ----------------------------------------------------------------------------------- operating points


def _similarity(scores: Sequence[float], metric: str) -> np.ndarray:
    """Scores oriented so that higher = more alike (a Euclidean distance is negated; negation is exact)."""
    values = np.asarray(scores, dtype=np.float64)
    return -values if metric == "euclidean" else values


def accepts(metric: str, score: float, threshold: float) -> bool:
    """The decision rule: cosine ≥ threshold, Euclidean distance ≤ threshold (ties accepted)."""
    return bool(score <= threshold) if metric == "euclidean" else bool(score >= threshold)


def threshold_at_fmr(impostor: Sequence[float], genuine: Sequence[float], target_fmr: float,
                     metric: str = "cosine") -> float:
    """The most permissive observed score whose FMR on ``impostor`` is ≤ ``target_fmr`` (ties accepted).

    Candidates are the observed scores (genuine and impostor) and, when even the strictest of them accepts too
    many impostors, the next float beyond the most alike score (accepts nothing). Any threshold between two
    neighbouring observed scores gives the same rates, so an observed score loses nothing.

    Args:
        impostor: (I,) native scores of non-mated pairs, I ≥ 1.
        genuine: (G,) native scores of mated pairs (candidates only).
        target_fmr: in (0, 1).
        metric: "cosine" (accept ≥ threshold) or "euclidean" (accept ≤ threshold).

    Returns:
        The threshold in the native metric.
    """
    target = check_target(target_fmr)
    if metric not in METRICS:
        raise CalibrationError(f"metric must be one of {', '.join(METRICS)}, got {metric!r}")
    s_imp = np.sort(_similarity(impostor, metric))
    if s_imp.size == 0:
        raise CalibrationError("a threshold at a target FMR needs at least one impostor pair")
    candidates = np.unique(np.concatenate([s_imp, _similarity(genuine, metric)]))
    candidates = np.append(candidates, np.nextafter(candidates[-1], np.inf))
    accepted = s_imp.size - np.searchsorted(s_imp, candidates, side="left")  # impostors with score ≥ candidate
    ok = accepted / s_imp.size <= target * (1 + _RATE_GUARD)
    chosen = float(candidates[int(np.argmax(ok))])  # FMR falls as the threshold rises: the first ok is the lowest
    return -chosen if metric == "euclidean" else chosen


def rates_at(reference: ScoreReference, threshold: float) -> tuple[ErrorRate, ErrorRate]:
    """(FMR, FNMR) with their Clopper–Pearson intervals when ``threshold`` decides (ties accepted)."""
    s_gen, s_imp = _similarity(reference.genuine, reference.metric), _similarity(reference.impostor,
                                                                                reference.metric)
    t = -threshold if reference.metric == "euclidean" else threshold
    return (clopper_pearson(int((s_imp >= t).sum()), int(s_imp.size)),
            clopper_pearson(int((s_gen < t).sum()), int(s_gen.size)))


@dataclass(frozen=True, slots=True)
class OperatingPoint:
    """The threshold at one target FMR and the error rates it gives on the reference pairs.

    Attributes:
        target_fmr: requested FMR in (0, 1).
        threshold: native-metric threshold (cosine: accept ≥; Euclidean: accept ≤).
        fmr: impostor pairs accepted at ``threshold``; ``fmr.rate`` ≤ ``target_fmr``.
        fnmr: genuine pairs rejected at ``threshold``.
        supported: whether the impostor pairs can resolve ``target_fmr`` (target ≥ the resolvable FMR); an
            unsupported point is reported but never decides.
        pairs_needed: impostor pairs needed to resolve ``target_fmr``.
    """

    target_fmr: float
    threshold: float
    fmr: ErrorRate
    fnmr: ErrorRate
    supported: bool
    pairs_needed: int


@dataclass(frozen=True, slots=True)
class CalibrationSummary:
    """What a reference implies: operating points, EER and the resolution of its impostor pairs.

    Attributes:
        model, metric, source, created: as in the :class:`ScoreReference`.
        genuine_pairs, impostor_pairs: pair counts.
        eer: equal error rate in [0, 1] (FMR = FNMR, interpolated as :func:`xai.core.metrics.eer` does).
        eer_threshold: native-metric threshold at the EER.
        resolvable_fmr: the smallest FMR the impostor pairs can show, in (0, 1] (≈ 3 / impostor_pairs).
        points: one :class:`OperatingPoint` per requested target, in the reference's order.
    """

    model: str
    metric: str
    source: str
    created: str
    genuine_pairs: int
    impostor_pairs: int
    eer: float
    eer_threshold: float
    resolvable_fmr: float
    points: tuple[OperatingPoint, ...]

    @property
    def operating(self) -> OperatingPoint | None:
        """The point that decides: the first supported target; None when no target is supported."""
        return next((p for p in self.points if p.supported), None)

    def to_json(self) -> dict:
        record = {"genuine_pairs": self.genuine_pairs, "impostor_pairs": self.impostor_pairs, "eer": self.eer,
                  "eer_threshold": self.eer_threshold, "resolvable_fmr": self.resolvable_fmr,
                  "confidence": CONFIDENCE, "interval": "Clopper-Pearson (exact binomial), two-sided",
                  "operating_points": [asdict(p) for p in self.points]}
        record["decision_threshold"] = None if self.operating is None else self.operating.threshold
        return record


def summarize(reference: ScoreReference) -> CalibrationSummary:
    """Operating points at the reference's targets, EER and resolvable FMR (needs both kinds of pairs)."""
    if not reference.genuine or not reference.impostor:
        raise CalibrationError(f"the reference of {reference.model} needs genuine and impostor pairs, has "
                               f"{len(reference.genuine)} genuine and {len(reference.impostor)} impostor")
    sign = -1.0 if reference.metric == "euclidean" else 1.0
    e = eer_from_scores(_similarity(reference.genuine, reference.metric),
                        _similarity(reference.impostor, reference.metric))
    n_imp = len(reference.impostor)
    resolvable = resolvable_fmr(n_imp)
    points = []
    for target in reference.targets:
        threshold = threshold_at_fmr(reference.impostor, reference.genuine, target, reference.metric)
        fmr, fnmr = rates_at(reference, threshold)
        points.append(OperatingPoint(target, threshold, fmr, fnmr, target >= resolvable, pairs_needed(target)))
    return CalibrationSummary(reference.model, reference.metric, reference.source, reference.created,
                              len(reference.genuine), n_imp, float(e.eer), sign * float(e.threshold), resolvable,
                              tuple(points))


@dataclass(frozen=True, slots=True)
class ErrorTradeoff:
    """FMR and FNMR at every observed score (the DET curve), thresholds from the most to the least permissive.

    Attributes:
        thresholds: (K,) float64 native-metric thresholds, K = distinct observed scores.
        fmr, fnmr: (K,) float64 in [0, 1]; FMR falls and FNMR rises along the array.
    """

    thresholds: np.ndarray
    fmr: np.ndarray
    fnmr: np.ndarray


def error_tradeoff(reference: ScoreReference) -> ErrorTradeoff:
    """The DET curve of a reference (ties accepted at each threshold)."""
    s_gen = np.sort(_similarity(reference.genuine, reference.metric))
    s_imp = np.sort(_similarity(reference.impostor, reference.metric))
    t = np.unique(np.concatenate([s_gen, s_imp]))
    fmr = (s_imp.size - np.searchsorted(s_imp, t, side="left")) / max(s_imp.size, 1)
    fnmr = np.searchsorted(s_gen, t, side="left") / max(s_gen.size, 1)
    return ErrorTradeoff(-t if reference.metric == "euclidean" else t, fmr.astype(np.float64),
                         fnmr.astype(np.float64))


# ------------------------------------------------------------------------------- the decision's threshold


@dataclass(frozen=True, slots=True)
class ThresholdOrigin:
    """Which threshold a decision used and where it came from (shown next to every decision).

    Attributes:
        threshold: the native-metric threshold that decided.
        calibrated: True when it is a calibrated operating point, False when it is the model's own.
        text: one sentence naming the origin, e.g. "calibrated at FMR 1.0 % on 4950 impostor pairs from …".
        target_fmr: the operating point's target FMR; None for the model's own threshold.
        fmr, fnmr: the operating point's rates on the reference pairs; None for the model's own threshold.
        reference: path of the calibration file consulted; "" when the model has none.
    """

    threshold: float
    calibrated: bool
    text: str
    target_fmr: float | None = None
    fmr: ErrorRate | None = None
    fnmr: ErrorRate | None = None
    reference: str = ""

    def to_json(self) -> dict:
        return {"threshold": self.threshold, "calibrated": self.calibrated, "origin": self.text,
                "target_fmr": self.target_fmr, "fmr": None if self.fmr is None else asdict(self.fmr),
                "fnmr": None if self.fnmr is None else asdict(self.fnmr), "reference": self.reference}


def _hint(model: str) -> str:
    return f"run python -m xai calibrate verify --data DIR --model {model} --fmr 0.01"


def threshold_origin(model: str, own_threshold: float, reference: ScoreReference | None = None,
                     path: str = "") -> ThresholdOrigin:
    """The threshold a decision of ``model`` uses: the reference's operating point, else ``own_threshold``.

    ``reference``: the model's stored reference (None: it has none); ``path`` where it was read from.
    """
    own_text = "model's stated threshold" if math.isfinite(own_threshold) else \
        "the model states no threshold (its spec asks for calibration), so nothing is accepted"
    if reference is None:
        return ThresholdOrigin(own_threshold, False, f"no calibration: {own_text}; {_hint(model)}")
    summary = summarize(reference)
    pairs = (f"{summary.impostor_pairs} impostor and {summary.genuine_pairs} genuine pairs from "
             f"{reference.source}, {reference.created}")
    point = summary.operating
    if point is not None:
        text = (f"calibrated at FMR {point.target_fmr:.2%} on {pairs} (there: FMR {point.fmr.as_text()}, "
                f"FNMR {point.fnmr.as_text()}, 95 % CI)")
        return ThresholdOrigin(point.threshold, True, text, point.target_fmr, point.fmr, point.fnmr, path)
    if summary.points:
        asked = ", ".join(f"{p.target_fmr:.2%}" for p in summary.points)
        text = (f"{own_text}: the calibration on {pairs} cannot resolve FMR {asked} (smallest: "
                f"{summary.resolvable_fmr:.2%}; needs {summary.points[0].pairs_needed} impostor pairs)")
    else:
        text = (f"{own_text}; the reference ({pairs}) gives calibrated confidence only, no target FMR; "
                f"{_hint(model)}")
    return ThresholdOrigin(own_threshold, False, text, reference=path)


def decision_threshold(model: str, own_threshold: float) -> ThresholdOrigin:
    """:func:`threshold_origin` with the model's stored reference (:func:`calibration_path`)."""
    path = calibration_path(model)
    reference = ScoreReference.read(path) if path.is_file() else None
    return threshold_origin(model, own_threshold, reference, str(path) if reference is not None else "")


# ---------------------------------------------------------------------------------- calibrated confidence


@dataclass(frozen=True, slots=True)
class CalibratedConfidence:
    """Error rates implied by a score on the reference: both in [0, 1], NaN without reference scores."""

    fmr: float
    fnmr: float
    genuine_pairs: int
    impostor_pairs: int


def calibrated_confidence(reference: ScoreReference, score: float) -> CalibratedConfidence:
    """FMR and FNMR if ``score`` were the threshold (ties count as accepted)."""
    genuine, impostor = np.asarray(reference.genuine), np.asarray(reference.impostor)
    if reference.metric == "euclidean":  # a distance: accepted when <= threshold
        fmr = float((impostor <= score).mean()) if impostor.size else float("nan")
        fnmr = float((genuine > score).mean()) if genuine.size else float("nan")
    else:
        fmr = float((impostor >= score).mean()) if impostor.size else float("nan")
        fnmr = float((genuine < score).mean()) if genuine.size else float("nan")
    return CalibratedConfidence(fmr, fnmr, int(genuine.size), int(impostor.size))


# ------------------------------------------------------------------------------------ building references


def _descriptors(embedder: FaceEmbedder, images: list[np.ndarray]) -> torch.Tensor:
    crops = [model_crop(embedder, image, largest_face(image)[0]) for image in images]
    with torch.no_grad():
        return embedder.descriptors(embedder.to_batch(crops))


def build_reference(model: str, identities: dict[str, list[np.ndarray]], source: str,
                    loader: Callable[[str], FaceEmbedder] = load_model, targets: Sequence[float] = (),
                    skipped: Sequence[str] = ()) -> ScoreReference:
    """Scores of every same-identity pair (genuine) and every cross-identity pair (impostor).

    ``targets``: FMRs to calibrate at (each in (0, 1)); ``skipped``: photos left out, recorded for provenance.
    """
    targets = tuple(check_target(t) for t in targets)
    embedder = loader(model)
    labels, images = [], []
    for identity, photos in identities.items():
        labels += [identity] * len(photos)
        images += photos
    if len(set(labels)) < 2:
        raise CalibrationError("calibration needs photos of at least two identities")
    d = _descriptors(embedder, images)
    first, second = (np.array(side, dtype=np.int64) for side in
                     zip(*itertools.combinations(range(len(images)), 2), strict=True))
    scores: list[float] = []
    with torch.no_grad():  # in chunks: N photos give N(N − 1)/2 pairs
        for start in range(0, first.size, _PAIR_CHUNK):
            a, b = first[start:start + _PAIR_CHUNK], second[start:start + _PAIR_CHUNK]
            scores += embedder.native_score(d[torch.from_numpy(a)], d[torch.from_numpy(b)]).double().tolist()
    genuine, impostor = [], []
    for i, j, score in zip(first, second, scores, strict=True):
        (genuine if labels[i] == labels[j] else impostor).append(float(score))
    if not genuine:
        raise CalibrationError("calibration needs at least one identity with two or more photos")
    return ScoreReference(model, embedder.native_metric, source, genuine, impostor, len(set(labels)), len(images),
                          time.strftime("%Y-%m-%d"), targets, tuple(skipped))


def identities_from_folder(root: Path) -> tuple[dict[str, list[np.ndarray]], list[str]]:
    """``root/<identity>/<photo>`` → identity → photos; also the files skipped (unreadable or faceless)."""
    root = Path(root)
    if not root.is_dir():
        raise CalibrationError(f"{root} is not a folder of identity sub-folders (DIR/<identity>/<photo>)")
    identities: dict[str, list[np.ndarray]] = {}
    skipped: list[str] = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        for path in sorted(folder.iterdir()):
            if path.suffix.lower() not in IMAGE_SUFFIXES:
                continue
            try:
                image = read_image_file(str(path))
                largest_face(image)
            except (ImageInputError, FaceError):
                skipped.append(str(path.relative_to(root)))
                continue
            identities.setdefault(folder.name, []).append(image)
    return identities, skipped


def sample_identities() -> dict[str, list[np.ndarray]]:
    """The sample portraits grouped by identity (from ``assets/samples/index.json``)."""
    from xai.core.samples import sample_image, sample_index

    identities: dict[str, list[np.ndarray]] = {}
    for entry in sample_index():
        identities.setdefault(entry["identity"], []).append(sample_image(entry["file"]))
    return identities


def summary_rows(summary: CalibrationSummary) -> list[dict[str, str]]:
    """One row per operating point, as the CLI table and the page show them (strings)."""
    relation = "≤" if summary.metric == "euclidean" else "≥"
    return [{"target FMR": f"{p.target_fmr:.2%}", "threshold": f"{relation} {p.threshold:.4f}",
             "FMR [95 % CI]": p.fmr.as_text(), "FNMR [95 % CI]": p.fnmr.as_text(),
             "supported": "yes" if p.supported else
             f"no: {summary.impostor_pairs} impostor pairs resolve FMR ≥ {summary.resolvable_fmr:.2%}; "
             f"needs {p.pairs_needed}"} for p in summary.points]
