"""Face verification: decision, FV-RISE / CorrRISE / similarity-CAM maps, soft biometrics, influencing factors."""

import math

import plotly.graph_objects as go
import streamlit as st

from models.base import ModelUnavailableError
from models.registry import DEFAULT_VERIFIER, names, verification_embedders
from ui.add_model import add_model_panel
from ui.calibration_panel import render_calibration
from ui.gate_strip import cached_gate_result, render_gate_strip_for
from ui.models import cached_model, model_key, page_model, session_models
from ui.report_button import report_button
from ui.result_cache import cached_result, cached_with_progress, result_key
from xai.core.faces import FaceError
from xai.core.images import UPLOAD_TYPES, ImageInputError
from xai.core.render import colorbar, overlay
from xai.core.samples import SAMPLES_DIR, sample_index
from xai.gates.report import gate_section
from xai.report.builder import ReportInput
from xai.verify.esb import describe_estimate, pair_soft_biometrics
from xai.verify.flip import find_flip
from xai.verify.influence import FACTORS, apply_factor
from xai.verify.inputs import decode_pair
from xai.verify.maps import (
    EXPLAINER_LABELS,
    cam_unavailable_reason,
    converging_map,
    direction_label,
    offered_explainers,
    pair_map,
    part_map,
    report_explainer,
    shown_map_name,
)
from xai.verify.panel import verification_panel_png
from xai.verify.pipeline import DEFAULT_PRECISION, DEFAULT_SAMPLING, MASK_CHOICES, default_masks, verify_pair
from xai.verify.report import assemble_verify_report, explained_side

LIVE_MAP_EVERY = 128  # masks between updates of the converging map
MODEL_KEY = "verify-model"  # the model selectbox's key ("Add your model" selects a model it added)

# Every cached result is keyed by the model's name *and* ui.models.model_key(name): the file a session uploaded
# under that name, or a registered user model's folder state, so results of another model never come back.


@cached_result("verifications")
def cached_verification(probe_bytes: bytes, gallery_bytes: bytes, model: str, model_id: str = ""):
    return verify_pair(*decode_pair(probe_bytes, gallery_bytes), model, loader=page_model)


def cached_map(probe_bytes: bytes, gallery_bytes: bytes, model: str, explainer: str, masks: int, seed: int,
               reverse: bool, early_stop: bool, sampling: str, precision: str, progress=None):
    """The shown map and its faithfulness, computed once per inputs and parameters (progress is drawn only then)."""
    model_id = model_key(model)
    key = result_key(probe_bytes, gallery_bytes, model, model_id, explainer, masks, seed, reverse, early_stop,
                     sampling, precision)
    return cached_with_progress("verification-maps", key, lambda: pair_map(
        cached_verification(probe_bytes, gallery_bytes, model, model_id), explainer, masks, seed=seed,
        reverse=reverse, early_stop=early_stop, sampling=sampling, precision=precision, loader=page_model,
        progress=progress))


@cached_result("verification-parts")
def cached_parts(probe_bytes: bytes, gallery_bytes: bytes, model: str, reverse: bool, model_id: str = ""):
    return part_map(cached_verification(probe_bytes, gallery_bytes, model, model_id), reverse=reverse,
                    loader=page_model)


@cached_result("verification-esb")
def cached_esb(probe_bytes: bytes, gallery_bytes: bytes, faces, estimators: str = ""):
    """``estimators``: the estimators and their model keys, so a user estimator registered later is shown."""
    return pair_soft_biometrics(*decode_pair(probe_bytes, gallery_bytes), loader=cached_model, faces=faces)


@cached_result("verification-flips")
def cached_flip(probe_bytes: bytes, gallery_bytes: bytes, model: str, factor: str, model_id: str = ""):
    return find_flip(cached_verification(probe_bytes, gallery_bytes, model, model_id), factor, loader=page_model)


st.title("Face verification")
st.caption("Explainable face verification after the XAIface demonstrator (seed 001).")
st.info("**The shipped verifiers are demonstrations, not audit targets.** The default, `dlib-resnet`, separated "
        "real people best of the shipped ones (AUC 0.990 on 71 real photos of 36 people: too few to be an error "
        "rate; see its card); it is a black box, so its maps use fewer masks. `faceres` comes from an age/gender "
        "network (AUC 0.899; threshold 0.52 = the 1 % false-match point there). To audit the model you are "
        "given, open **Add your model** below and upload its ONNX or TorchScript file with a spec; it is held "
        "in this session's memory only.", icon=":material/info:")
with st.expander("How this works", icon=":material/school:"):
    st.markdown(
        "1. **Decision.** Each face is found, aligned the way its model was trained, and embedded; the pair's "
        "score is the cosine similarity of the embeddings (dlib: its Euclidean distance), compared with the "
        "model's threshold (its origin is in the model card).\n"
        "2. **FV-RISE.** Thousands of random masks (a coarse s×s grid, kept with probability p, smoothly "
        "upsampled) hide parts of the probe; each masked probe is compared with the gallery. Masks that score "
        "above the centre vote for the pixels they keep: $\\mathrm{sal}(x) = \\sum_i (s_i - c)\\,m_i(x) / (N p)$. "
        "The positive part is the **similarity** map (shown for an acceptance), the negative part the "
        "**dissimilarity** map (shown for a rejection). With $c$ = the unmasked score this is exactly the seed's "
        "grouping of masks above/below the reference score; the default $c$ = mean masked score converges faster. "
        "Sobol sampling (default) spreads the masks' cells evenly, so fewer masks give the same map.\n"
        "3. **CorrRISE.** Random square patches hide the probe; the map is the per-pixel Pearson correlation "
        "between 'pixel visible' and the similarity: positive = similar regions, negative = dissimilar.\n"
        "4. **Similarity Grad-CAM** (differentiable models): Grad-CAM with the cosine similarity as the target.\n"
        "5. **Face-part occlusion.** Each face part (forehead, eyebrows, eyes, nose, cheeks, mouth, chin) is "
        "hidden in turn; green parts support the decision (hiding them moves the score against it), magenta "
        "parts oppose it.\n"
        "6. **Faithfulness.** Deletion/insertion curves of the similarity in map order: a faithful map lowers "
        "the similarity fast when its pixels are removed.\n\n"
        "**What it cannot tell.** Maps show where the *model* is sensitive, not why two people look alike; "
        "random-mask maps are estimates whose noise shrinks with more masks (same seed ⇒ same map; on a CPU "
        "with native bfloat16 the masked faces are scored in bf16 when the first masks' map agrees with fp32 "
        "(r ≥ 0.999); each map's caption names the precision and the check)."
    )

add_model_panel("embedder", MODEL_KEY)  # before the sidebar: a model added now is offered in this run

samples = [s["file"] for s in sample_index()]
with st.sidebar:
    st.header("Faces")
    probe_upload = st.file_uploader("Probe photo", type=UPLOAD_TYPES)
    probe_sample = st.selectbox("…or probe sample", samples, index=0, disabled=probe_upload is not None)
    gallery_upload = st.file_uploader("Gallery photo", type=UPLOAD_TYPES)
    gallery_sample = st.selectbox("…or gallery sample", samples, index=min(1, len(samples) - 1),
                                  disabled=gallery_upload is not None)
    st.header("Explanation")
    uploaded = list(session_models("embedder"))
    model_names = [*verification_embedders(), *uploaded]
    if st.session_state.get(MODEL_KEY) not in model_names:
        st.session_state.pop(MODEL_KEY, None)  # a model forgotten or removed: back to the default
    model = st.selectbox("Model", model_names, key=MODEL_KEY,
                         index=model_names.index(DEFAULT_VERIFIER) if DEFAULT_VERIFIER in model_names else 0,
                         format_func=lambda n: f"{n} (uploaded)" if n in uploaded else n,
                         help=f"{DEFAULT_VERIFIER} is the default: of the shipped verifiers it separated real "
                              "people best (see its card).")
    try:
        cam_reason = cam_unavailable_reason(model, page_model)
    except (ModelUnavailableError, ValueError) as exc:
        st.error(str(exc))
        st.stop()
    offered = offered_explainers(model, page_model)
    if "verify-explainers" in st.session_state:  # keep the choice, minus what this model does not offer
        st.session_state["verify-explainers"] = [e for e in st.session_state["verify-explainers"] if e in offered]
    explainers = st.multiselect("Explainers", offered, key="verify-explainers", format_func=EXPLAINER_LABELS.get,
                                default=None if "verify-explainers" in st.session_state else ["fv-rise", "regions"])
    if cam_reason:
        st.checkbox(EXPLAINER_LABELS["cam"], value=False, disabled=True, key="verify-cam-unavailable",
                    help=f"Unavailable for {model}: {cam_reason}")
        st.caption(f"{EXPLAINER_LABELS['cam']} unavailable: {cam_reason}.")
    slow_help = "" if not page_model(model).slow_ms_per_face else (
        f"{model} takes about {page_model(model).slow_ms_per_face:.0f} ms per masked face on a 2-core CPU, so its "
        "default is the largest count that takes under half a minute.")
    mask_counts = {
        "fv-rise": st.select_slider("FV-RISE masks N", MASK_CHOICES["fv-rise"],
                                    value=default_masks("fv-rise", page_model(model)), help=slow_help or None),
        "corr-rise": st.select_slider("CorrRISE masks N", MASK_CHOICES["corr-rise"],
                                      value=default_masks("corr-rise", page_model(model)), help=slow_help or None),
    }
    sampling = st.radio("FV-RISE mask sampling", ["sobol", "random"], horizontal=True,
                        index=["sobol", "random"].index(DEFAULT_SAMPLING),
                        help="Sobol: quasi-random cells, the map converges with fewer masks; random: i.i.d. as RISE.")
    precision = st.radio("Scoring precision", ["auto", "fp32"], horizontal=True,
                         index=["auto", "fp32"].index(DEFAULT_PRECISION),
                         help="auto: bfloat16 only on a CPU with native bf16 and when the first masks give the "
                              "same map as fp32 (Pearson r ≥ 0.999); the caption says which was used.")
    seed = st.number_input("Seed", 0, 2**31 - 1, 0)
    early_stop = st.checkbox("Stop early when the map stops changing", value=False)
    both_ways = st.checkbox("Also explain gallery → probe", value=False)

if not samples and (probe_upload is None or gallery_upload is None):
    st.info("Upload two photos, or run the set-up to fetch the samples.")
    st.stop()
probe_bytes = probe_upload.getvalue() if probe_upload else (SAMPLES_DIR / probe_sample).read_bytes()
gallery_bytes = gallery_upload.getvalue() if gallery_upload else (SAMPLES_DIR / gallery_sample).read_bytes()

try:
    with st.spinner("Detecting, aligning and embedding both faces…"):
        result = cached_verification(probe_bytes, gallery_bytes, model, model_key(model))
except (ImageInputError, FaceError, ModelUnavailableError, ValueError) as exc:
    st.error(str(exc))
    st.stop()

relation = "≥" if result.metric == "cosine" else "≤"
has_threshold = math.isfinite(result.threshold)
head = st.columns(4)
head[0].metric("Decision", ("same person" if result.same_person else "different people") if has_threshold
               else "no threshold")
head[1].metric(f"Score ({result.metric})", f"{result.native_score:.3f}")
head[2].metric("Threshold", f"{relation} {result.threshold:.4g}" if has_threshold else "no threshold")
head[3].metric("Cosine similarity", f"{result.cosine:.3f}")
if not has_threshold:
    st.warning(f"**{result.model} has no decision threshold yet** (its spec says threshold = \"calibrate\"), so "
               "this pair is neither accepted nor rejected: read the score and the maps only. Calibrate it on your "
               f"own labelled photos: `python -m xai models add SPEC`, then `python -m xai calibrate verify --data "
               f"DIR --model {result.model} --fmr 0.01`, or give the spec a numeric threshold.",
               icon=":material/warning:")

# --- calibration: the threshold's origin, calibrated confidence, DET and histograms (ui/calibration_panel.py) ---
render_calibration(result)
# --- end of calibration ---
faces = st.columns(2)
faces[0].image(result.probe_crop, caption="probe (model input)", width=260)
faces[1].image(result.gallery_crop, caption="gallery (model input)", width=260)
with faces[0]:
    render_gate_strip_for(probe_bytes, "Probe: quality gates (seed 002)", faces=result.probe_faces)
with faces[1]:
    render_gate_strip_for(gallery_bytes, "Gallery: quality gates (seed 002)", faces=result.gallery_faces)

panel_tiles = [result.probe_crop, result.gallery_crop]
if explainers:
    st.subheader("Explanations")
    st.image(colorbar(260, 12), caption="map colour scale: 0 (blue) → 1 (red)", width=260)
    directions = [False, True] if both_ways else [False]
    columns = st.columns(max(4, len(explainers) * len(directions)))
    index = 0
    for explainer in explainers:
        for reverse in directions:
            label = direction_label(explainer, reverse)
            if explainer == "regions":
                parts = cached_parts(probe_bytes, gallery_bytes, model, reverse, model_key(model))
                panel_tiles.append(parts.picture)
                with columns[index]:
                    st.image(parts.picture, caption=f"{label}: green supports, magenta opposes the decision",
                             width="stretch")
                    bars = go.Figure(go.Bar(
                        x=[p.delta_one for p in parts.parts], y=[p.part for p in parts.parts], orientation="h",
                        marker_color=["#1eaa3c" if supports else "#c81ec8" for supports in parts.supports]))
                    bars.update_layout(title="Δ similarity when hidden", height=260,
                                       margin=dict(t=30, b=20, l=10, r=10))
                    st.plotly_chart(bars, width="stretch")
                index += 1
                continue
            crop = result.gallery_crop if reverse else result.probe_crop
            with columns[index]:
                live = st.empty()
            bar = st.progress(0.0, text=f"{label}: sampling masks…") if explainer != "cam" else None
            last_shown = [0]

            def report(done, total, current, bar=bar, label=label, live=live, crop=crop, last_shown=last_shown):
                bar.progress(min(done / total, 1.0), text=f"{label}: {done}/{total} masks")
                if done - last_shown[0] >= LIVE_MAP_EVERY or done == total:  # the map as it converges
                    last_shown[0] = done
                    live.image(overlay(crop, converging_map(result, current)),
                               caption=f"{label}: {done} masks so far…", width="stretch")

            masks = mask_counts.get(explainer, 0)
            shown = cached_map(probe_bytes, gallery_bytes, model, explainer, masks, int(seed), reverse, early_stop,
                               sampling, precision, progress=report if bar else None)
            if bar:
                bar.empty()
            live.empty()
            picture = overlay(crop, shown.shown)
            panel_tiles.append(picture)
            with columns[index]:
                st.image(picture, caption=f"{label}: {shown_map_name(result, explainer)}", width="stretch")
                curves = shown.curves
                st.caption(f"deletion AUC {curves.deletion_auc:.3f} · insertion AUC {curves.insertion_auc:.3f}"
                           + (f" · {shown.how}" if shown.how else ""))
                if shown.dissimilarity is not None:
                    with st.expander("both maps"):
                        st.image(overlay(crop, shown.similarity), caption="similarity", width="stretch")
                        st.image(overlay(crop, shown.dissimilarity), caption="dissimilarity", width="stretch")
            index += 1
    st.download_button("Download faces and maps (PNG)", verification_panel_png(panel_tiles),
                       file_name="verification.png", mime="image/png")

st.subheader("Soft biometrics (ESB)")
with st.spinner("Estimating age and gender…"):
    esb_rows = cached_esb(probe_bytes, gallery_bytes, (result.probe_face, result.gallery_face),
                          "|".join(f"{n}:{model_key(n)}" for n in names("estimator")))
st.table([{"estimator": r.estimator, "probe": describe_estimate(r.probe),
           "gallery": describe_estimate(r.gallery),
           "agree": "yes" if r.agrees else "no"} for r in esb_rows])
st.caption("Agreement: same gender and estimated ages within 10 years. Estimates of appearance, not facts.")

st.subheader("Influencing factors")
factor_columns = st.columns([1, 1, 2])
factor = factor_columns[0].selectbox("Factor applied to the probe", list(FACTORS))
strength = factor_columns[0].slider("Strength", 0.0, 1.0, 0.5, 0.1)
factor_columns[1].image(apply_factor(result.probe_crop, factor, strength), caption=f"{factor} at {strength:.1f}",
                        width=200)
flip = cached_flip(probe_bytes, gallery_bytes, model, factor, model_key(model))
sweep = flip.sweep
figure = go.Figure(go.Scatter(x=sweep.strengths, y=sweep.native, mode="lines+markers", name=result.metric))
if has_threshold:
    figure.add_hline(y=result.threshold, line_dash="dash", annotation_text="threshold")
figure.update_layout(title=f"{result.metric} vs {factor} strength", xaxis_title="strength", height=300,
                     margin=dict(t=40, b=30, l=30, r=10))
factor_columns[2].plotly_chart(figure, width="stretch")
if not has_threshold:
    st.caption("No threshold: the score's response to the factor is shown, but no decision can flip.")
else:
    st.caption("The decision never changes over this sweep." if flip.flips_at is None else
               f"The decision flips at strength {flip.flips_at:.1f}.")


rise = report_explainer(explainers)  # reports use a RISE map
report_inputs = (ReportInput(probe_upload.name if probe_upload else probe_sample, "probe", probe_bytes),
                 ReportInput(gallery_upload.name if gallery_upload else gallery_sample, "gallery", gallery_bytes))
report_button("verify", lambda: assemble_verify_report(  # the pair, maps and gate strips shown above (cached)
    *report_inputs, result,
    [explained_side(cached_map(probe_bytes, gallery_bytes, model, rise, mask_counts[rise], int(seed), reverse,
                               early_stop, sampling, precision)) for reverse in ([False, True] if both_ways else [False])],
    gate_section(report_inputs, [cached_gate_result(probe_bytes, result.probe_faces),
                                 cached_gate_result(gallery_bytes, result.gallery_faces)]),
    explainer=rise, n_masks=mask_counts[rise], seed=int(seed), sampling=sampling, precision=precision,
    early_stop=early_stop, loader=page_model), "audit-verify",
    fingerprint=f"{hash(probe_bytes)}|{hash(gallery_bytes)}|{model}|{model_key(model)}|{rise}|{mask_counts}|{seed}|{sampling}|{precision}|"
                f"{both_ways}|{early_stop}")
