"""`python -m xai models` lists every model as loaded, for people and (with --json) for machines."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from models.registry import REGISTRY

ROOT = Path(__file__).resolve().parents[2]


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
from xai.cli.main import main
raise SystemExit(main(['models']))
"""
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 1
    assert "MISSING" in result.stdout and "scripts/fetch_models.py" in result.stdout


def test_one_parser_lists_every_command_group_in_order():
    import argparse

    from xai.cli.main import build_parser
    from xai.tasks import TASKS

    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    assert list(sub.choices) == ["models", "spoof", "verify", "calibrate", "evaluate", "train", "idcard", "gates",
                                 "report", "explain"]
    explain = next(a for a in sub.choices["explain"]._actions if a.dest == "task")
    assert list(explain.choices) == list(TASKS)
    evaluate = next(a for a in sub.choices["evaluate"]._actions if a.dest == "what")
    assert list(evaluate.choices) == ["esb", "idcard", "spoof", "verify"]


def test_cli_output_writer_formats(tmp_path, capsys):
    from xai.cli.output import print_json, write_outputs, write_table

    summary = {"name": "é", "value": 0.5}
    assert write_outputs(summary, str(tmp_path / "out"), True, lambda out: (out / "x.png").write_bytes(b"png"),
                         json_name="verification.json")
    assert capsys.readouterr().out == json.dumps(summary, indent=2) + "\n"
    assert (tmp_path / "out" / "verification.json").read_text() == json.dumps(summary, indent=2) + "\n"
    assert (tmp_path / "out" / "x.png").read_bytes() == b"png"
    assert not write_outputs(summary, None, False, lambda out: None)
    assert capsys.readouterr().out == ""
    print_json(summary, indent=None, ensure_ascii=False)
    assert capsys.readouterr().out == '{"name": "é", "value": 0.5}\n'
    write_table([{"a": 1, "b": 2}], tmp_path / "t.csv")
    write_table([], tmp_path / "e.csv", ["estimator"])
    assert (tmp_path / "t.csv").read_bytes() == b"a,b\r\n1,2\r\n"
    assert (tmp_path / "e.csv").read_bytes() == b"estimator\r\n"
