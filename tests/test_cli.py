"""`python -m xai models` lists every model as loaded, for people and (with --json) for machines."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from models.registry import REGISTRY

ROOT = Path(__file__).resolve().parents[1]


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "xai", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)


def test_models_json_lists_every_model_loaded_with_hashes():
    result = run_cli("models", "--json")
    assert result.returncode == 0, result.stderr
    rows = {r["name"]: r for r in json.loads(result.stdout)}
    assert set(rows) == {e.name for e in REGISTRY}
    for e in REGISTRY:
        if not e.optional:
            assert rows[e.name]["loaded"], rows[e.name]["message"]
            assert rows[e.name]["file_hashes"] and rows[e.name]["summary"]
    assert not rows["deepface-agegender"]["loaded"] and "never downloads" in rows["deepface-agegender"]["message"]


def test_models_text_names_each_model_and_its_state():
    result = run_cli("models")
    assert result.returncode == 0, result.stderr
    for e in REGISTRY:
        line = next(ln for ln in result.stdout.splitlines() if ln.startswith(e.name + " "))
        assert ("optional" if e.optional else "loaded") in line


def test_missing_models_exit_nonzero_with_the_fix(tmp_path):
    code = f"""
import models.human as human
from pathlib import Path
human.HUMAN_DIR = Path({str(tmp_path)!r})
from xai.cli import main
raise SystemExit(main(['models']))
"""
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 1
    assert "MISSING" in result.stdout and "scripts/fetch_models.py" in result.stdout
