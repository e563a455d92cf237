"""Which shipped spoof family a page starts with: the one whose deciding model measured best on held-out faces."""

from __future__ import annotations

from models.heldout import best_measured, demo_warning
from xai.spoof.explain import SPOOF_FAMILIES


def deciding_model(units: tuple[tuple[str, str], ...]) -> str:
    """The model whose decision is a family's headline decision: its first unit's (the region family's full face)."""
    return units[0][1]


def default_family() -> str:
    """The shipped family whose deciding model has the lowest held-out HTER stated in its card
    (:func:`models.heldout.best_measured`); the first family when no card states one."""
    deciders = {deciding_model(units): family for family, units in SPOOF_FAMILIES.items()}
    return deciders[best_measured(list(deciders))]


def family_warning(units: tuple[tuple[str, str], ...]) -> str:
    """The demonstration-model warning of a family's deciding model ("" when its held-out BPCER and APCER are both
    at most 10 %)."""
    return demo_warning(deciding_model(units))
