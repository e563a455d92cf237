"""ui.models with registered user models: the process-wide cache never serves a removed or re-added model stale."""

from __future__ import annotations

from onnx_exports import tiny_onnx, write_spec

from models.spec import load_spec
from models.user_store import remove_user_model, save_user_model
from ui.models import cached_model, model_key


def register(folder, name: str, size: int):
    model = tiny_onnx(folder / f"{name}-{size}.onnx", size=size)
    spec = load_spec(write_spec(folder / f"{name}-{size}.toml", name=name, role="embedder", file=model.name,
                                input_size=size, layout="NCHW", crop="image", threshold=0.5))
    return save_user_model(spec, model.read_bytes(), "# tiny\n", {})


def test_a_user_model_removed_and_added_again_is_loaded_anew(tmp_path, monkeypatch):
    monkeypatch.setenv("FACE_XAI_MODELS", str(tmp_path / "store"))
    register(tmp_path, "tiny-user", 16)
    first = cached_model("tiny-user")
    assert cached_model("tiny-user") is first and first.spec.input_size == 16
    key = model_key("tiny-user")
    assert key.startswith("user:") and model_key("faceres") == ""
    remove_user_model("tiny-user")
    register(tmp_path, "tiny-user", 24)  # same name, another file
    second = cached_model("tiny-user")
    assert second is not first and second.spec.input_size == 24 and second.sha256 != first.sha256
    assert model_key("tiny-user") != key
    remove_user_model("tiny-user")
