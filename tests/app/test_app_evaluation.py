"""AppTest of the Evaluation page: the demo set gives the metric table, the charts and the CSV downloads."""

from __future__ import annotations

from app_pages import run_page


def test_evaluation_page_runs_the_demo_verification_set():
    at = run_page("pages/evaluation.py", title="Evaluation")
    assert "run the evaluation" in at.info[0].value
    at.sidebar.selectbox[0].set_value("verify").run()
    at.button[0].click().run()  # "Run the evaluation" on the demo set (10 pairs of the samples)
    assert not at.exception, at.exception
    table = at.table[0].value
    metrics = list(table["metric"])
    for name in ("Accuracy", "Error rate", "Precision", "Recall", "F1", "HTER", "APCER", "BPCER", "ACER", "EER",
                 "BPCER@APCER=5%", "FAR (verification)", "FRR (verification)"):
        assert name in metrics, name
    assert float(table.loc[table["metric"] == "EER", "value"].iloc[0]) <= 0.5
    labels = [m.label for m in at.metric]
    assert "EER" in labels and "Accuracy" in labels
    assert len(at.get("plotly_chart")) == 4  # confusion matrix, histogram, ROC, DET
    assert len(at.get("download_button")) == 3
