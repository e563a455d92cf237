"""The "Add your model" panel (ui/add_model.py) under AppTest, with real exported models on the real pages.

The shipped faceres graph and the ResNet18-CBAM full-face spoof net are exported to ONNX in the test
(:mod:`onnx_exports`), uploaded with their specs, checked on a sample face, offered in the page's model choice and
used for the page's decision. Bad uploads show their one message and the page keeps working. Nothing is written
to the user model store (``FACE_XAI_MODELS`` is an empty folder for the whole run, tests/conftest.py).
"""

from __future__ import annotations

import math

import pytest
from onnx_exports import FACERES_SPEC, REGION_SPEC, tiny_onnx, write_spec
from streamlit.testing.v1 import AppTest

from models.runtime.export import export_faceres_onnx, export_region_onnx
from models.user_store import user_models_dir
from ui.models import SESSION_MODELS

TIMEOUT = 600


@pytest.fixture(scope="module")
def faceres_upload(tmp_path_factory):
    folder = tmp_path_factory.mktemp("faceres-upload")
    model = export_faceres_onnx(folder / "faceres.onnx").read_bytes()
    spec = write_spec(folder / "faceres-onnx.toml", **FACERES_SPEC).read_bytes()
    return model, spec


def verify_page() -> AppTest:
    """The verification page on its default pair with the shipped faceres (the model exported here, so the upload's
    decision can be compared with it) and no explanation maps chosen (the decision is under test)."""
    at = AppTest.from_file("app.py", default_timeout=TIMEOUT)
    at.switch_page("pages/verify.py")
    at.session_state["verify-explainers"] = []
    at.session_state["verify-model"] = "faceres"
    at.run()
    assert not at.exception, at.exception
    return at


def upload(at: AppTest, role: str, model: tuple[str, bytes], spec: tuple[str, bytes]) -> AppTest:
    at.file_uploader(key=f"add-model-{role}-file").set_value((model[0], model[1], "application/octet-stream"))
    at.file_uploader(key=f"add-model-{role}-spec").set_value((spec[0], spec[1], "application/toml"))
    at.run()
    assert not at.exception, at.exception
    at.button(key=f"add-model-{role}-add").click().run()
    assert not at.exception, at.exception
    return at


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_an_uploaded_onnx_embedder_is_checked_offered_and_decides_the_pair(faceres_upload):
    at = verify_page()
    shipped = metrics(at)
    assert shipped["Decision"] == "same person"
    assert any("demonstrations" in i.value and "Add your model" in i.value for i in at.info)

    upload(at, "embedder", ("faceres.onnx", faceres_upload[0]), ("faceres-onnx.toml", faceres_upload[1]))
    assert not at.error, [e.value for e in at.error]
    assert any("Added **faceres-onnx**" in s.value for s in at.success)
    checks = next(c.value for c in at.caption if c.value.startswith("Checks on the sample face"))
    assert "output shape for one face: 1×1024" in checks and "determinism" in checks
    choice = at.selectbox(key="verify-model")
    assert "faceres-onnx (uploaded)" in choice.options and choice.value == "faceres-onnx"

    own = metrics(at)  # the page's decision, now by the uploaded model
    assert own["Decision"] == "same person" and own["Threshold"] == "≥ 0.52"
    assert math.isclose(float(own["Score (cosine)"]), float(shipped["Score (cosine)"]), abs_tol=2e-3)
    assert SESSION_MODELS in at.session_state and "faceres-onnx" in at.session_state[SESSION_MODELS]
    assert not user_models_dir().exists() or not any(user_models_dir().iterdir())  # held in memory only
    assert not any(b.label == "Register on this server" for b in at.button)  # the operator did not enable it

    at.selectbox(key="verify-model").set_value("faceres").run()  # the shipped model is still served
    assert not at.exception, at.exception
    assert metrics(at)["Score (cosine)"] == shipped["Score (cosine)"]


def test_bad_uploads_show_their_message_and_the_page_keeps_working(faceres_upload, tmp_path):
    at = verify_page()
    model, spec = faceres_upload
    cases = [
        (("faceres.onnx", model[: len(model) // 3]), ("faceres-onnx.toml", spec), "faceres.onnx"),  # truncated
        (("faceres.onnx", model), ("bad.toml", spec + b"colour = \"RGB\"\n"), "unknown field 'colour'"),
        (("faceres.onnx", model), ("spoof.toml", write_spec(tmp_path / "s.toml", **REGION_SPEC).read_bytes()),
         "this page needs a face embedder"),
        (("nan.onnx", tiny_onnx(tmp_path / "nan.onnx", nan=True).read_bytes()),
         ("nan.toml", write_spec(tmp_path / "nan.toml", name="nan-embedder", role="embedder", file="nan.onnx",
                                 input_size=16, layout="NCHW", crop="image").read_bytes()), "non-finite"),
    ]
    for model_upload, spec_upload, expected in cases:
        upload(at, "embedder", model_upload, spec_upload)
        errors = [e.value for e in at.error]
        assert len(errors) == 1 and errors[0].startswith("Not added: ") and expected in errors[0], errors
        assert at.selectbox(key="verify-model").value == "faceres"  # nothing was added
        assert metrics(at)["Decision"] == "same person"  # the page still decides with the shipped model
    assert SESSION_MODELS not in at.session_state or not at.session_state[SESSION_MODELS]


def test_an_uploaded_onnx_spoof_classifier_is_explained_on_the_anti_spoofing_page(tmp_path):
    model = export_region_onnx(tmp_path / "region.onnx").read_bytes()
    spec = write_spec(tmp_path / "region-onnx.toml", **REGION_SPEC).read_bytes()
    at = AppTest.from_file("app.py", default_timeout=TIMEOUT)
    at.switch_page("pages/spoof.py").run()
    assert not at.exception, at.exception
    assert any("demonstrations" in i.value for i in at.info)
    upload(at, "spoof", ("region.onnx", model), ("region-onnx.toml", spec))
    assert not at.error, [e.value for e in at.error]
    assert at.selectbox(key="spoof-family").value == "region-onnx"
    text = " ".join(m.value for m in at.markdown)
    assert "**face**" in text  # a one-unit family: the model's own crop
    decision = next(m.value for m in at.metric if m.label == "Decision")
    assert decision in ("genuine", "spoof")
    cam = next(s for s in at.selectbox if s.label == "CAM method")
    assert not cam.disabled  # the ONNX graph converts to torch (onnx2torch): gradient CAMs run


def test_registering_an_upload_needs_the_operators_consent_and_then_serves_every_session(faceres_upload, tmp_path,
                                                                                         monkeypatch):
    from models.registry import invalidate_user_models, names
    from models.user_store import remove_user_model

    monkeypatch.setenv("FACE_XAI_MODELS", str(tmp_path / "store"))
    monkeypatch.setenv("FACE_XAI_ALLOW_REGISTER", "1")
    at = verify_page()
    upload(at, "embedder", ("faceres.onnx", faceres_upload[0]), ("faceres-onnx.toml", faceres_upload[1]))
    try:
        at.button(key="add-model-embedder-register-faceres-onnx").click().run()
        assert not at.exception, at.exception
        assert any("Registered **faceres-onnx" in s.value for s in at.success)
        assert (tmp_path / "store" / "faceres-onnx" / "card.md").is_file() and "faceres-onnx" in names("embedder")
        assert not at.session_state[SESSION_MODELS]  # served by the registry now, not by the session
        fresh = verify_page()  # another session offers it without uploading
        assert "faceres-onnx" in fresh.selectbox(key="verify-model").options
        fresh.selectbox(key="verify-model").set_value("faceres-onnx").run()
        assert not fresh.exception, fresh.exception
        assert metrics(fresh)["Decision"] == "same person"
    finally:
        if (tmp_path / "store" / "faceres-onnx").exists():
            remove_user_model("faceres-onnx")
        invalidate_user_models()


def test_an_uncalibrated_upload_shows_no_threshold_and_how_to_calibrate(faceres_upload, tmp_path):
    spec = write_spec(tmp_path / "uncalibrated.toml", **{**FACERES_SPEC, "name": "faceres-uncalibrated",
                                                        "threshold": "calibrate"}).read_bytes()
    at = verify_page()
    upload(at, "embedder", ("faceres.onnx", faceres_upload[0]), ("uncalibrated.toml", spec))
    assert not at.error, [e.value for e in at.error]
    assert at.selectbox(key="verify-model").value == "faceres-uncalibrated"
    shown = metrics(at)
    assert shown["Decision"] == "no threshold" and shown["Threshold"] == "no threshold"
    assert float(shown["Score (cosine)"]) > 0.62  # the score is shown; no decision is made from it
    warning = " ".join(w.value for w in at.warning)
    assert "has no decision threshold yet" in warning and "python -m xai calibrate verify" in warning
    assert any("Threshold: \"calibrate\"" in c.value for c in at.caption)  # the panel says so too
