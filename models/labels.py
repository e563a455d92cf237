"""The one spoof/genuine label order of every task: seed 000's (spoof = 0, genuine / bona fide = 1).

Metrics (:mod:`xai.core.metrics`), the spoof models' two-class logits, the anti-spoofing explanations, the
evaluation and the gates read labels through these names. A model trained with another output order declares it
next to its network and maps its logits to this order at the one place they are read (the ID-card recapture
model: :data:`models.idcard.OUTPUT_LABELS`).
"""

from __future__ import annotations

SPOOF: int = 0
"""Label of an attack (spoof) presentation; the positive class of seed 000's eqs. 9–16."""
GENUINE: int = 1
"""Label of a bona fide (genuine) presentation."""
LABEL_NAMES: dict[int, str] = {SPOOF: "spoof", GENUINE: "genuine"}
"""Label → the word a page or report shows."""
