"""Evaluation of the ID-card recapture detector (seed 003).

* Tables 1–2 in the seed's layout (§4.4): precision, recall, accuracy (eqs. 14–16), APCER, BPCER, HTER (eq. 17),
  parameters, GFLOPs and seconds per image over a crop set. Positive = spoof (DLC-2021 protocol).
* :data:`EVALUATION`: the task's :class:`~xai.evaluation.adapter.TaskEvaluation` over any labelled photos
  (1 − p(spoof) as a bona fide score), listed in :mod:`xai.tasks`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from models.idcard import OUTPUT_LABELS, IdCardNet, measure_flops, parameter_count, spoof_probability
from models.labels import GENUINE, SPOOF
from xai.core.metrics import confusion_counts, report_from_counts
from xai.evaluation.adapter import TaskEvaluation
from xai.evaluation.items import LabelledItem, png_bytes
from xai.evaluation.scoring import Evaluation, ProgressFn, score_items
from xai.idcard.data import CropSet, branch_inputs
from xai.idcard.fft import DEFAULT_RADIUS


@dataclass(frozen=True, slots=True)
class IdCardMetrics:
    """Held-out metrics of one model; rates are floats in [0, 1] (NaN where undefined).

    Attributes:
        variant: architecture name.
        n, n_genuine, n_spoof: split size and class counts.
        loss: mean cross-entropy.
        precision, recall, accuracy: eqs. 14–16, positive = spoof.
        apcer: spoofs accepted as genuine / spoofs; bpcer: genuine rejected as spoof / genuine; hter: their mean.
        parameters: number of parameters; gflops: GFLOPs of one 224 × 224 forward (2 per multiply-add).
        seconds_per_image: mean wall time of a batch-1 forward, warm, on this machine's CPU.
        threads: torch CPU threads used for the timing.
    """

    variant: str
    n: int
    n_genuine: int
    n_spoof: int
    loss: float
    precision: float
    recall: float
    accuracy: float
    apcer: float
    bpcer: float
    hter: float
    parameters: int
    gflops: float
    seconds_per_image: float
    threads: int

    def as_dict(self) -> dict:
        return {k: getattr(self, k) for k in self.__slots__}


def predict(net: IdCardNet, data: CropSet, radius: float = DEFAULT_RADIUS, batch_size: int = 16
            ) -> tuple[np.ndarray, float]:
    """(N,) float32 spoof probabilities in [0, 1] and the mean cross-entropy of ``net`` on ``data``."""
    net.eval()
    probs, loss = [], 0.0
    with torch.no_grad():
        for start in range(0, len(data), batch_size):
            sl = slice(start, start + batch_size)
            rgb, second = branch_inputs(data.l1[sl], data.l2[sl], net.config.variant, radius)
            logits = net(rgb, second)
            loss += nn.functional.cross_entropy(logits, torch.from_numpy(data.labels[sl]), reduction="sum").item()
            probs.append(spoof_probability(logits).numpy())
    return np.concatenate(probs).astype(np.float32), loss / max(len(data), 1)


def seconds_per_image(net: IdCardNet, repeats: int = 5, radius: float = DEFAULT_RADIUS) -> float:
    """Mean wall time of one batch-1 forward (FFT preprocessing included), after one warm-up run."""
    rng = np.random.default_rng(0)
    crop = rng.integers(0, 256, (1, 224, 224, 3), dtype=np.uint8)
    net.eval()
    with torch.no_grad():
        net(*branch_inputs(crop, crop, net.config.variant, radius))
        start = time.perf_counter()
        for _ in range(repeats):
            net(*branch_inputs(crop, crop, net.config.variant, radius))
    return (time.perf_counter() - start) / repeats


def evaluate_model(net: IdCardNet, data: CropSet, radius: float = DEFAULT_RADIUS, timing_repeats: int = 5
                   ) -> IdCardMetrics:
    """Every metric of Tables 1–2 of ``net`` on ``data`` (decision: spoof when p(spoof) ≥ 0.5)."""
    probs, loss = predict(net, data, radius)
    labels = np.asarray(OUTPUT_LABELS, np.int64)[data.labels]  # the set's targets (head output order) → labels
    predicted = np.where(probs >= 0.5, SPOOF, GENUINE)
    report = report_from_counts(confusion_counts(labels, predicted, positive=SPOOF))
    spi = seconds_per_image(net, timing_repeats, radius) if timing_repeats > 0 else float("nan")
    counts = data.counts
    return IdCardMetrics(net.config.variant, len(data), counts["genuine"], counts["spoof"], loss, report.precision,
                         report.recall, report.accuracy, report.apcer, report.bpcer, report.hter,
                         parameter_count(net), measure_flops(net) / 1e9, spi, torch.get_num_threads())


TABLE_HEADER = ("| model | n | precision (%) | recall (%) | accuracy (%) | APCER (%) | BPCER (%) | HTER (%) | "
                "params (M) | GFLOPs | s/image |")


def table_row(m: IdCardMetrics) -> str:
    """One Markdown row of the Tables 1–2 layout."""
    return (f"| {m.variant} | {m.n} | {100 * m.precision:.2f} | {100 * m.recall:.2f} | {100 * m.accuracy:.2f} | "
            f"{100 * m.apcer:.2f} | {100 * m.bpcer:.2f} | {100 * m.hter:.2f} | {m.parameters / 1e6:.3f} | "
            f"{m.gflops:.2f} | {m.seconds_per_image:.3f} |")


def format_table(rows: list[IdCardMetrics]) -> str:
    """The Markdown table of several models, header included."""
    sep = "|" + "---|" * (TABLE_HEADER.count("|") - 1)
    return "\n".join([TABLE_HEADER, sep] + [table_row(m) for m in rows])


# ---------------------------------------------------------------------------------- generic evaluation adapter
# The labelled-set evaluation of :mod:`xai.evaluation` (any photos, CLI ``evaluate idcard --data``, the Evaluation
# page). Its labels follow :mod:`xai.core.metrics` (1 = genuine card, 0 = recapture), not the model's order.

#: evaluation class names: (label 0, label 1)
EVALUATION_CLASSES = ("recapture (attack)", "genuine card")
DEFAULT_MODEL = "idcard-vgg16-fft"
DEFAULT_THRESHOLD = 0.5


def idcard_score(image: np.ndarray, model: str = DEFAULT_MODEL, loader: Callable | None = None) -> float:
    """1 − p(spoof) of an ID-card photo (card located automatically), a bona fide score in [0, 1]."""
    from models.registry import load_model
    from xai.idcard.localise import localise_card
    from xai.idcard.score import predict_frames
    from xai.idcard.single_input import predict_one_image, takes_one_image

    detector = (loader or load_model)(model)
    centroid = localise_card(image).centroid
    if takes_one_image(detector):  # a user's one-image model
        return 1.0 - float(predict_one_image(detector, [image], centroid)[0])
    return 1.0 - float(predict_frames(detector.net, [image], centroid)[0])


def evaluate_idcard(items: Sequence[LabelledItem], model: str = DEFAULT_MODEL,
                    threshold: float | None = DEFAULT_THRESHOLD, apcer_target: float = 0.05,
                    loader: Callable | None = None, progress: ProgressFn | None = None) -> Evaluation:
    """Genuine-card score (1 − p(spoof)) of an ID-card recapture model over labelled photos (None = 0.5)."""
    threshold = DEFAULT_THRESHOLD if threshold is None else threshold
    return score_items("idcard", model, items, lambda it: idcard_score(it.images()[0], model, loader),
                       threshold, "1 − p(spoof)", apcer_target, progress, EVALUATION_CLASSES)


def demo_items() -> list[LabelledItem]:
    """4 genuine and 4 screen-recaptured synthetic cards (:mod:`xai.idcard.synth`), built in memory."""
    from xai.idcard.synth import render_sample

    items = []
    for i in range(8):
        sample = render_sample(1000 + i, i % 2)  # synth targets in the head's output order
        label = OUTPUT_LABELS[sample.label]
        items.append(LabelledItem(f"card-{i}-{'genuine' if label == GENUINE else 'recapture'}.png",
                                  (Path(f"card-{i}.png"),), label, (png_bytes(sample.image),)))
    return items


def _recapture_models() -> list[str]:
    from models.registry import names

    return names("recapture")


EVALUATION = TaskEvaluation(
    evaluate=evaluate_idcard, default_model=DEFAULT_MODEL, default_threshold=lambda _model: DEFAULT_THRESHOLD,
    class_names=EVALUATION_CLASSES, demo_items=demo_items, models=_recapture_models, model_role="ID-card model")
