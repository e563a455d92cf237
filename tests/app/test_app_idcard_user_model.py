"""AppTest of the ID card page with a registered user recapture model (issue 15): offered beside the shipped
models, it decides the sample card as the native model it was exported from, and without a cam_layer the CAM
choice is disabled with the reason."""

from __future__ import annotations

import pytest
from app_pages import run_page
from onnx_exports import RECAPTURE_SPEC, write_spec

from models.registry import invalidate_user_models, load_model
from models.runtime.export import export_recapture_onnx
from xai.cli.main import main
from xai.idcard.explain import explain_idcard
from xai.idcard.synth import demo_pair

USER = "recapture-page"


@pytest.fixture(scope="module")
def registered(tmp_path_factory, sample_index):
    folder, store = tmp_path_factory.mktemp("export"), tmp_path_factory.mktemp("user-models")
    export_recapture_onnx(folder / "recapture.onnx")
    spec = write_spec(folder / "recapture.toml", **{**RECAPTURE_SPEC, "name": USER, "cam_layer": None,
                                                   "file": str(folder / "recapture.onnx")})
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("FACE_XAI_MODELS", str(store))
        assert main(["models", "add", str(spec)]) == 0
        yield
    invalidate_user_models()


def test_the_page_offers_and_explains_a_registered_recapture_model(registered):
    at = run_page("pages/idcard.py", title="ID card")
    choice = at.sidebar.selectbox(key="idcard-model")
    assert {"idcard-vgg16-fft", "idcard-vgg-only", USER} <= set(choice.options)
    photo = at.sidebar.selectbox[0].value
    choice.set_value(USER).run()
    assert not at.exception, at.exception
    subheaders = [s.value for s in at.subheader]
    assert "Card and model input" in subheaders and "Zone occlusion" in subheaders
    assert "FFT high-pass view (§3.2)" not in subheaders
    native = explain_idcard(demo_pair(photo)[0].image, model="idcard-vgg-only", loader=load_model)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Prediction"] == native.label and metrics["p(spoof)"] == f"{native.p_spoof:.3f}"
    cam = at.sidebar.selectbox[2]
    assert cam.disabled and "the model's spec names no cam_layer" in cam.help
    assert any("No CAM: gradient CAMs are unavailable" in i.value for i in at.info)
