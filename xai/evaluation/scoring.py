"""Score a labelled set with any bona fide score function and summarise it: :func:`score_items` → :class:`Evaluation`.

Items that cannot be scored (unreadable, no face: ``ValueError``, ``FaceError``) are kept with their error and left
out of the metrics. Tasks supply the score function (``xai/<task>/evaluate.py``); nothing here knows a model.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from xai.evaluation.items import LabelledItem
from xai.evaluation.summary import MetricSummary, summarize

ProgressFn = Callable[[int, int, str], None]
"""progress(done, total, item name)."""

#: class names (label 0, label 1) of the generic label convention
DEFAULT_CLASS_NAMES = ("attack", "bona fide")


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
        task: the task's name (e.g. "spoof", "verify", "idcard"); model: the model (family) scored.
        score_name: what the score is (e.g. "bona fide probability", "cosine similarity").
        items: every item in input order, failed ones with their error.
        summary: the metrics of the scored items; None when they do not hold both classes (see ``problem``).
        problem: why ``summary`` is None, else None.
        class_names: the task's words for label 0 and label 1 (e.g. "impostor pair", "genuine pair").
    """

    task: str
    model: str
    score_name: str
    items: tuple[ScoredItem, ...]
    summary: MetricSummary | None
    problem: str | None = None
    class_names: tuple[str, str] = DEFAULT_CLASS_NAMES

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
        names = self.class_names
        return [{"item": i.name, "label": names[i.label], "score": i.score,
                 "decision": None if i.accepted is None else names[int(i.accepted)], "error": i.error or ""}
                for i in self.items]


def score_items(task: str, model: str, items: Sequence[LabelledItem], score: Callable[[LabelledItem], float],
                threshold: float, score_name: str, apcer_target: float = 0.05, progress: ProgressFn | None = None,
                class_names: tuple[str, str] = DEFAULT_CLASS_NAMES) -> Evaluation:
    """Score every item with ``score`` (errors are caught per item: ValueError, FaceError) and summarise.

    Args:
        task, model, score_name, class_names: recorded in the :class:`Evaluation`.
        items: the labelled set (at least one item).
        score: bona fide score of one item (higher = more likely bona fide).
        threshold: accept as bona fide when ``score >= threshold``.
        apcer_target: APCER of the BPCER@APCER point.
        progress: called before each item and once at the end.

    Raises:
        ValueError: no item.
    """
    from xai.core.faces import FaceError

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
    return summarize_scored(task, model, out, threshold, score_name, apcer_target, class_names)


def summarize_scored(task: str, model: str, scored: Sequence[ScoredItem], threshold: float, score_name: str,
                     apcer_target: float = 0.05, class_names: tuple[str, str] = DEFAULT_CLASS_NAMES) -> Evaluation:
    """The :class:`Evaluation` of items already scored (e.g. by the batch engine's workers), in their order.

    ``summary`` is None, with the reason in ``problem``, when no item was scored or only one class was.
    """
    scored = tuple(scored)
    evaluation = Evaluation(task, model, score_name, scored, None, class_names=class_names)
    y, s = evaluation.arrays()
    if y.size == 0:
        return Evaluation(task, model, score_name, scored, None, "no item could be scored", class_names)
    try:
        summary = summarize(y, s, threshold, apcer_target)
    except ValueError as exc:
        return Evaluation(task, model, score_name, scored, None, str(exc), class_names)
    return Evaluation(task, model, score_name, scored, summary, None, class_names)
