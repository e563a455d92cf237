"""The user model store and its registry integration: register, list, load, remove; nothing registered on failure."""

from __future__ import annotations

import json

import pytest
import torch
from onnx_exports import REGION_SPEC, tiny_onnx, write_spec

from models import registry
from models.runtime.export import export_region_onnx
from models.spec import SpecError, load_spec
from models.user import ModelFileError
from models.user_store import (
    list_user_models,
    remove_user_model,
    save_user_model,
    user_model_record,
    user_models_dir,
)
from xai.core.crops import model_crop

CHECKS = {"output_shape": [1, 2], "finite": True}


@pytest.fixture(scope="module")
def region_file(tmp_path_factory):
    return export_region_onnx(tmp_path_factory.mktemp("export") / "region.onnx")


@pytest.fixture
def store(tmp_path, monkeypatch):
    monkeypatch.setenv("FACE_XAI_MODELS", str(tmp_path / "store"))
    yield tmp_path / "store"
    registry.invalidate_user_models()


def region_spec(tmp_path, region_file, **changes):
    return load_spec(write_spec(tmp_path / "region.toml", **{**REGION_SPEC, "file": str(region_file), **changes}))


def test_the_folder_is_the_environment_variable_else_under_home(tmp_path, monkeypatch):
    monkeypatch.setenv("FACE_XAI_MODELS", str(tmp_path / "mine"))
    assert user_models_dir() == tmp_path / "mine"
    monkeypatch.delenv("FACE_XAI_MODELS")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert user_models_dir() == tmp_path / ".local/share/face-xai-studio/models"


def test_a_registered_model_is_listed_loaded_and_removed_beside_the_shipped_ones(
        store, tmp_path, region_file, sample_images, sample_faces):
    spec = region_spec(tmp_path, region_file)
    record = save_user_model(spec, region_file.read_bytes(), "---\nsummary: my liveness\n---\n# Card\n", CHECKS)
    folder = store / spec.name
    assert sorted(p.name for p in folder.iterdir()) == ["card.md", "checks.json", "model.onnx", "spec.toml"]
    assert (folder.stat().st_mode & 0o777) == 0o700
    assert record.error == "" and record.spec.file == folder / "model.onnx" and record.role == "spoof"
    stored = json.loads((folder / "checks.json").read_text())
    assert stored["checks"] == CHECKS and stored["sha256"] == record.sha256 and len(record.sha256) == 64

    assert [r.name for r in list_user_models()] == [spec.name]
    assert spec.name in registry.names("spoof") and spec.name not in registry.names("embedder")
    assert "resnet18-cbam-full_face" in registry.names("spoof")
    e = registry.entry(spec.name)
    assert e.user and e.card_file == str(folder / "card.md") and not registry.entry("faceres").user
    status = {s.name: s for s in registry.all_status()}[spec.name]
    assert status.loaded and status.summary == "my liveness" and status.license == REGION_SPEC["license"]
    assert status.file_hashes == {"model.onnx": record.sha256}

    model = registry.load_model(spec.name)
    assert registry.load_model(spec.name) is model  # loaded once per process
    native = registry.load_model("resnet18-cbam-full_face")
    x = native.to_batch([model_crop(native, sample_images["obama.jpg"], sample_faces["obama.jpg"])])
    with torch.no_grad():
        assert (model.bona_fide_probability(x) - native.bona_fide_probability(x)).abs().max() <= 1e-4
    assert model.card.summary == "my liveness"

    assert remove_user_model(spec.name) == folder and not folder.exists()
    assert spec.name not in registry.names()
    with pytest.raises(ValueError, match=f"unknown model '{spec.name}'"):
        registry.load_model(spec.name)


def test_a_model_added_again_under_the_same_name_is_not_served_stale(store, tmp_path, region_file):
    spec = region_spec(tmp_path, region_file)
    save_user_model(spec, region_file.read_bytes(), "# card\n", CHECKS)
    first = registry.load_model(spec.name)
    remove_user_model(spec.name)
    save_user_model(region_spec(tmp_path, region_file, title="second"), region_file.read_bytes(), "# card\n", CHECKS)
    assert registry.load_model(spec.name) is not first and registry.load_model(spec.name).title == "second"


def test_a_shipped_name_or_a_registered_name_is_refused(store, tmp_path, region_file):
    with pytest.raises(SpecError, match="'faceres' is the name of a shipped model"):
        save_user_model(region_spec(tmp_path, region_file, name="faceres"), region_file.read_bytes(), "", CHECKS)
    spec = region_spec(tmp_path, region_file)
    save_user_model(spec, region_file.read_bytes(), "", CHECKS)
    with pytest.raises(SpecError, match=f"a user model called '{spec.name}' is already registered"):
        save_user_model(spec, region_file.read_bytes(), "", CHECKS)
    with pytest.raises(ValueError, match="'faceres' is a shipped model; only user models can be removed"):
        remove_user_model("faceres")
    with pytest.raises(ValueError, match=f"no user model 'nope' in {store}; registered user models: {spec.name}"):
        remove_user_model("nope")


def test_nothing_is_registered_when_the_model_file_is_bad(store, tmp_path):
    tiny_onnx(tmp_path / "nan.onnx", nan=True)
    spec = load_spec(write_spec(tmp_path / "s.toml", name="broken", role="embedder", file="nan.onnx", input_size=16))
    with pytest.raises(ModelFileError, match="non-finite values"):
        save_user_model(spec, (tmp_path / "nan.onnx").read_bytes(), "# card\n", CHECKS)
    assert list_user_models() == [] and "broken" not in registry.names()
    assert not store.exists() or list(store.iterdir()) == []


def test_a_broken_folder_is_reported_by_all_status_and_not_offered(store, tmp_path, region_file):
    spec = region_spec(tmp_path, region_file)
    save_user_model(spec, region_file.read_bytes(), "# card\n", CHECKS)
    (store / spec.name / "model.onnx").unlink()
    record = user_model_record(spec.name)
    assert "model.onnx is missing" in record.error and spec.name not in registry.names()
    status = {s.name: s for s in registry.all_status()}[spec.name]
    assert not status.loaded and "model.onnx is missing" in status.message
    (store / spec.name / "spec.toml").write_text("name = 'other'\n")
    assert "missing required field 'role'" in user_model_record(spec.name).error
