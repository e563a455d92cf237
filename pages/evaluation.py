"""Evaluation: a pipeline over a labelled set — every metric of the seeds, ROC/DET curves, histograms, ESB Table I."""

from pathlib import Path

import pandas as pd
import streamlit as st

from models.base import ModelUnavailableError
from ui.models import cached_model
from ui.result_cache import result_key
from xai.batch.jobs import batch_running, open_batch
from xai.evaluation.figures import confusion_figure, det_figure, histogram_figure, roc_figure
from xai.evaluation.summary import metric_rows, threshold_table
from xai.evaluation.tables import csv_text
from xai.tasks import EVALUATED, TASKS, evaluation_task
from xai.verify.evaluate import esb_rows

PIPELINES = {**{name: TASKS[name].title for name in EVALUATED},
             "esb": "Soft biometrics by FV outcome (ESB, seed 001 Table I)"}
SOURCES = {"demo": "Demo set built from the samples", "zip": "Upload a ZIP", "path": "Folder or CSV on the server"}
MODES = {"run": "Run an evaluation here", "batch": "Open a batch output folder"}
FOLLOW_EVERY_S = 5  # how often a running batch's folder is re-read


def show_scores(result, extra_rows, key: str) -> None:
    """Headline numbers, metric table, confusion matrix, histogram, ROC, DET, per-threshold and per-item tables."""
    names_ = result.class_names
    s = result.summary
    head = st.columns(5)
    head[0].metric("Accuracy", f"{s.report.accuracy:.3f}")
    head[1].metric("HTER / ACER", f"{s.report.acer:.3f}")
    head[2].metric("EER", f"{s.eer:.3f}", help=f"at threshold {s.eer_threshold:.4g}")
    head[3].metric(f"BPCER@APCER={s.apcer_target:.0%}", f"{s.bpcer_at_apcer:.3f}")
    head[4].metric("Items scored", s.n, help=f"{s.n_bona_fide} {names_[1]}, {s.n_attack} {names_[0]}")
    rows = metric_rows(s, extra_rows)
    st.subheader("Metrics")
    st.table(pd.DataFrame([{"metric": r["metric"], "value": f"{r['value']:.4f}", "definition": r["definition"]}
                           for r in rows]))
    y, scores = result.arrays()
    charts = st.columns(2)
    charts[0].plotly_chart(confusion_figure(s, names_), width="stretch", key=f"{key}-confusion")
    charts[1].plotly_chart(histogram_figure(y, scores, s.threshold, names_), width="stretch", key=f"{key}-histogram")
    charts = st.columns(2)
    charts[0].plotly_chart(roc_figure(y, scores, s), width="stretch", key=f"{key}-roc")
    charts[1].plotly_chart(det_figure(y, scores, s), width="stretch", key=f"{key}-det")
    st.subheader("Per threshold")
    thresholds = threshold_table(y, scores)
    st.dataframe(pd.DataFrame(thresholds), hide_index=True, width="stretch", height=260)
    st.subheader("Per item")
    st.dataframe(pd.DataFrame(result.rows()), hide_index=True, width="stretch", height=260)
    downloads = st.columns(3)
    downloads[0].download_button("Download metrics (CSV)", csv_text(rows), file_name=f"metrics-{result.task}.csv",
                                 mime="text/csv", key=f"{key}-metrics-csv")
    downloads[1].download_button("Download per-threshold table (CSV)", csv_text(thresholds),
                                 file_name=f"thresholds-{result.task}.csv", mime="text/csv", key=f"{key}-thr-csv")
    downloads[2].download_button("Download per-item scores (CSV)", csv_text(result.rows()),
                                 file_name=f"scores-{result.task}.csv", mime="text/csv", key=f"{key}-items-csv")


def show_batch(folder: str) -> None:
    """A batch output folder (``python -m xai explain --out`` / ``evaluate --store``): progress and results."""
    try:
        view = open_batch(folder)
    except (ValueError, OSError) as exc:
        st.error(str(exc))
        return
    m, p = view.manifest, view.progress
    state = "finished" if p.finished else "running (or interrupted: resume it with --resume)"
    st.markdown(f"**{TASKS[m['task']].title}** · `{m['kind']}` of `{m.get('source', '')}` · {state}")
    st.progress((p.done + p.failed) / max(p.total, 1),
                text=f"{p.done} done · {p.failed} failed · {p.remaining} to do · {p.total} in all")
    if view.failures:
        st.warning(f"{len(view.failures)} item(s) failed (listed in failed.json): "
                   + "; ".join(f"{f['name']}: {f['error']}" for f in view.failures[:10]))
    with st.expander("Parameters and items", icon=":material/list:"):
        st.json(m.get("parameters", {}), expanded=False)
        st.dataframe(pd.DataFrame(view.rows), hide_index=True, width="stretch", height=260)
    for title, rows in view.tables.items():
        st.subheader(title)
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
        st.download_button(f"Download {title.split(':')[0]} (CSV)", csv_text(rows), file_name="batch-table.csv",
                           mime="text/csv", key=f"batch-table-{title}")
    result = view.evaluation
    if result is None:
        st.info("No metrics: the batch's items carry no labels (metrics need `evaluate --store`, a labelled "
                "folder, or a pair CSV with a `same` column).")
    elif result.summary is None:
        st.error(f"No metrics yet: {result.problem}")
    else:
        st.markdown(f"Metrics of {len(result.scored)} labelled item(s) done so far · score: {result.score_name}")
        show_scores(result, evaluation_task(m["task"]).extra_rows, "batch")


def follow_batch(folder: str, follow: bool) -> None:
    """:func:`show_batch`, re-run alone every :data:`FOLLOW_EVERY_S` s while the batch runs (``follow``); the
    page reruns whole once the batch has finished, so the refreshing stops."""
    running = follow and batch_running(folder)

    @st.fragment(run_every=FOLLOW_EVERY_S if running else None)
    def live() -> None:
        show_batch(folder)
        if running and not batch_running(folder):
            st.rerun(scope="app")

    live()


st.title("Evaluation")
st.caption("Run a pipeline over a labelled set: the seeds' metrics, confusion matrix, ROC and DET curves, score "
           "histograms and a per-threshold table, all downloadable as CSV.")
with st.expander("How this works", icon=":material/school:"):
    st.markdown(
        "Every item gets a **bona fide score** (higher = more likely bona fide): a spoof model's bona fide "
        "probability, a verification pair's similarity (a distance is negated), an ID-card model's 1 − p(spoof). "
        "An item is accepted as bona fide when score ≥ threshold. Label 1 = bona fide (genuine presentation, "
        "same-person pair, genuine card), 0 = attack (presentation attack, impostor pair, screen recapture).\n\n"
        "**Seed 000, eqs. 9–16** (positive class = attack): accuracy $=(TP+TN)/N$, error rate $=(FP+FN)/N$, "
        "precision $=TP/(TP+FP)$, recall $=TP/(TP+FN)$, $F_1 = 2PR/(P+R)$, FAR $=FP/(FP+TN)$ and FRR "
        "$=FN/(FN+TP)$ *as the seed prints them* (its FAR counts bona fide samples rejected), "
        "HTER $=(\\mathrm{FAR}+\\mathrm{FRR})/2$.\n\n"
        "**ISO/IEC 30107-3**: APCER = attack presentations accepted as bona fide / attack presentations; BPCER = "
        "bona fide presentations rejected / bona fide presentations; ACER $=(\\mathrm{APCER}+\\mathrm{BPCER})/2$; "
        "BPCER@APCER = the lowest BPCER whose APCER does not exceed the target (e.g. 5 %). For verification, "
        "APCER is the usual FAR (impostor pairs accepted) and BPCER the FRR (genuine pairs rejected).\n\n"
        "**EER**: the rate where APCER = BPCER, interpolated linearly between the two ROC points around the "
        "crossing. **ROC**: 1 − BPCER against APCER at every distinct score; **DET**: BPCER against APCER on "
        "normal-deviate axes. Tied scores switch together (one operating point). Undefined ratios (0/0) are "
        "NaN; a set with a single class gives a clear error, because EER and curves need both.\n\n"
        "**ESB table** (seed 001 Table I): gender accuracy and age MAE of each soft-biometric estimator, "
        "grouped by the verification outcome FV-TP / FN / FP / TN; needs ground-truth ages/genders in the CSV.\n\n"
        "**What it cannot tell.** Metrics are only as good as the set: the demo set is five portraits and "
        "simulated attacks that the region models were trained on (optimistic), a handful of items gives wide "
        "uncertainty, and no number here is an ISO/IEC 30107-3 evaluation of a product."
    )

with st.sidebar:
    mode = st.radio("Show", list(MODES), format_func=MODES.get, horizontal=True)
if mode == "batch":
    with st.sidebar:
        folder = st.text_input("Batch output folder", placeholder="/data/protocol-out",
                               help="The --out folder of `python -m xai explain`, or the --store folder of "
                                    "`python -m xai evaluate`; it may still be running.")
        follow = st.toggle("Follow a running batch", value=True,
                           help=f"Re-read the folder every {FOLLOW_EVERY_S} s until the batch has finished.")
        st.button("Refresh", icon=":material/refresh:")
    if not folder:
        st.info("Give the output folder of a batch (`python -m xai explain … --out DIR`) in the sidebar.")
    else:
        follow_batch(folder, follow)
    st.stop()

with st.sidebar:
    st.header("Pipeline")
    task = st.selectbox("Pipeline", list(PIPELINES), format_func=PIPELINES.get)
    evaluation = evaluation_task("verify" if task == "esb" else task)  # ESB scores verification pairs
    model = st.selectbox(evaluation.model_role, evaluation.models(), format_func=evaluation.model_title)
    st.header("Labelled set")
    source_options = ["path"] if task == "esb" else list(SOURCES)
    source = st.radio("Source", source_options, format_func=SOURCES.get)
    upload = path = None
    if source == "zip":
        upload = st.file_uploader("ZIP with bona_fide/ and attack/ folders, or a CSV (image,label / "
                                  "probe,gallery,same) and its images", type=["zip"])
    elif source == "path":
        path = st.text_input("Folder or CSV", placeholder="/data/pad-test or /data/pairs.csv",
                             help="A folder with bona_fide/ and attack/ sub-folders, or a CSV: image,label; "
                                  "verify and ESB: probe,gallery,same (ESB also probe_age, probe_gender, …).")
    if task != "esb":
        st.header("Operating point")
        threshold = st.number_input("Threshold (accept as bona fide when score ≥ it)",
                                    value=evaluation.default_threshold(model), step=0.01,
                                    format="%.4f")
        apcer_target = st.select_slider("APCER target of BPCER@APCER", [0.01, 0.05, 0.1, 0.2], value=0.05,
                                        format_func=lambda v: f"{v:.0%}")

config = (task, model, source, upload.file_id if upload is not None else None, path,
          None if task == "esb" else (threshold, apcer_target))
slot = "evaluation-" + result_key(*config)[:16]  # this session's run (it starts only with the button)
if st.button("Run the evaluation", type="primary", icon=":material/play_arrow:"):
    bar = st.progress(0.0, text="Preparing the labelled set…")

    def advance(done: int, total: int, name: str) -> None:
        bar.progress(min(done / max(total, 1), 1.0), text=f"{done}/{total} · {name}")

    try:
        if task == "esb":
            if not path:
                raise ValueError("Give the path of a pair CSV (probe, gallery, same, probe_age, …).")
            from xai.verify.esb import evaluate_esb

            cells, pairs = evaluate_esb(path, model=model, loader=cached_model,
                                        progress=lambda done, total: advance(done, total, "pairs"))
            st.session_state[slot] = ("esb", cells, pairs)
        else:
            if source == "demo":
                items = evaluation.demo_items()
            elif source == "zip":
                if upload is None:
                    raise ValueError("Upload a ZIP first.")
                items = evaluation.zip_items(upload.getvalue())
            else:
                if not path:
                    raise ValueError("Give a folder or CSV path.")
                items = evaluation.load_items(Path(path).expanduser())
            st.session_state[slot] = ("scores", evaluation.run(items, model, threshold, apcer_target,
                                                               loader=cached_model, progress=advance))
    except (ValueError, FileNotFoundError, ModelUnavailableError) as exc:
        st.error(str(exc))
    bar.empty()

outcome = st.session_state.get(slot)
if outcome is None:
    st.info("Choose a pipeline and a labelled set in the sidebar, then run the evaluation.")
    st.stop()

if outcome[0] == "esb":
    _kind, cells, pairs = outcome
    st.subheader("ESB: soft biometrics by face-verification outcome (Table I)")
    table = pd.DataFrame(esb_rows(cells))
    st.dataframe(table, hide_index=True, width="stretch")
    st.download_button("Download the ESB table (CSV)", csv_text(esb_rows(cells)), file_name="esb-table.csv",
                       mime="text/csv")
    failed = [p for p in pairs if "error" in p]
    if failed:
        st.warning(f"{len(failed)} pair(s) skipped: " + "; ".join(f"{p['probe']} / {p['gallery']}: {p['error']}"
                                                                   for p in failed))
    st.stop()

result = outcome[1]
st.markdown(f"**{PIPELINES[result.task]}** with `{result.model}` · score: {result.score_name} · "
            f"{len(result.scored)} of {len(result.items)} item(s) scored")
if result.failed:
    st.warning(f"{len(result.failed)} item(s) could not be scored: "
               + "; ".join(f"{i.name}: {i.error}" for i in result.failed[:10]))
if result.summary is None:
    st.error(f"No metrics: {result.problem}")
    st.dataframe(pd.DataFrame(result.rows()), hide_index=True)
    st.stop()

show_scores(result, evaluation_task(result.task).extra_rows, "run")
