"""Our PyTorch TF.js runtime against the official TensorFlow.js runtime's outputs (tests/fixtures/golden)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest
import torch

from golden_inputs import golden_input
from models.human import HUMAN_DIR
from models.tfjs_graph import load_tfjs_graph

FIXTURES = sorted((Path(__file__).resolve().parents[1] / "fixtures" / "golden").glob("*.json"))
SHIPPED = {"faceres", "mobilefacenet", "gear", "age", "gender-ssrnet-imdb", "antispoof", "liveness"}


def test_every_shipped_model_has_a_fixture():
    assert {f.stem for f in FIXTURES} == SHIPPED


@pytest.mark.parametrize("fixture", FIXTURES, ids=[f.stem for f in FIXTURES])
def test_outputs_match_tfjs(fixture: Path):
    golden = json.loads(fixture.read_text())
    model_json = HUMAN_DIR / f"{golden['model']}.json"
    assert hashlib.sha256(model_json.read_bytes()).hexdigest() == golden["model_json_sha256"]
    x = golden_input(tuple(golden["input_shape"]), golden["seed"], golden["lo"], golden["hi"])
    assert hashlib.sha256(x.astype("<f4").tobytes()).hexdigest() == golden["input_sha256"]

    graph = load_tfjs_graph(model_json)
    with torch.no_grad():
        outputs = graph(torch.from_numpy(x), list(golden["outputs"]))
    for node, ref in golden["outputs"].items():
        expected = np.asarray(ref["values"], dtype=np.float64).reshape(ref["shape"])
        got = outputs[node].numpy().astype(np.float64)
        assert got.shape == expected.shape, node
        scale = max(np.abs(expected).max(), 1e-6)
        err = np.abs(got - expected).max() / scale
        assert err <= 1e-4, f"{golden['model']}:{node} relative error {err:.2e}"
