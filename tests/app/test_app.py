"""Streamlit's AppTest renders each page without exceptions (one test per page)."""

from __future__ import annotations

from app_pages import run_page
from streamlit.testing.v1 import AppTest

from models.registry import REGISTRY
from models.zoo.dlib_resnet import DlibResNetEmbedder


def test_home_page_renders_the_model_table_and_privacy_rule():
    at = AppTest.from_file("app.py", default_timeout=180).run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Face XAI Studio"
    table = at.table[0].value
    assert list(table["model"]) == [e.name for e in REGISTRY]
    required = table[~table["model"].isin([e.name for e in REGISTRY if e.optional])]
    assert set(required["status"]) == {"loaded"}
    assert any("stay in memory" in m.value for m in at.markdown)
    assert not at.error  # no required model reported missing


def test_spoof_page_explains_a_sample_with_every_region():
    at = run_page("pages/spoof.py", title="Face anti-spoofing")
    labels = [m.label for m in at.metric]
    assert "Decision" in labels and "Confidence S" in labels
    decision = next(m.value for m in at.metric if m.label == "Decision")
    assert decision in ("genuine", "spoof")
    text = " ".join(m.value for m in at.markdown)
    for region in ("full face", "eyes", "nose", "mouth"):
        assert f"**{region}**" in text
    assert "ΔS" in text and "SSIM" in text



def test_verification_page_decides_and_explains_the_default_pair():
    at = run_page("pages/verify.py", timeout=600)
    assert at.selectbox(key="verify-model").value == "dlib-resnet"  # the shipped verifier that measured best
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Decision"] == "same person"  # obama.jpg vs obama2.jpg
    assert float(metrics["Score (euclidean)"]) < DlibResNetEmbedder.threshold
    # dlib scores 82 ms a face: its default map is sized to stay under half a minute (256 masks, not 768)
    maps = [c.value for c in at.caption if "masks, seed" in c.value]
    assert maps and all("256 sobol masks" in c and "fp32" in c and "bf16 autocast" not in c for c in maps), maps
    assert any("deletion AUC" in c.value for c in at.caption)
    assert len(at.table[0].value) >= 3  # one row per soft-biometric estimator
    maps = [c.value for c in at.caption if "masks, seed" in c.value]
    at.run()  # a rerun takes the maps from the cache and must not replay the progress widgets
    assert not at.exception, at.exception
    assert [c.value for c in at.caption if "masks, seed" in c.value] == maps
