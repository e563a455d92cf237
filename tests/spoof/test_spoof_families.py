"""xai.spoof.explain families: shipped families, one-unit families of user spoof models (registered or held by a
page's loader), and every menu that lists them (CLI choices, evaluation, gates' liveness choice)."""

from __future__ import annotations

import pytest
from onnx_exports import REGION_SPEC, write_spec

from models.base import SpoofClassifier
from models.runtime.export import export_region_onnx
from models.spec import load_spec
from models.user import build_user_model
from models.user_store import remove_user_model, save_user_model
from xai.cli.main import build_parser
from xai.gates.decision import liveness_score
from xai.gates.thresholds import GateThresholds
from xai.spoof.evaluate import EVALUATION
from xai.spoof.explain import (
    FACE_UNIT,
    SPOOF_FAMILIES,
    explain_spoof,
    family_label,
    family_units,
    spoof_families,
)


@pytest.fixture(scope="module")
def region_spec(tmp_path_factory):
    folder = tmp_path_factory.mktemp("region")
    export_region_onnx(folder / "region.onnx")
    return load_spec(write_spec(folder / "region-onnx.toml", **REGION_SPEC))


@pytest.fixture(scope="module")
def held(region_spec) -> SpoofClassifier:
    return build_user_model(region_spec)


def hooks(module) -> int:
    return sum(len(m._forward_hooks) + len(m._forward_pre_hooks) + len(m._backward_hooks) for m in module.modules())


def test_without_user_models_the_families_are_the_shipped_ones():
    assert spoof_families() == SPOOF_FAMILIES
    assert family_units("human-liveness") == (("face", "human-liveness"),)
    with pytest.raises(ValueError, match="unknown model family 'lbp'; choose one of: resnet18-cbam-regions"):
        family_units("lbp")


def test_a_registered_user_spoof_model_is_a_one_unit_family_in_every_menu(region_spec, tmp_path, monkeypatch):
    monkeypatch.setenv("FACE_XAI_MODELS", str(tmp_path / "store"))
    save_user_model(region_spec, region_spec.file.read_bytes(), "# region\n", {})
    try:
        families = spoof_families()
        assert list(families)[: len(SPOOF_FAMILIES)] == list(SPOOF_FAMILIES)
        assert families["region-onnx"] == ((FACE_UNIT, "region-onnx"),)
        assert "resnet18-cbam-eyes" not in families  # a unit of a shipped family is not a family of its own
        assert "region-onnx" in EVALUATION.models() and EVALUATION.model_title("region-onnx") == family_label(
            "region-onnx")
        parser = build_parser()  # argparse choices are computed when the parser is built
        assert parser.parse_args(["spoof", "x.jpg", "--model", "region-onnx"]).model == "region-onnx"
        assert parser.parse_args(["gates", "x.jpg", "--model", "region-onnx"]).model == ["region-onnx"]
        assert parser.parse_args(["evaluate", "spoof", "--spoof-model", "region-onnx"]).spoof_model == "region-onnx"
    finally:
        remove_user_model("region-onnx")
    assert "region-onnx" not in spoof_families()


def test_a_model_only_the_loader_holds_is_explained_as_a_one_unit_family(held, sample_images):
    from models.registry import load_model

    def loader(name: str):
        return held if name == "region-onnx" else load_model(name)

    assert family_units("region-onnx", loader) == ((FACE_UNIT, "region-onnx"),)
    with pytest.raises(ValueError, match="unknown model family 'region-onnx'"):
        family_units("region-onnx")  # without the loader it is not known
    result = explain_spoof(sample_images["obama.jpg"], family="region-onnx", loader=loader)
    (unit,) = result.regions
    assert unit.region == FACE_UNIT and unit.model == "region-onnx" and result.decision is unit
    assert unit.heatmap.shape == (224, 224) and 0.0 <= unit.heatmap.min() and unit.heatmap.max() <= 1.0
    assert 0.0 <= unit.bona_fide_probability <= 1.0
    assert hooks(held.module_for_cam()) == 0


def test_the_gates_liveness_score_accepts_a_model_only_the_loader_holds(held, sample_images, sample_faces):
    from models.registry import load_model

    def loader(name: str):
        return held if name == "region-onnx" else load_model(name)

    face = sample_faces["obama.jpg"]
    score = liveness_score(sample_images["obama.jpg"], face, GateThresholds(), models=("region-onnx",), loader=loader)
    assert list(score.per_model) == ["region-onnx"] and 0.0 <= score.liveness <= 1.0
    with pytest.raises(ValueError, match="unknown liveness model"):
        liveness_score(sample_images["obama.jpg"], face, GateThresholds(), models=("region-onnx",))
    with pytest.raises(ValueError, match="unknown liveness model"):  # a registered non-spoof model stays refused
        liveness_score(sample_images["obama.jpg"], face, GateThresholds(), models=("faceres",), loader=loader)
