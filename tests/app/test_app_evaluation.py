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


def _spoof_batch(folder, store_folder):
    """A stored evaluate batch: the demo spoof set (samples and simulated attacks) scored by human-liveness."""
    from pathlib import Path

    from xai.batch.engine import EngineSettings, run_batch
    from xai.batch.jobs import EVALUATE, evaluate_items
    from xai.batch.store import BatchStore
    from xai.tasks import evaluation_task

    for item in evaluation_task("spoof").demo_items():
        path = Path(folder) / item.name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(item.data[0])
    (Path(folder) / "attack" / "unreadable.jpg").write_bytes(b"not a photo")
    items, job = evaluate_items("spoof", folder, "human-liveness", None)
    run_batch(items, job, BatchStore(store_folder), "spoof", EVALUATE, {"parameters": {"model": "human-liveness"}},
              EngineSettings(workers=0))
    return len(items)


def test_evaluation_page_opens_a_batch_folder_with_its_progress_and_metrics(tmp_path):
    total = _spoof_batch(tmp_path / "set", tmp_path / "store")
    at = run_page("pages/evaluation.py")
    at.sidebar.radio[0].set_value("batch").run()
    assert "output folder of a batch" in at.info[0].value
    at.sidebar.text_input[0].set_value(str(tmp_path / "store")).run()
    assert not at.exception, at.exception
    progress = at.get("progress")[0].proto.text
    assert progress == f"{total - 1} done · 1 failed · 0 to do · {total} in all"
    assert "unreadable.jpg: ImageInputError" in at.warning[0].value
    metrics = list(at.table[0].value["metric"])
    assert "APCER" in metrics and "EER" in metrics
    assert len(at.get("plotly_chart")) == 4  # confusion matrix, histogram, ROC, DET
    at.sidebar.text_input[0].set_value(str(tmp_path)).run()  # not a batch folder: said plainly
    assert "not a batch output folder" in at.error[0].value
