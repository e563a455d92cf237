"""AppTest of the ID card page: a sample card is analysed and every part of the explanation is shown."""

from __future__ import annotations

from app_pages import run_page


def test_idcard_page_explains_a_sample_card():
    at = run_page("pages/idcard.py", title="ID card")
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Prediction"] in ("genuine", "spoof")
    assert 0 <= float(metrics["p(spoof)"]) <= 1
    subheaders = [s.value for s in at.subheader]
    for title in ("Card and crops", "FFT high-pass view (§3.2)", "Where the branches looked", "Zone occlusion"):
        assert title in subheaders

    at.sidebar.radio[0].set_value("screen recapture").run()
    assert not at.exception, at.exception
    assert {m.label: m.value for m in at.metric}["Prediction"] in ("genuine", "spoof")

    if "idcard-vgg-only" in at.sidebar.selectbox[1].options:  # an ablation without cross-attention
        at.sidebar.selectbox[1].set_value("idcard-vgg-only").run()
        assert not at.exception, at.exception
        assert any("No cross-attention" in i.value for i in at.info)
