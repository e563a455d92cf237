"""Passive-liveness quality gates of seed 002: input specification, face appearance, image quality, spoof
components, liveness and the live/spoof/doubt decision with the seed's JSON response.

Entry point: :func:`run_gates`; JSON: :func:`build_response`; compact verdicts for other pages: :func:`gate_strip`.
"""

from xai.gates.decision import DEFAULT_LIVENESS_MODELS, OUTCOMES
from xai.gates.response import build_response, load_schema, validate_response
from xai.gates.run import GATES, GateResult, run_gates
from xai.gates.strip import GateVerdict, gate_strip
from xai.gates.thresholds import GateThresholds

__all__ = ["DEFAULT_LIVENESS_MODELS", "GATES", "OUTCOMES", "GateResult", "GateThresholds", "GateVerdict",
           "build_response", "gate_strip", "load_schema", "run_gates", "validate_response"]
