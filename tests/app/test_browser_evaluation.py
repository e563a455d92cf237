"""What a person sees on the Evaluation page: the demo set's metric table and rendered charts."""

from __future__ import annotations

import re

import pytest

from browser import ARTIFACTS, app_page

pytestmark = pytest.mark.browser


def test_evaluation_page_shows_metrics_and_charts():
    with app_page(1500, 2600) as page:
        page.get_by_role("link", name=re.compile(r"Evaluation$")).click()
        page.get_by_role("button", name="Run the evaluation").click(timeout=120_000)
        table = page.get_by_test_id("stTable")
        table.first.wait_for(timeout=300_000)
        page.locator(".js-plotly-plot .main-svg").first.wait_for(timeout=120_000)
        page.get_by_role("button", name="Download metrics (CSV)").wait_for(timeout=60_000)
        page.wait_for_timeout(1500)  # let plotly finish drawing every chart
        text = table.first.inner_text()
        charts = page.locator(".js-plotly-plot").count()
        traces = page.locator(".js-plotly-plot .scatterlayer .trace, .js-plotly-plot .barlayer .trace, "
                              ".js-plotly-plot .heatmaplayer image, .js-plotly-plot .hm").count()
        page.screenshot(path=str(ARTIFACTS / "evaluation.png"), full_page=True)
    for name in ("Accuracy", "APCER", "BPCER", "ACER", "HTER", "EER", "BPCER@APCER"):
        assert name in text, name
    assert charts == 4 and traces >= 4


def _verify_batch(tmp_path):
    """A stored verification batch of four sample pairs with ground truth (seed 001's pair CSV), in-process."""
    import shutil

    from browser import ROOT
    from xai.batch.engine import EngineSettings, run_batch
    from xai.batch.jobs import EXPLAIN, ExplainJob, explain_items
    from xai.batch.store import BatchStore

    source = tmp_path / "pairs"
    source.mkdir()
    for name in ("obama.jpg", "obama2.jpg", "obama3.jpg", "biden.jpg", "astronaut.png"):
        shutil.copy(ROOT / "assets" / "samples" / name, source / name)
    (source / "pairs.csv").write_text(
        "probe,gallery,same,probe_age,probe_gender,gallery_age,gallery_gender\n"
        "obama.jpg,obama2.jpg,1,47,male,48,male\nobama.jpg,biden.jpg,0,47,male,66,male\n"
        "obama2.jpg,obama3.jpg,1,48,male,50,male\nbiden.jpg,astronaut.png,0,66,male,42,female\n")
    parameters = {"model": "faceres", "explainer": "fv-rise", "n_masks": 16, "seed": 0, "sampling": "sobol",
                  "precision": "fp32", "both_ways": False, "with_gates": False}
    items = explain_items("verify", source, parameters)
    run_batch(items, ExplainJob("verify", parameters, pdf=False), BatchStore(tmp_path / "out"), "verify", EXPLAIN,
              {"parameters": parameters, "source": str(source)}, EngineSettings(workers=0))
    return tmp_path / "out"


def _open_batch_folder(page, out) -> None:
    """Evaluation → Show → Open a batch output folder, and type ``out`` into the sidebar."""
    page.get_by_role("link", name=re.compile(r"Evaluation$")).click()
    page.get_by_text("Open a batch output folder").click(timeout=120_000)
    box = page.get_by_role("textbox", name="Batch output folder")
    box.fill(str(out))
    box.press("Enter")


def test_evaluation_page_shows_a_stored_verification_batch(tmp_path):
    out = _verify_batch(tmp_path)
    with app_page(1500, 3000) as page:
        _open_batch_folder(page, out)
        page.get_by_text("4 done · 0 failed · 0 to do · 4 in all").wait_for(timeout=120_000)
        page.get_by_role("heading", name=re.compile(r"by face-verification outcome")).wait_for(timeout=60_000)
        page.locator(".js-plotly-plot .main-svg").first.wait_for(timeout=120_000)
        page.wait_for_timeout(1500)  # let plotly finish drawing every chart
        charts = page.locator(".js-plotly-plot").count()
        metrics = page.get_by_test_id("stTable").first.inner_text()
        page.screenshot(path=str(ARTIFACTS / "evaluation-batch.png"), full_page=True)
    assert charts == 4
    for name in ("FAR (verification)", "FRR (verification)", "EER"):
        assert name in metrics, name


def test_evaluation_page_follows_a_running_batch_until_it_has_finished(tmp_path):
    """Half a batch stored and its manifest unfinished (a run in progress); the other half and the finish arrive
    while the page is open, and the page shows them with no click."""
    import json
    import shutil

    from xai.batch.store import ITEMS, MANIFEST

    out = _verify_batch(tmp_path)
    held = tmp_path / "held"
    held.mkdir()
    for path in sorted((out / ITEMS).glob("*.json"))[:2]:  # two results not stored yet
        shutil.move(path, held / path.name)
    manifest = json.loads((out / MANIFEST).read_text())
    (out / MANIFEST).write_text(json.dumps({**manifest, "finished_utc": None}))
    with app_page(1500, 2400) as page:
        _open_batch_folder(page, out)
        page.get_by_text("2 done · 0 failed · 2 to do · 4 in all").wait_for(timeout=120_000)
        page.get_by_text("running (or interrupted").wait_for(timeout=10_000)
        for path in held.iterdir():  # the run goes on: the two results arrive, then the finish
            shutil.move(path, out / ITEMS / path.name)
        (out / MANIFEST).write_text(json.dumps(manifest))
        page.get_by_text("4 done · 0 failed · 0 to do · 4 in all").wait_for(timeout=60_000)
        page.get_by_text(re.compile(r"· finished$")).wait_for(timeout=30_000)
        page.get_by_role("heading", name=re.compile(r"by face-verification outcome")).wait_for(timeout=60_000)
        page.screenshot(path=str(ARTIFACTS / "evaluation-batch-followed.png"), full_page=True)
