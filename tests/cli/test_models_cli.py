"""`python -m xai models add / list / remove` with real ONNX exports of the shipped models.

The user model folder is a temporary one (``FACE_XAI_MODELS``). Each bad input gets one ``error: ...`` line,
exit 2, and leaves the folder empty; the good exports register with their checks and a generated card.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper
from onnx_exports import FACERES_SPEC, REGION_SPEC, write_spec

from models.registry import REGISTRY, load_model, names
from models.runtime.export import export_faceres_onnx, export_region_onnx
from models.user_store import list_user_models
from xai.cli.main import main

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def exports(tmp_path_factory, sample_index) -> Path:
    """A folder with faceres.onnx and region.onnx (exported once for this module)."""
    folder = tmp_path_factory.mktemp("exports")
    export_faceres_onnx(folder / "faceres.onnx")
    export_region_onnx(folder / "region.onnx")
    return folder


@pytest.fixture
def store(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "store"
    monkeypatch.setenv("FACE_XAI_MODELS", str(folder))
    return folder


def _spec(folder: Path, base: dict, file: Path, **changes) -> Path:
    fields = {**base, "file": str(file), **changes}
    return write_spec(folder / f"{fields['name']}.toml", **fields)


def _nan_on_faces_onnx(source: Path, target: Path) -> Path:
    """faceres' graph plus sqrt(−(max − min of the input)): 0 on a flat grey probe, NaN on any real face."""
    model = onnx.load(str(source))
    graph = model.graph
    image, descriptor = graph.input[0].name, graph.output[0].name
    graph.node.extend([
        helper.make_node("ReduceMax", [image], ["nan_max"], keepdims=0),
        helper.make_node("ReduceMin", [image], ["nan_min"], keepdims=0),
        helper.make_node("Sub", ["nan_min", "nan_max"], ["nan_spread"]),
        helper.make_node("Sqrt", ["nan_spread"], ["nan_term"]),
        helper.make_node("Add", [descriptor, "nan_term"], ["poisoned"]),
    ])
    graph.output[0].CopyFrom(helper.make_tensor_value_info("poisoned", TensorProto.FLOAT, ["batch", 1024]))
    onnx.save(model, str(target))
    return target


def _registered(store: Path) -> list[str]:
    return [r.name for r in list_user_models()] if store.exists() else []


def test_add_list_remove_an_embedder_and_a_spoof_model(exports, store, tmp_path, capsys):
    faceres_spec = _spec(tmp_path, FACERES_SPEC, exports / "faceres.onnx")
    region_spec = _spec(tmp_path, REGION_SPEC, exports / "region.onnx")

    assert main(["models", "add", str(faceres_spec), "--json"]) == 0
    added = json.loads(capsys.readouterr().out)
    assert added["name"] == "faceres-onnx" and added["role"] == "embedder"
    checks = added["checks"]
    assert checks["output_shape"] == [1, 1024] and checks["repeat_difference"] <= 1e-6
    # the export computes the shipped graph: same raw norm on the same sample face
    from xai.core.model_checks import check_model

    assert checks["embedding_norm"] == pytest.approx(check_model(load_model("faceres")).embedding_norm, rel=1e-4)
    assert added["calibration"] == {"calibrated": False, "threshold": 0.52,
                                    "description": added["calibration"]["description"]}

    assert main(["models", "add", str(region_spec)]) == 0
    text = capsys.readouterr().out
    assert text.startswith("registered region-onnx (spoof, onnx) in ")
    assert "classes: 2; probabilities on the sample face:" in text
    assert "CAM: gradient CAMs available at node /layer4/layer4.1/relu_1/Relu" in text

    # stored outside the tracked tree, with the file's SHA-256 and a card naming it
    folder = store / "faceres-onnx"
    model_bytes = (exports / "faceres.onnx").read_bytes()
    import hashlib

    sha = hashlib.sha256(model_bytes).hexdigest()
    assert added["sha256"] == sha and (folder / "model.onnx").read_bytes() == model_bytes
    card = (folder / "card.md").read_text()
    assert f"sha256: {sha}" in card and "## Checks measured on a real sample face" in card
    assert "source: the studio's faceres, exported in the test" in card
    assert "threshold 0.52 (cosine, match if ≥) as given in the spec" in card
    stored_checks = json.loads((folder / "checks.json").read_text())
    assert stored_checks["sha256"] == sha and stored_checks["checks"]["output_shape"] == [1, 1024]

    # every command sees them beside the shipped models
    assert "faceres-onnx" in names("embedder") and "region-onnx" in names("spoof")
    assert load_model("faceres-onnx").card.fields["sha256"] == sha

    assert main(["models", "list", "--json"]) == 0
    rows = {r["name"]: r for r in json.loads(capsys.readouterr().out)}
    assert {e.name for e in REGISTRY} | {"faceres-onnx", "region-onnx"} == set(rows)
    assert rows["faceres"]["source"] == "shipped" and rows["faceres-onnx"]["source"] == "user"
    assert rows["faceres-onnx"]["sha256"] == sha and rows["faceres-onnx"]["state"] == "registered"
    assert rows["faceres-onnx"]["calibration"]["calibrated"] is False
    assert "no calibration" in rows["faceres-onnx"]["calibration"]["text"]
    assert rows["region-onnx"]["calibration"]["calibrated"] is None

    assert main(["models", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    row = next(ln for ln in lines if ln.startswith("faceres-onnx "))
    assert row.split() == ["faceres-onnx", "embedder", "user", "registered", "not", "calibrated"]

    assert main(["models", "remove", "faceres-onnx"]) == 0
    assert "removed user model faceres-onnx" in capsys.readouterr().out
    assert not folder.exists() and _registered(store) == ["region-onnx"]
    assert "faceres-onnx" not in names("embedder")


def test_adding_twice_needs_force(exports, store, tmp_path, capsys):
    spec = _spec(tmp_path, REGION_SPEC, exports / "region.onnx")
    assert main(["models", "add", str(spec)]) == 0
    first = json.loads((store / "region-onnx" / "checks.json").read_text())["registered"]
    capsys.readouterr()
    assert main(["models", "add", str(spec)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: a user model called 'region-onnx' is already registered") and "--force" in err
    assert main(["models", "add", str(spec), "--force"]) == 0
    assert _registered(store) == ["region-onnx"]
    assert json.loads((store / "region-onnx" / "checks.json").read_text())["registered"] >= first


def _bad_inputs(exports: Path, tmp_path: Path) -> dict[str, tuple[Path, str]]:
    truncated = tmp_path / "truncated.onnx"
    data = (exports / "region.onnx").read_bytes()
    truncated.write_bytes(data[: len(data) // 3])
    text = tmp_path / "notes.onnx"
    text.write_text("this is a text file renamed to .onnx\n")
    nan = _nan_on_faces_onnx(exports / "faceres.onnx", tmp_path / "nan.onnx")
    faceres, region = exports / "faceres.onnx", exports / "region.onnx"
    return {
        "wrong input size": (_spec(tmp_path, FACERES_SPEC, faceres, name="small", input_size=112),
                             "112"),
        "missing output": (_spec(tmp_path, FACERES_SPEC, faceres, name="no-output", output="embedding_out"),
                           "embedding_out"),
        "truncated file": (_spec(tmp_path, REGION_SPEC, truncated, name="truncated"), "truncated.onnx"),
        "not an onnx file": (_spec(tmp_path, REGION_SPEC, text, name="text"), "notes.onnx"),
        "NaN on a real face": (_spec(tmp_path, FACERES_SPEC, nan, name="poisoned", output="poisoned"),
                               "poisoned: the output for the sample face (obama.jpg) has 1024 NaN value(s) out of "
                               "1024"),
        "wrong class count": (_spec(tmp_path, REGION_SPEC, region, name="three", class_order=["print", "replay",
                                                                                             "bona_fide"]),
                              "class_order has 3 classes"),
        "shipped name": (_spec(tmp_path, FACERES_SPEC, faceres, name="faceres"), "name of a shipped model"),
        "missing file": (_spec(tmp_path, FACERES_SPEC, tmp_path / "absent.onnx", name="absent"), "not found"),
        "bad spec": (write_spec(tmp_path / "bad.toml", **{**FACERES_SPEC, "layout": "CHWN"}), "layout"),
    }


BAD_CASES = ["wrong input size", "missing output", "truncated file", "not an onnx file", "NaN on a real face",
             "wrong class count", "shipped name", "missing file", "bad spec"]


@pytest.fixture(scope="module")
def bad_inputs(exports, tmp_path_factory) -> dict[str, tuple[Path, str]]:
    return _bad_inputs(exports, tmp_path_factory.mktemp("bad"))


@pytest.mark.parametrize("case", BAD_CASES)
def test_each_bad_input_gets_one_error_line_and_registers_nothing(case, bad_inputs, store, capsys):
    spec, expected = bad_inputs[case]
    assert main(["models", "add", str(spec)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), captured.err
    assert expected in lines[0]
    assert not store.exists() or list(store.iterdir()) == []


def test_a_model_file_over_the_size_limit_is_refused_before_it_is_read(exports, store, tmp_path, monkeypatch,
                                                                       capsys):
    import models.user

    monkeypatch.setattr(models.user, "MAX_MODEL_BYTES", 1 << 20)
    assert main(["models", "add", str(_spec(tmp_path, REGION_SPEC, exports / "region.onnx"))]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: region.onnx is 43.0 MiB") and "over the limit of 1.0 MiB" in err
    assert _registered(store) == []


def test_remove_refuses_shipped_and_unknown_models(store, capsys):
    assert main(["models", "remove", "faceres"]) == 2
    assert capsys.readouterr().err == "error: 'faceres' is a shipped model; only user models can be removed\n"
    assert main(["models", "remove", "nobody"]) == 2
    assert "no user model 'nobody'" in capsys.readouterr().err


def test_plain_models_command_keeps_its_options():
    from xai.cli.main import build_parser

    args = build_parser().parse_args(["models", "--json"])
    assert args.json is True and args.models_command is None and args.func.__name__ == "_cmd_models"
    assert build_parser().parse_args(["models", "--json", "list"]).json is True
    assert build_parser().parse_args(["models", "list"]).json is False


def test_the_real_command_line_adds_lists_and_refuses(exports, tmp_path, bad_inputs):
    env = {**os.environ, "FACE_XAI_MODELS": str(tmp_path / "store"), "OMP_NUM_THREADS": "1"}

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "xai", "models", *args], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=600)

    spec, expected = bad_inputs["truncated file"]
    refused = run("add", str(spec))
    assert refused.returncode == 2 and refused.stdout == ""
    error = [ln for ln in refused.stderr.splitlines() if ln.startswith("error: ")]
    assert len(error) == 1 and expected in error[0] and "Traceback" not in refused.stderr
    assert not (tmp_path / "store").exists() or not any((tmp_path / "store").iterdir())

    added = run("add", str(_spec(tmp_path, REGION_SPEC, exports / "region.onnx")))
    assert added.returncode == 0, added.stderr
    assert "registered region-onnx (spoof, onnx)" in added.stdout
    listed = run("list", "--json")
    assert listed.returncode == 0, listed.stderr
    rows = {r["name"]: r for r in json.loads(listed.stdout)}
    assert rows["region-onnx"]["source"] == "user" and rows["resnet18-cbam-full_face"]["source"] == "shipped"
    probabilities = json.loads((tmp_path / "store" / "region-onnx" / "checks.json").read_text())["checks"]
    assert np.isclose(sum(probabilities["class_probabilities"]), 1.0)
