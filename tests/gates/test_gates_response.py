"""The JSON response: the seed's examples and every response we produce validate against the schema; our
responses have the seed's fields in the seed's order; the strip and the evidence pictures are usable."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import numpy as np
import pytest

from xai.gates import build_response, gate_strip, load_schema, run_gates, validate_response
from xai.gates.decision import OUTCOMES
from xai.gates.overlay import evidence_overlay, residual_picture, spectrum_picture
from xai.gates.thresholds import GateThresholds

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((Path(__file__).resolve().parents[1] / "fixtures" / "seed002_examples").glob("*.json"))


def _keys(value):
    """The nested key structure (keys in order), ignoring the values."""
    if isinstance(value, dict):
        return [(k, _keys(v)) for k, v in value.items()]
    if isinstance(value, list):
        return [_keys(v) for v in value]
    return None


def test_the_three_seed_examples_validate():
    assert [p.stem for p in EXAMPLES] == ["certain_live", "certain_spoof", "doubt_selfie"]
    for path in EXAMPLES:
        validate_response(json.loads(path.read_text()))


def test_the_schema_rejects_a_broken_response():
    example = json.loads(EXAMPLES[0].read_text())
    example["job"]["result"]["result"][0]["spoof_components"]["artifact"] = 1.5
    with pytest.raises(jsonschema.ValidationError):
        validate_response(example)
    example = json.loads(EXAMPLES[0].read_text())
    example["job"]["result"]["code"] = "25202"  # code and desc must agree
    with pytest.raises(jsonschema.ValidationError):
        validate_response(example)
    jsonschema.Draft202012Validator.check_schema(load_schema())


def test_codes_and_strings_are_the_seeds():
    by_code = {}
    for path in EXAMPLES:
        example = json.loads(path.read_text())
        by_code[example["job"]["result"]["code"]] = (example["job"]["result"]["desc"], example["message"])
    assert {code: (desc, message) for code, desc, message in OUTCOMES.values()} == by_code


@pytest.fixture(scope="module")
def sample_results(sample_index):
    thresholds = GateThresholds()
    return {e["file"]: run_gates((ROOT / "assets" / "samples" / e["file"]).read_bytes(), thresholds, job_id="t")
            for e in sample_index}


def test_every_sample_response_validates_and_has_the_seed_layout(sample_results):
    seed_layout = _keys(json.loads(EXAMPLES[0].read_text()))
    for name, result in sample_results.items():
        assert result.ok, (name, result.message)
        response = build_response(result)
        validate_response(response)
        json.dumps(response)  # plain JSON types only
        assert _keys(build_response(result, with_explanations=False)) == seed_layout
        entry = response["job"]["result"]["result"][0]
        # the face-size check is reported honestly: every sample face is below the seed's 300×300 minimum
        assert entry["face_size_check"]["pass_min_face_size"] is False
        assert response["job"]["result"]["code"] == "25203"
        assert any("minimum face size" in r for r in response["explanations"]["decision"]["reasons"])


def test_unreadable_bytes_give_ok_false_and_a_valid_response():
    result = run_gates(b"this is not an image")
    response = build_response(result)
    validate_response(response)
    assert response["ok"] is False and "not a readable image" in response["message"]


def test_strip_and_evidence_pictures(sample_results):
    result = sample_results["obama.jpg"]
    strip = gate_strip(result)
    assert [c.key for c in strip] == ["input", "face", "quality", "artifact", "spoof_edge", "deformation",
                                      "liveness", "decision"]
    assert strip[-1].verdict == "doubt" and "25203" in strip[-1].text
    for picture in (evidence_overlay(result), spectrum_picture(result), residual_picture(result)):
        assert picture.dtype == np.uint8 and picture.ndim == 3 and picture.std() > 10
    failed = gate_strip(run_gates(np.full((200, 200, 3), 128, np.uint8), models=("human-liveness",)))
    assert len(failed) == 1 and failed[0].verdict == "reject" and "No face" in failed[0].text
