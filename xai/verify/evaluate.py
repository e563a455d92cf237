"""Face verification (seed 001) over labelled pairs: the similarity of probe and gallery, higher = same person.

A Euclidean model's distance is negated (and so is its threshold), so the score is always a bona fide score and an
"attack" is an impostor pair: APCER is the verification FAR, BPCER the FRR (:data:`VERIFY_ROWS`).
:data:`EVALUATION` is the task's :class:`~xai.evaluation.adapter.TaskEvaluation` (listed in :mod:`xai.tasks`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from models.registry import DEFAULT_VERIFIER
from xai.core.metrics import GENUINE, SPOOF
from xai.evaluation.adapter import TaskEvaluation
from xai.evaluation.items import PAIRS, LabelledItem
from xai.evaluation.scoring import Evaluation, ProgressFn, score_items
from xai.evaluation.summary import MetricRow

#: evaluation class names: (label 0, label 1)
EVALUATION_CLASSES = ("impostor pair", "genuine pair")
DEFAULT_MODEL = DEFAULT_VERIFIER
#: verification meaning of APCER, BPCER, ACER, added to the seeds' metric rows
VERIFY_ROWS: tuple[MetricRow, ...] = (
    ("FAR (verification)", "apcer", "impostor pairs accepted / impostor pairs (= FMR)"),
    ("FRR (verification)", "bpcer", "genuine pairs rejected / genuine pairs (= FNMR)"),
    ("HTER (verification)", "acer", "(FAR + FRR) / 2"),
)


def score_sign(model: str) -> float:
    """+1 for a cosine model, −1 for a Euclidean one (its distance is negated into a similarity)."""
    from models.registry import model_class

    return -1.0 if getattr(model_class(model), "native_metric", "cosine") == "euclidean" else 1.0


def default_threshold(model: str) -> float:
    """The model's own decision threshold on the (signed) score."""
    from models.registry import model_class

    return score_sign(model) * float(model_class(model).threshold)


def evaluate_verify(items: Sequence[LabelledItem], model: str = DEFAULT_MODEL, threshold: float | None = None,
                    apcer_target: float = 0.05, loader: Callable | None = None,
                    progress: ProgressFn | None = None) -> Evaluation:
    """Similarity of probe/gallery pairs with an embedder; ``threshold`` None = the model's own.

    The score is the native score of a cosine model, or the negated distance of a Euclidean one (so higher is
    always "same", and the threshold is negated alike).
    """
    from models.registry import load_model
    from xai.verify.pipeline import verify_pair

    sign = score_sign(model)
    if threshold is None:
        threshold = default_threshold(model)

    def score(item: LabelledItem) -> float:
        probe, gallery = item.images()
        return sign * verify_pair(probe, gallery, model, loader=loader or load_model).native_score

    name = "cosine similarity" if sign > 0 else "negated Euclidean distance"
    return score_items("verify", model, items, score, threshold, name, apcer_target, progress, EVALUATION_CLASSES)


def demo_items() -> list[LabelledItem]:
    """Every pair of sample portraits, same = same identity in ``assets/samples/index.json``, built in memory.

    Raises:
        ValueError: the sample portraits are missing.
    """
    from itertools import combinations

    from xai.core.samples import SAMPLES_DIR, sample_index

    samples = sample_index()
    if not samples:
        raise ValueError("the sample portraits are missing: run the set-up (bash scripts/studio.sh app)")
    return [LabelledItem(f"{a['file']} | {b['file']}", (Path(a["file"]), Path(b["file"])),
                         GENUINE if a.get("identity") == b.get("identity") else SPOOF,
                         ((SAMPLES_DIR / a["file"]).read_bytes(), (SAMPLES_DIR / b["file"]).read_bytes()))
            for a, b in combinations(samples, 2)]


def esb_rows(cells) -> list[dict]:
    """Seed 001 Table I cells (:func:`xai.verify.esb.esb_table`) as table rows."""
    return [{"estimator": c.estimator, "group": c.group, "gender accuracy %": c.gender_accuracy, "gender n": c.gender_n,
             "age MAE (years)": c.age_mae, "age n": c.age_n} for c in cells]


def _embedders() -> list[str]:
    from models.registry import verification_embedders

    return verification_embedders()


EVALUATION = TaskEvaluation(
    evaluate=evaluate_verify, default_model=DEFAULT_MODEL, default_threshold=default_threshold,
    class_names=EVALUATION_CLASSES, demo_items=demo_items, models=_embedders, model_role="Face embedder",
    layout=PAIRS, extra_rows=VERIFY_ROWS)
