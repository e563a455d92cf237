"""What a shipped spoof model measured on the bona fide pool's held-out identities, as its card states it (issue 16).

A card states the measurement in its header, one line per number; a card shared by several models (the region
models) suffixes the key with the model name::

    heldout_bpcer.resnet18-cbam-eyes: 0.083      # real faces judged attacks / real faces
    heldout_apcer.resnet18-cbam-eyes: 0.41       # attacks judged bona fide / attacks (all species)
    heldout_bona_fide: 24                        # held-out real photos (shared by every model of the card)
    heldout_attacks: 240                         # simulated attacks of them

The pages choose their default spoof model by these numbers (:func:`best_measured`) and show
:func:`demo_warning` next to a decision of a model whose held-out BPCER (or APCER) is above
:data:`DEMO_BPCER_LIMIT`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from models.base import ModelCard

#: Above this held-out BPCER (real faces judged attacks), or APCER (attacks passed), a page warns next to the
#: model's decision that it is a demonstration model.
DEMO_BPCER_LIMIT = 0.10


@dataclass(frozen=True, slots=True)
class HeldOutMeasure:
    """Error rates in [0, 1] on ``bona_fide`` held-out real photos and ``attacks`` simulated attacks of them."""

    bpcer: float
    apcer: float
    bona_fide: int
    attacks: int

    @property
    def hter(self) -> float:
        """Half total error rate (APCER + BPCER) / 2, in [0, 1]."""
        return (self.apcer + self.bpcer) / 2


def _field(fields: dict[str, str], key: str, model: str) -> str | None:
    return fields.get(f"{key}.{model}", fields.get(key))


def heldout_measure(model: str) -> HeldOutMeasure | None:
    """The held-out measurement ``model``'s card states, or None when it states none (user models, embedders)."""
    from models.registry import entry

    try:
        found = entry(model)
    except ValueError:
        return None
    if found.user:  # a user model's generated card: never measured on the pool
        return None
    fields = ModelCard.load(found.card_file).fields
    values = [_field(fields, key, model) for key in ("heldout_bpcer", "heldout_apcer", "heldout_bona_fide",
                                                       "heldout_attacks")]
    if any(v is None for v in values):
        return None
    bpcer, apcer, bona_fide, attacks = values
    return HeldOutMeasure(float(bpcer), float(apcer), int(bona_fide), int(attacks))


def _too_weak(measure: HeldOutMeasure | None) -> bool:
    return measure is not None and max(measure.bpcer, measure.apcer) > DEMO_BPCER_LIMIT


def demo_warning(model: str) -> str:
    """One sentence for a page to show next to ``model``'s decision when its held-out BPCER (or APCER) is above
    :data:`DEMO_BPCER_LIMIT`; "" otherwise, or when its card states no measurement."""
    measure = heldout_measure(model)
    if not _too_weak(measure):
        return ""
    return (f"Demonstration model: on held-out real faces {model} judged {measure.bpcer:.0%} of "
            f"{measure.bona_fide} to be attacks (BPCER) and let {measure.apcer:.0%} of {measure.attacks} simulated "
            "attacks of them pass (APCER). Do not read its decision as a verdict on this face; see its card.")


def best_measured(models: Sequence[str]) -> str:
    """Of ``models``, the one with the lowest held-out HTER its card states (ties: the lower BPCER, then the order
    given); models without a measurement come after every measured one.

    Raises:
        ValueError: ``models`` is empty.
    """
    if not models:
        raise ValueError("no model to choose from")

    def rank(item: tuple[int, str]) -> tuple[int, float, float, int]:
        index, name = item
        measure = heldout_measure(name)
        if measure is None:
            return (1, 0.0, 0.0, index)
        return (0, measure.hter, measure.bpcer, index)

    return min(enumerate(models), key=rank)[1]


def demo_badge(model: str) -> str:
    """A few words for a per-model label, e.g. "held-out BPCER 42 %, APCER 8 %: demonstration", when ``model``'s
    held-out BPCER or APCER is above :data:`DEMO_BPCER_LIMIT`; "" otherwise."""
    measure = heldout_measure(model)
    if not _too_weak(measure):
        return ""
    return f"held-out BPCER {measure.bpcer:.0%}, APCER {measure.apcer:.0%}: demonstration"
