"""xai.evaluation (items, scoring, summary, figures) and the task adapters: metrics against hand-computed cases (ties, single class), EER of a constructed set, data sets."""

from __future__ import annotations

import io
import zipfile

import numpy as np
import pytest
from PIL import Image

from xai.evaluation.figures import det_figure, histogram_figure, roc_figure
from xai.evaluation.items import LabelledItem, labelled_folder, zip_items
from xai.evaluation.scoring import score_items
from xai.evaluation.summary import metric_rows, summarize, threshold_table
from xai.spoof.evaluate import evaluate_spoof
from xai.verify.evaluate import VERIFY_ROWS

# 4 attacks (label 0) and 4 bona fide (label 1); accept as bona fide when score >= 0.5
Y = [0, 0, 0, 0, 1, 1, 1, 1]
S = [0.1, 0.2, 0.6, 0.3, 0.4, 0.7, 0.8, 0.9]


def test_summary_matches_hand_computed_counts_and_rates():
    s = summarize(Y, S, threshold=0.5)
    # attacks accepted: 0.6 → FN = 1 (an attack decided bona fide), TP = 3; bona fide rejected: 0.4 → FP = 1, TN = 3
    assert (s.counts.tp, s.counts.fn, s.counts.fp, s.counts.tn) == (3, 1, 1, 3)
    r = s.report
    assert r.accuracy == pytest.approx(6 / 8) and r.error_rate == pytest.approx(2 / 8)
    assert r.precision == pytest.approx(3 / 4) and r.recall == pytest.approx(3 / 4)
    assert r.f1 == pytest.approx(0.75)
    assert r.apcer == pytest.approx(1 / 4) and r.bpcer == pytest.approx(1 / 4) and r.acer == pytest.approx(0.25)
    assert r.far == r.bpcer and r.frr == r.apcer and r.hter == pytest.approx(0.25)  # the seed's eq. 14–16
    assert s.far == r.apcer and s.frr == r.bpcer  # verification meaning
    # EER: ROC points (APCER, BPCER) over thresholds 0.9 .. 0.1; the crossing is at 0.25 (threshold 0.6 ↔ 0.4)
    assert s.eer == pytest.approx(0.25)
    # BPCER@APCER=0: the lowest threshold with no attack accepted is 0.7 → bona fide 0.4 rejected → 1/4
    assert s.bpcer_at_apcer == pytest.approx(0.25) and s.bpcer_at_apcer_threshold == pytest.approx(0.7)


def test_eer_of_a_constructed_score_set():
    """Bona fide ~ U(0.3, 1) and attacks ~ U(0, 0.7) on a fine grid: the curves cross at 0.5, EER = 2/7."""
    grid = np.linspace(0, 1, 701)[:-1] + 0.0005
    bona = 0.3 + 0.7 * grid
    attack = 0.7 * grid
    y = np.r_[np.ones(bona.size, int), np.zeros(attack.size, int)]
    s = summarize(y, np.r_[bona, attack], 0.5)
    # at threshold t in (0.3, 0.7): APCER = (0.7 − t)/0.7, BPCER = (t − 0.3)/0.7 → equal at t = 0.5: 0.2/0.7
    assert s.eer == pytest.approx(2 / 7, abs=2e-3)
    assert s.eer_threshold == pytest.approx(0.5, abs=2e-3)


def test_ties_switch_together():
    y = [0, 1, 0, 1]
    scores = [0.5, 0.5, 0.5, 0.5]  # every score tied: one operating point besides "accept nothing"
    s = summarize(y, scores, 0.5)
    assert s.eer == pytest.approx(0.5)
    assert (s.counts.tp, s.counts.fn, s.counts.fp, s.counts.tn) == (0, 2, 0, 2)
    rows = threshold_table(y, scores)
    assert len(rows) == 1 and rows[0]["APCER"] == 1.0 and rows[0]["BPCER"] == 0.0


def test_single_class_input_is_a_clear_error():
    with pytest.raises(ValueError, match="needs both bona fide and attack samples; y_true holds only bona fide"):
        summarize([1, 1, 1], [0.2, 0.5, 0.9], 0.5)
    with pytest.raises(ValueError, match="only attack"):
        threshold_table([0, 0], [0.1, 0.2])
    evaluation = score_items("spoof", "m", [LabelledItem("a", (), 1), LabelledItem("b", (), 1)], lambda it: 0.7,
                             0.5, "score")
    assert evaluation.summary is None and "only bona fide" in evaluation.problem


def test_threshold_table_and_metric_rows():
    rows = threshold_table(Y, S)
    assert [r["threshold"] for r in rows] == sorted(S)
    at_06 = next(r for r in rows if r["threshold"] == 0.6)
    assert at_06["APCER"] == pytest.approx(0.25) and at_06["BPCER"] == pytest.approx(0.25)
    assert at_06["accuracy"] == pytest.approx(0.75)
    names = [r["metric"] for r in metric_rows(summarize(Y, S, 0.5), VERIFY_ROWS)]
    for wanted in ("Accuracy", "Error rate", "Precision", "Recall", "F1", "FAR (seed eq. 14)", "FRR (seed eq. 15)",
                   "HTER", "APCER", "BPCER", "ACER", "EER", "BPCER@APCER=5%", "FAR (verification)"):
        assert wanted in names


def test_figures_are_plotly_figures_with_data():
    s = summarize(Y, S, 0.5)
    for fig in (roc_figure(Y, S, s), det_figure(Y, S, s), histogram_figure(Y, S, 0.5)):
        assert len(fig.data) >= 2


def _png(value: int) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(np.full((20, 20, 3), value, np.uint8)).save(buffer, format="PNG")
    return buffer.getvalue()


def test_labelled_folder_and_zip_layouts(tmp_path):
    for folder, n in (("bona_fide", 2), ("attack", 3)):
        (tmp_path / folder).mkdir()
        for i in range(n):
            (tmp_path / folder / f"{i}.png").write_bytes(_png(i))
    items = labelled_folder(tmp_path)
    assert sorted(i.label for i in items) == [0, 0, 0, 1, 1]
    with pytest.raises(ValueError, match="bona_fide"):
        labelled_folder(tmp_path / "attack")

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("set/bona_fide/a.png", _png(1))
        z.writestr("set/attack/b.png", _png(2))
    zipped = zip_items(buffer.getvalue(), "images")
    assert [(i.name, i.label) for i in zipped] == [("set/attack/b.png", 0), ("set/bona_fide/a.png", 1)]
    assert zipped[0].images()[0].shape == (20, 20, 3)


def test_spoof_pipeline_reports_unscorable_items(tmp_path):
    """A faceless image is kept with its error and left out of the metrics."""
    blank = tmp_path / "blank.png"
    blank.write_bytes(_png(128))
    result = evaluate_spoof([LabelledItem("blank.png", (blank,), 1)], family="human-antispoof")
    assert result.summary is None and result.failed[0].error.startswith("FaceError")


def test_evaluate_cli_over_a_generated_labelled_folder(sample_images, tmp_path):
    import subprocess
    import sys

    from xai.core.capture import prepare_source
    from xai.spoof.attacks.plan import simulate

    (tmp_path / "set" / "bona_fide").mkdir(parents=True)
    (tmp_path / "set" / "attack").mkdir()
    source = prepare_source(sample_images["obama.jpg"])
    Image.fromarray(source).save(tmp_path / "set" / "bona_fide" / "obama.png")
    Image.fromarray(simulate(source, "obama.jpg", "replay", 1, 0.8).image).save(tmp_path / "set" / "attack" / "r.png")
    out = tmp_path / "scores.csv"
    run = subprocess.run([sys.executable, "-m", "xai", "evaluate", "spoof", "--data", str(tmp_path / "set"),
                          "--spoof-model", "human-liveness", "--out", str(out)], capture_output=True, text=True,
                         timeout=300, cwd=__import__("pathlib").Path(__file__).resolve().parents[2])
    assert run.returncode == 0, run.stdout + run.stderr
    for name in ("APCER", "BPCER", "EER", "BPCER@APCER=5%", "confusion (positive = attack)"):
        assert name in run.stdout
    assert out.is_file() and (tmp_path / "scores_metrics.csv").is_file()
    (tmp_path / "single" / "attack").mkdir(parents=True)  # one class only: a clear error, exit status 2
    (tmp_path / "set" / "attack" / "r.png").rename(tmp_path / "single" / "attack" / "r.png")
    single = subprocess.run([sys.executable, "-m", "xai", "evaluate", "spoof", "--data", str(tmp_path / "single"),
                             "--spoof-model", "human-liveness"], capture_output=True, text=True, timeout=300,
                            cwd=__import__("pathlib").Path(__file__).resolve().parents[2])
    assert single.returncode == 2 and "needs both bona fide and attack samples" in single.stderr


# ------------------------------------------------------------------------------------------------- task table


def test_task_table_lookups_name_the_valid_tasks():
    from xai.tasks import EVALUATED, TASKS, evaluation_task, get_task

    assert list(TASKS) == ["spoof", "verify", "gates", "idcard"]
    assert EVALUATED == ("spoof", "verify", "idcard")
    with pytest.raises(ValueError, match="unknown task 'face'; choose one of: spoof, verify, gates, idcard"):
        get_task("face")
    # the gates are a task but are not scored over a labelled set
    with pytest.raises(ValueError, match="unknown task 'gates'; choose one of: spoof, verify, idcard"):
        evaluation_task("gates")
    assert get_task("verify").input_roles == ("probe", "gallery")
    assert all(TASKS[t].input_roles == ("image",) for t in ("spoof", "gates", "idcard"))
    assert get_task("verify").class_names == ("impostor pair", "genuine pair")
    assert get_task("gates").class_names is None and get_task("gates").evaluation is None
    assert {t: TASKS[t].default_model for t in TASKS} == {
        "spoof": "resnet18-cbam-regions", "verify": "dlib-resnet", "gates": None, "idcard": "idcard-vgg16-fft"}


def test_default_thresholds_and_layouts_per_task():
    from models.registry import model_class
    from xai.evaluation.items import IMAGES, PAIRS
    from xai.tasks import evaluation_task

    assert evaluation_task("spoof").default_threshold("resnet18-cbam-regions") == 0.5
    assert evaluation_task("idcard").default_threshold("idcard-vgg16-fft") == 0.5
    assert evaluation_task("verify").default_threshold("faceres") == float(model_class("faceres").threshold)
    assert [evaluation_task(t).layout for t in ("spoof", "verify", "idcard")] == [IMAGES, PAIRS, IMAGES]


def test_class_names_reach_the_rows_and_extra_rows_come_before_the_thresholds():
    from xai.tasks import evaluation_task

    verify = evaluation_task("verify")
    items = [LabelledItem("a", (), 1), LabelledItem("b", (), 0), LabelledItem("c", (), 1), LabelledItem("d", (), 0)]
    scores = {"a": 0.9, "b": 0.2, "c": 0.3, "d": 0.1}
    result = score_items("verify", "m", items, lambda it: scores[it.name], 0.25, "similarity",
                         class_names=verify.class_names)
    assert [(r["label"], r["decision"]) for r in result.rows()] == [
        ("genuine pair", "genuine pair"), ("impostor pair", "impostor pair"), ("genuine pair", "genuine pair"),
        ("impostor pair", "impostor pair")]
    names = [r["metric"] for r in metric_rows(result.summary, verify.extra_rows)]
    assert names[-5:] == ["FAR (verification)", "FRR (verification)", "HTER (verification)", "Threshold",
                          "EER threshold"]
    assert "FAR (verification)" not in [r["metric"] for r in metric_rows(result.summary)]
    # generic default: label 0 attack, 1 bona fide
    plain = score_items("spoof", "m", items, lambda it: scores[it.name], 0.25, "p")
    assert plain.rows()[1]["label"] == "attack" and plain.rows()[0]["decision"] == "bona fide"


def test_layouts_of_csv_zip_and_batches(tmp_path):
    from xai.evaluation.items import image_batch, load_items, pair_batch

    (tmp_path / "a.png").write_bytes(_png(10))
    (tmp_path / "b.png").write_bytes(_png(20))
    (tmp_path / "pairs.csv").write_text("probe,gallery,same\na.png,b.png,0\na.png,a.png,same\n")
    pairs = load_items(tmp_path / "pairs.csv", "pairs")
    assert [(p.name, p.label, len(p.paths)) for p in pairs] == [("a.png | b.png", 0, 2), ("a.png | a.png", 1, 2)]
    with pytest.raises(ValueError, match="verification needs a CSV"):
        load_items(tmp_path, "pairs")
    with pytest.raises(ValueError, match="unknown layout 'triples'; choose one of: images, pairs"):
        load_items(tmp_path / "pairs.csv", "triples")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("set/pairs.csv", "probe,gallery,same\na.png,b.png,1\n")
        z.writestr("set/a.png", _png(1))
        z.writestr("set/b.png", _png(2))
    zipped = zip_items(buffer.getvalue(), "pairs")
    assert [(i.name, i.label) for i in zipped] == [("a.png | b.png", 1)]
    assert [im.shape for im in zipped[0].images()] == [(20, 20, 3), (20, 20, 3)]
    assert pair_batch(tmp_path) == [("a__b", [tmp_path / "a.png", tmp_path / "b.png"]),
                                    ("a__a", [tmp_path / "a.png", tmp_path / "a.png"])]
    assert [name for name, _ in image_batch(tmp_path)] == ["a", "b"]
    assert image_batch(tmp_path / "a.png") == [("a", [tmp_path / "a.png"])]


def test_demo_sets_follow_the_label_convention():
    """spoof: each sample bona fide plus one simulated attack; verify: every pair, same = same identity."""
    from xai.core.samples import sample_index
    from xai.tasks import evaluation_task

    samples = sample_index()
    spoof = evaluation_task("spoof").demo_items()
    assert len(spoof) == 2 * len(samples) and sorted({i.label for i in spoof}) == [0, 1]
    assert all(i.name.startswith("bona_fide/") == (i.label == 1) for i in spoof)
    verify = evaluation_task("verify").demo_items()
    assert len(verify) == len(samples) * (len(samples) - 1) // 2
    identity = {s["file"]: s.get("identity") for s in samples}
    assert all(i.label == int(identity[i.paths[0].name] == identity[i.paths[1].name]) for i in verify)


def test_verification_over_sample_pairs_with_the_shipped_embedder():
    """The default verifier (dlib-resnet, Euclidean) on three sample pairs: the genuine Obama pair scores above both
    impostor pairs once the distance is negated."""
    from pathlib import Path

    from xai.tasks import evaluate, evaluation_task

    samples = Path(__file__).resolve().parents[2] / "assets" / "samples"
    items = [LabelledItem("o|o2", (samples / "obama.jpg", samples / "obama2.jpg"), 1),
             LabelledItem("o|b", (samples / "obama.jpg", samples / "biden.jpg"), 0),
             LabelledItem("o2|b", (samples / "obama2.jpg", samples / "biden.jpg"), 0)]
    result = evaluate("verify", items)
    assert result.model == "dlib-resnet" and result.score_name == "negated Euclidean distance" and not result.failed
    genuine, *impostors = (i.score for i in result.items)
    assert all(genuine > s for s in impostors) and genuine < 0
    assert result.summary.eer == 0.0
    assert result.summary.threshold == evaluation_task("verify").default_threshold("dlib-resnet") == -0.6


def test_batch_fields_carry_the_protocol_columns_and_folder_labels(tmp_path):
    from xai.evaluation.items import batch_fields, image_batch, pair_batch

    (tmp_path / "a.png").write_bytes(_png(10))
    (tmp_path / "b.png").write_bytes(_png(20))
    (tmp_path / "pairs.csv").write_text("probe,gallery,same,probe_age\na.png,b.png,0,31\na.png,a.png,same,\n")
    fields = batch_fields(tmp_path, pair_batch(tmp_path))
    assert fields == [{"same": "0", "probe_age": "31", "label": 0}, {"same": "same", "probe_age": "", "label": 1}]
    for folder, name in (("bona_fide", "x.png"), ("attack/print", "y.png"), ("other", "z.png")):
        (tmp_path / "set" / folder).mkdir(parents=True)
        (tmp_path / "set" / folder / name).write_bytes(_png(5))
    items = image_batch(tmp_path / "set")
    assert [(n, f) for (n, _), f in zip(items, batch_fields(tmp_path / "set", items), strict=True)] == [
        ("attack__print__y", {"label": 0}), ("bona_fide__x", {"label": 1}), ("other__z", {})]


def test_summarize_scored_keeps_failed_items_out_of_the_metrics():
    from xai.evaluation.scoring import ScoredItem, summarize_scored

    scored = [ScoredItem(str(i), y, s, s >= 0.5) for i, (y, s) in enumerate(zip(Y, S, strict=True))]
    result = summarize_scored("spoof", "m", [*scored, ScoredItem("bad", 1, None, None, "FaceError: no face")], 0.5,
                              "p")
    assert result.summary.n == 8 and result.failed[0].name == "bad"
    assert result.summary.eer == pytest.approx(0.25)  # as test_summary_matches_hand_computed_counts_and_rates
