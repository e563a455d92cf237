"""The one record every gate produces: a named check with its value, its threshold and its verdict."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class GateCheck:
    """One row of the checklist.

    Attributes:
        group: "input", "appearance", "quality", "components" or "liveness".
        name: short key, e.g. "sharpness".
        label: what a person reads, e.g. "Sharpness".
        value: the measured value (float, int, str or None when it could not be measured).
        display: ``value`` formatted for reading, with its unit.
        threshold: the rule in words, e.g. "reject < 0.1 ≤ doubt < 0.2 ≤ accept".
        verdict: "accept", "doubt", "reject", "pass", "warn" or "n/a".
    """

    group: str
    name: str
    label: str
    value: float | int | str | None
    display: str
    threshold: str
    verdict: str

    def as_dict(self) -> dict:
        return {"group": self.group, "name": self.name, "label": self.label, "value": self.value,
                "display": self.display, "threshold": self.threshold, "verdict": self.verdict}
