"""Evaluation in the seed's layout (seed 003 §4.4, Tables 1–2): precision, recall, accuracy (eqs. 14–16), APCER,
BPCER, HTER (eq. 17), parameters, GFLOPs and seconds per image. Positive = spoof (DLC-2021 protocol)."""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from models.idcard import SPOOF, IdCardNet, measure_flops, parameter_count
from xai.idcard.data import CropSet, branch_inputs
from xai.idcard.fft import DEFAULT_RADIUS
from xai.metrics import confusion_counts, report_from_counts


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
            probs.append(torch.softmax(logits, dim=1)[:, SPOOF].numpy())
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
    predicted = (probs >= 0.5).astype(np.int64)
    report = report_from_counts(confusion_counts(data.labels, predicted, positive=SPOOF))
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
