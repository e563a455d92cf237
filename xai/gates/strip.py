"""The compact gate strip shown beside other pages' heatmaps: was the input fit to be judged at all?"""

from __future__ import annotations

from dataclasses import dataclass

from xai.gates.run import GateResult
from xai.gates.thresholds import ACCEPT, DOUBT, PASS, REJECT, WARN

_RANK = {PASS: 0, ACCEPT: 0, "n/a": 0, WARN: 1, DOUBT: 1, REJECT: 2}


@dataclass(frozen=True, slots=True)
class GateVerdict:
    """One cell of the strip.

    Attributes:
        key: "input", "face", "quality", "artifact", "spoof_edge", "deformation", "liveness" or "decision".
        label: short title.
        verdict: "accept", "doubt" or "reject" ("warn" for the input recommendations).
        text: the value(s) behind the verdict, short.
    """

    key: str
    label: str
    verdict: str
    text: str


def _worst(verdicts: list[str]) -> str:
    return max(verdicts, key=lambda v: _RANK.get(v, 0)) if verdicts else ACCEPT


def gate_strip(result: GateResult) -> list[GateVerdict]:
    """Compact verdicts of every gate group, then the decision; a failed run gives one "reject" cell."""
    if not result.ok or result.decision is None:
        return [GateVerdict("decision", "Gates", REJECT, result.message)]
    spec, a, q, c, live, d = (result.input_spec, result.appearance, result.quality, result.components,
                              result.liveness, result.decision)
    spec_verdict = _worst([ch.verdict for ch in spec.checks])
    warned = [ch.label.lower() for ch in spec.checks if ch.verdict == WARN]
    face_verdict = _worst([ch.verdict for ch in a.checks])
    face_text = "; ".join(a.problems) if a.problems else f"{a.face_w}×{a.face_h} px, {a.faces_found} face(s)"
    if a.faces_found > 1:
        face_text = f"{a.faces_found} faces, the biggest checked; " + face_text
    cells = [
        GateVerdict("input", "Input", spec_verdict, "recommendations met" if not warned else "warn: " + ", ".join(warned)),
        GateVerdict("face", "Face", face_verdict, face_text),
        GateVerdict("quality", "Quality", _worst(list(q.verdicts.values())),
                    f"sharp {q.sharpness:.2f} · contrast {q.contrast:.2f} · bright {q.brightness:.2f}"),
        GateVerdict("artifact", "Artifact", c.verdicts["artifact"], f"{c.artifact:.2f}"),
        GateVerdict("spoof_edge", "Spoof edge", c.verdicts["spoof_edge"], f"{c.spoof_edge:.2f}"),
        GateVerdict("deformation", "Deformation", c.verdicts["deformation"], f"{c.deformation:.2f}"),
        GateVerdict("liveness", "Liveness", live.verdict, f"{live.liveness:.2f}"),
    ]
    outcome = {"live": ACCEPT, "doubt": DOUBT, "spoof": REJECT}[d.outcome]
    cells.append(GateVerdict("decision", "Decision", outcome, f"{d.outcome} ({d.code})"))
    return cells
