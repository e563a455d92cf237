"""The contract a task implements to be evaluated over a labelled set (:class:`TaskEvaluation`).

Each task declares one in ``xai/<task>/evaluate.py``; :mod:`xai.tasks` lists them. The generic code (items,
scoring, summary, figures) and every caller (CLI ``evaluate``, the Evaluation page) go through it, never through
a task name.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from xai.evaluation.items import IMAGES, LabelledItem, load_items, zip_items
from xai.evaluation.scoring import Evaluation, ProgressFn
from xai.evaluation.summary import MetricRow

Evaluator = Callable[[Sequence[LabelledItem], str, float | None, float, Callable | None, ProgressFn | None], Evaluation]
"""evaluate(items, model, threshold, apcer_target, loader, progress): scores labelled items with one model at one
threshold (``threshold`` None = the task's default), called positionally."""


@dataclass(frozen=True, slots=True)
class TaskEvaluation:
    """How one task's pipeline is evaluated.

    Attributes:
        evaluate: the pipeline over labelled items (:data:`Evaluator`).
        default_model: the model evaluated when none is named.
        default_threshold: model name → the operating threshold used when none is given.
        class_names: words for label 0 (attack) and label 1 (bona fide).
        layout: the labelled-set layout it reads (:data:`xai.evaluation.items.LAYOUTS`).
        demo_items: builds a small labelled set in memory from the shipped samples.
        models: the model names a user may choose (in menu order).
        model_role: what the model is called in a menu (e.g. "Face embedder").
        model_title: model name → label in a menu.
        extra_rows: metric rows the task adds to :data:`xai.evaluation.summary.METRIC_ROWS`.
    """

    evaluate: Evaluator
    default_model: str
    default_threshold: Callable[[str], float]
    class_names: tuple[str, str]
    demo_items: Callable[[], list[LabelledItem]]
    models: Callable[[], list[str]]
    model_role: str
    layout: str = IMAGES
    model_title: Callable[[str], str] = str
    extra_rows: tuple[MetricRow, ...] = ()

    def load_items(self, source: str | Path) -> list[LabelledItem]:
        """Items of a folder or CSV in this task's layout."""
        return load_items(source, self.layout)

    def zip_items(self, data: bytes) -> list[LabelledItem]:
        """Items of a ZIP (bytes) in this task's layout."""
        return zip_items(data, self.layout)

    def run(self, source: str | Path | Sequence[LabelledItem], model: str | None = None,
            threshold: float | None = None, apcer_target: float = 0.05, loader: Callable | None = None,
            progress: ProgressFn | None = None) -> Evaluation:
        """Evaluate ``source`` (a folder or CSV path, or items); ``model`` None = :attr:`default_model`."""
        items = self.load_items(source) if isinstance(source, (str, Path)) else list(source)
        return self.evaluate(items, model or self.default_model, threshold, apcer_target, loader, progress)
