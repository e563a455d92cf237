"""Face anti-spoofing (seed 000) over a labelled set: the bona fide probability of a spoof family's headline unit.

:data:`EVALUATION` is the task's :class:`~xai.evaluation.adapter.TaskEvaluation` (listed in :mod:`xai.tasks`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from xai.core.metrics import GENUINE, SPOOF
from xai.evaluation.adapter import TaskEvaluation
from xai.evaluation.items import LabelledItem, png_bytes
from xai.evaluation.scoring import Evaluation, ProgressFn, score_items
from xai.spoof.defaults import default_family
from xai.spoof.explain import family_label, family_units, spoof_families

#: evaluation class names: (label 0, label 1)
EVALUATION_CLASSES = ("attack", "bona fide")
DEFAULT_FAMILY = default_family()  # the family whose deciding model measured best on the held-out pool
DEFAULT_THRESHOLD = 0.5


def spoof_score(image: np.ndarray, family: str, loader: Callable | None = None) -> float:
    """Bona fide probability in [0, 1] of the headline unit of a spoof ``family`` (as the anti-spoofing page
    decides: the full-face model, or the single model), on (H, W, 3) uint8 RGB ``image``."""
    from models.registry import load_model
    from xai.core.crops import model_crop
    from xai.core.regions import run_face_pipeline
    from xai.explain.score import scores_of
    from xai.spoof.score import score_function

    units = family_units(family, loader)  # ValueError for an unknown family
    _region, model_name = next((u for u in units if u[0] in ("full_face", "face")), units[0])
    face = run_face_pipeline(image)
    classifier = (loader or load_model)(model_name)
    crop = model_crop(classifier, face.original, face.face, regions=face)
    return float(scores_of(score_function(classifier, GENUINE), crop)[0])


def evaluate_spoof(items: Sequence[LabelledItem], family: str = DEFAULT_FAMILY,
                   threshold: float | None = DEFAULT_THRESHOLD, apcer_target: float = 0.05,
                   loader: Callable | None = None, progress: ProgressFn | None = None) -> Evaluation:
    """Bona fide probability of a spoof ``family`` over labelled images (accept when ≥ ``threshold``; None = 0.5)."""
    threshold = DEFAULT_THRESHOLD if threshold is None else threshold
    return score_items("spoof", family, items, lambda it: spoof_score(it.images()[0], family, loader),
                       threshold, "bona fide probability", apcer_target, progress, EVALUATION_CLASSES)


def demo_items() -> list[LabelledItem]:
    """Every sample portrait (bona fide) and one simulated print or replay attack of each (:mod:`xai.spoof.attacks`),
    built in memory (no real person's upload).

    Raises:
        ValueError: the sample portraits are missing.
    """
    from xai.core.capture import prepare_source
    from xai.core.images import decode_image
    from xai.core.samples import SAMPLES_DIR, sample_index
    from xai.spoof.attacks.plan import simulate

    samples = sample_index()
    if not samples:
        raise ValueError("the sample portraits are missing: run the set-up (bash scripts/studio.sh app)")
    items = []
    for i, entry in enumerate(samples):
        data = (SAMPLES_DIR / entry["file"]).read_bytes()
        items.append(LabelledItem(f"bona_fide/{entry['file']}", (Path(entry["file"]),), GENUINE, (data,)))
        kind = ("print", "replay")[i % 2]
        attack = simulate(prepare_source(decode_image(data)), entry["file"], kind, i, 0.8).image
        items.append(LabelledItem(f"attack/{kind}-{Path(entry['file']).stem}.png", (Path(entry["file"]),), SPOOF,
                                  (png_bytes(attack),)))
    return items


EVALUATION = TaskEvaluation(
    evaluate=evaluate_spoof, default_model=DEFAULT_FAMILY, default_threshold=lambda _model: DEFAULT_THRESHOLD,
    class_names=EVALUATION_CLASSES, demo_items=demo_items, models=lambda: list(spoof_families()),
    model_role="Spoof model", model_title=family_label)
