"""Training entry point (seed 003 §4.2–4.3): early stopping rule, determinism, and the CLI on a tiny run."""

from __future__ import annotations

import json

import pytest
from safetensors.torch import load_file

from xai.cli.main import main
from xai.idcard.train import EarlyStopping, TrainConfig


def test_early_stopping_follows_patience_and_min_delta():
    stopper = EarlyStopping(patience=3, min_delta=1e-4)
    assert stopper.step(0.5) == (True, False)
    assert stopper.step(0.49995) == (False, False)  # better by less than min_delta: no improvement
    assert stopper.step(0.6) == (False, False)
    assert stopper.step(0.4) == (True, False)  # an improvement resets the count
    assert [stopper.step(0.41) for _ in range(3)] == [(False, False), (False, False), (False, True)]


def test_config_rejects_more_than_the_seeds_ten_epochs():
    with pytest.raises(ValueError, match="1..10"):
        TrainConfig(max_epochs=11)


def test_train_cli_is_deterministic_given_the_seed(tmp_path, capsys):
    args = ["train", "idcard", "--variant", "vgg-only", "--cards", "4", "--val-cards", "2", "--max-epochs", "1",
            "--batch-size", "2", "--threads", "1", "--seed", "5"]
    states = []
    for run in ("a", "b"):
        assert main(args + ["--weights-dir", str(tmp_path / run)]) == 0
        summary = json.loads((tmp_path / run / "vgg-only.json").read_text())
        assert summary["config"]["seed"] == 5 and len(summary["history"]) == 1
        states.append(load_file(str(tmp_path / run / "vgg-only.safetensors")))
    assert states[0].keys() == states[1].keys()
    assert all(states[0][k].dtype.is_floating_point is False or states[0][k].dtype.itemsize == 2 for k in states[0])
    assert all((states[0][k] == states[1][k]).all() for k in states[0])
    assert "saved" in capsys.readouterr().out
