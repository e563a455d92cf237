"""``python -m xai gates``: one JSON per image, ok false with a message and a non-zero exit for bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from xai.cli.main import main
from xai.gates import validate_response

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "assets" / "samples" / "obama.jpg"


def test_one_json_per_image_and_exit_status(capsys, tmp_path):
    assert main(["gates", str(SAMPLE), "--model", "human-liveness", "--min-face", "200", "200"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 1
    response = json.loads(lines[0])
    validate_response(response)
    assert response["ok"] is True and response["job"]["id"] == str(SAMPLE)
    assert response["job"]["result"]["result"][0]["face_size_check"]["pass_min_face_size"] is True
    assert list(response["explanations"]["liveness"]["models"]) == ["human-liveness"]

    missing = tmp_path / "missing.jpg"
    assert main(["gates", str(SAMPLE), str(missing), "--seed-only", "--model", "human-liveness"]) == 1
    first, second = (json.loads(line) for line in capsys.readouterr().out.strip().splitlines())
    assert "explanations" not in first and first["ok"] is True
    validate_response(second)
    assert second["ok"] is False and "No such file" in second["message"]


def test_unreadable_input_never_prints_a_traceback(tmp_path):
    text = tmp_path / "notes.jpg"
    text.write_text("not an image")
    run = subprocess.run([sys.executable, "-m", "xai", "gates", str(text)], cwd=ROOT, capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 1
    assert "Traceback" not in run.stderr + run.stdout
    response = json.loads(run.stdout)
    validate_response(response)
    assert response["ok"] is False and "not a readable image" in response["message"]
