"""Face anti-spoofing: region-wise Grad-CAM explanations, masking, confidence drop, SSIM (seed 000)."""

import json

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from models.base import ModelUnavailableError
from models.heldout import demo_badge
from ui.add_model import add_model_panel
from ui.face_photo import face_photo_input
from ui.gate_strip import cached_gate_result, render_gate_strip_for
from ui.models import model_key, page_model, session_models
from ui.report_button import report_button
from ui.result_cache import cached_result
from xai.core.faces import FaceError
from xai.core.images import ImageInputError, decode_image
from xai.core.render import colorbar, overlay
from xai.explain.cam import CAM_LABELS, CAM_METHODS
from xai.explain.faithfulness import DEFAULT_CURVE_STEPS, DEFAULT_MASK_TOP_PERCENT
from xai.gates.report import gate_section
from xai.report.builder import ReportInput
from xai.spoof.defaults import default_family, family_warning
from xai.spoof.explain import explain_spoof, explanation_to_dict, family_label, family_units, spoof_families
from xai.spoof.panel import spoof_panel_png
from xai.spoof.report import assemble_spoof_report

REGION_LAYERS = ["layer4.1", "layer4.0", "layer3.1", "layer2.1"]
MODEL_KEY = "spoof-family"  # the model selectbox's key ("Add your model" selects a model it added)


# Results are keyed by the family *and* ui.models.model_key of each unit (the file a session uploaded under that
# name, or a registered user model's folder state), so results of another model never come back.
@cached_result("spoof-explanations")
def cached_explanation(image_bytes: bytes, family: str, cam: str, layer: str | None, mask_top: float, steps: int,
                       model_id: str = ""):
    return explain_spoof(decode_image(image_bytes), family=family, cam_method=cam, mask_top_percent=mask_top,
                         curve_steps=steps, target_layer=layer, loader=page_model)


@cached_result("spoof-panels", spinner="Drawing the panel…")
def cached_panel(image_bytes: bytes, family: str, cam: str, layer: str | None, mask_top: float, steps: int,
                 model_id: str = "") -> bytes:
    return spoof_panel_png(cached_explanation(image_bytes, family, cam, layer, mask_top, steps, model_id))


st.title("Face anti-spoofing")
st.caption("Region-wise explainable presentation-attack detection after Karthika & Padmavathi (seed 000).")

with st.expander("How this works", icon=":material/school:"):
    st.markdown(
        "1. **Regions.** MediaPipe Face Mesh finds 468 landmarks; the face is rotated about the eye midpoint so the "
        "eyes are level, contrast is equalised with CLAHE, and landmark-guided crops of the full face, eyes, nose "
        "and mouth are resized to 224×224.\n"
        "2. **Decision.** One ResNet18 with CBAM attention per region gives softmax probabilities; the confidence is "
        "$S_i = \\max \\operatorname{softmax}(f_{\\theta_i}(R_i))$ (eq. 4). Labels: 0 = spoof, 1 = genuine.\n"
        "3. **Heatmap.** Grad-CAM weighs each feature map $A^k$ of the last block by its average gradient, "
        "$\\alpha_k^c = \\frac{1}{uv}\\sum_{ij} \\partial y^c / \\partial A^k_{ij}$, and keeps the positive part of "
        "$\\sum_k \\alpha_k^c A^k$ (eqs. 7–8). Grad-CAM++, Score-CAM, Eigen-CAM and LayerCAM are variants.\n"
        "4. **Masking.** The top-k % most activated pixels are set to zero, $R_i^{masked} = M(R_i, H_i)$ (eq. 5), "
        "and the model runs again: the confidence drop $\\Delta S_i = S_i - S_i^{masked}$ (eq. 6) measures how much "
        "the decision relied on them. SSIM compares the heatmap before and after masking (Table 4): high SSIM "
        "means the model finds similar evidence elsewhere. Caveat: black pixels are themselves an artefact the model "
        "never saw in training, so part of a large ΔS can be its reaction to the mask rather than to the lost "
        "evidence — compare with the insertion curve, which reveals pixels instead of hiding them.\n"
        "5. **Faithfulness.** Deletion removes pixels in heatmap order and insertion reveals them on a blurred "
        "image; a faithful heatmap makes the score fall fast (low deletion AUC) and rise fast (high insertion AUC).\n\n"
        "**What it cannot tell.** A heatmap shows where the score is sensitive, not which artefact the model saw. "
        "The region models here were trained on *simulated* attacks (print, replay, moiré, curved print, cut-out, "
        "low-resolution recapture) of real photos from registry packages (see their card): they are a teaching "
        "demonstration, not a presentation-attack detector. Each decision shows the model's held-out error rates "
        "(real faces of people it never saw, and simulated attacks of them); real attacks will differ. Human "
        "antispoof detects computer-generated faces, not print or replay attacks."
    )
st.info("**The shipped spoof models are demonstrations**: the region models were trained here on simulated "
        "attacks of 67 real photos (26 people, held-out people measured separately), and the Human models on other "
        "attack types; none is a certified presentation-attack detector. To audit the liveness model you are given, open **Add your model** below "
        "and upload its ONNX or TorchScript file with a spec; it is held in this session's memory only.",
        icon=":material/info:")
add_model_panel("spoof", MODEL_KEY)  # before the sidebar: a model added now is offered in this run

with st.sidebar:
    photo = face_photo_input()
    st.header("Explanation")
    uploaded = list(session_models("spoof"))
    families = list(spoof_families(uploaded))
    if st.session_state.get(MODEL_KEY) not in families:
        st.session_state.pop(MODEL_KEY, None)  # a model forgotten or removed: back to the default
    start = default_family()
    family = st.selectbox("Model", families, key=MODEL_KEY, index=families.index(start) if start in families else 0,
                          format_func=lambda f: f"{f} (uploaded)" if f in uploaded else family_label(f),
                          help=f"The default ({start}) is the shipped family whose deciding model had the lowest "
                               "held-out HTER on real faces and simulated attacks of them (see the cards).")
    try:
        unit_models = [page_model(name) for _unit, name in family_units(family, page_model)]
    except (ModelUnavailableError, ValueError) as exc:
        st.error(str(exc))
        st.stop()
    cam_reason = next((str(getattr(m, "cam_unavailable_reason", "")) for m in unit_models
                       if getattr(m, "cam_unavailable_reason", "")), "")
    cam = st.selectbox("CAM method", list(CAM_METHODS), format_func=CAM_LABELS.get, disabled=bool(cam_reason),
                       help=f"Unavailable for {family}: {cam_reason}" if cam_reason else None)
    model_id = "|".join(model_key(name) for _unit, name in family_units(family, page_model))
    layer = None
    if family == "resnet18-cbam-regions":
        layer = st.selectbox("Target layer", REGION_LAYERS, help="layer4.1 = last block of layer4 (the seed's)")
    mask_top = st.slider("Mask the top k % pixels", 1.0, 50.0, DEFAULT_MASK_TOP_PERCENT, 1.0)
    steps = st.slider("Deletion/insertion steps", 4, 32, DEFAULT_CURVE_STEPS, 4)

if cam_reason:
    st.warning(f"**{family}: no heatmap can be drawn.** This page explains a spoof decision with class activation "
               f"maps, and {cam_reason}. Its liveness score is served forward-only on the Quality gates page (choose it as a spoof "
               "model there). Name a `cam_layer` in its spec, or export a graph that converts to "
               "torch (onnx2torch), to explain it here.", icon=":material/warning:")
    st.stop()

image_bytes, source_name = photo.read_or_stop()

try:
    with st.spinner(f"Explaining {source_name} with {family_label(family)} and {CAM_LABELS[cam]}…"):
        result = cached_explanation(image_bytes, family, cam, layer, mask_top, steps, model_id)
except (ImageInputError, FaceError, ModelUnavailableError) as exc:
    st.error(str(exc))
    st.stop()

decision = result.decision
verdict = "genuine" if decision.predicted == 1 else "spoof"
head = st.columns(4)
head[0].metric("Decision", verdict, help="genuine = bona fide presentation; spoof = presentation attack. "
               "For the region models this is the full-face model's decision.")
head[1].metric("Confidence S", f"{decision.confidence:.3f}")
head[2].metric("Faces found", result.face.faces_found, help="the largest face is analysed")
head[3].metric("Time", f"{result.seconds:.2f} s")
warning = family_warning(family_units(family, page_model))
if warning:
    st.warning(warning, icon=":material/science:")
if result.face.faces_found > 1:
    st.warning(f"{result.face.faces_found} faces were found; only the largest is analysed.")

st.subheader("Pre-processing")
steps_images = result.face.steps()
for column, (title, picture) in zip(st.columns(len(steps_images)), steps_images, strict=True):
    column.image(picture, caption=title, width="stretch")

st.subheader("Regions")
render_gate_strip_for(image_bytes, "Was this input fit to be judged? Quality gates (seed 002)",
                      faces=result.face.faces)
st.image(colorbar(300, 12), caption="heatmap colour scale: 0 (blue) → 1 (red)", width=300)
for column, r in zip(st.columns(max(4, len(result.regions))), result.regions, strict=False):
    with column:
        st.markdown(f"**{r.region.replace('_', ' ')}** — {r.label} ({r.confidence:.2f})")
        badge = demo_badge(dict(family_units(family, page_model)).get(r.region, ""))
        if badge:
            st.caption(badge)
        st.image(r.crop, caption="input crop", width="stretch")
        st.image(overlay(r.crop, r.heatmap), caption=f"{CAM_LABELS[cam]} of '{r.label}'", width="stretch")
        st.image(r.masked, caption=f"top {mask_top:g}% masked", width="stretch")
        st.markdown(
            f"ΔS = **{r.confidence_drop:+.3f}** · SSIM **{r.ssim:.2f}**  \n"
            f"deletion AUC {r.curves.deletion_auc:.2f} · insertion AUC {r.curves.insertion_auc:.2f}"
        )

names = [r.region for r in result.regions]
colours = ["#2e7d32" if r.predicted == 1 else "#c62828" for r in result.regions]
charts = st.columns(2)
with charts[0]:
    fig = go.Figure(go.Bar(x=names, y=[r.confidence for r in result.regions], marker_color=colours,
                           text=[r.label for r in result.regions]))
    fig.update_layout(title="Confidence per region (green genuine, red spoof)", yaxis_range=[0, 1], height=320,
                      margin=dict(t=40, b=20, l=20, r=20))
    st.plotly_chart(fig, width="stretch")
with charts[1]:
    fig = go.Figure([go.Bar(name="ΔS", x=names, y=[r.confidence_drop for r in result.regions]),
                     go.Bar(name="SSIM", x=names, y=[r.ssim for r in result.regions])])
    fig.update_layout(title="Confidence drop and heatmap similarity (seed fig. 10)", barmode="group", height=320,
                      margin=dict(t=40, b=20, l=20, r=20))
    st.plotly_chart(fig, width="stretch")

summary = explanation_to_dict(result)
st.dataframe(pd.DataFrame(summary["regions"]).drop(columns=["heatmap_sha256", "predicted"]), hide_index=True)
st.download_button("Download the whole panel (PNG)", cached_panel(image_bytes, family, cam, layer, mask_top, steps, model_id),
                   file_name=f"spoof-explanation-{source_name.rsplit('.', 1)[0]}.png", mime="image/png")
with st.expander("JSON"):
    st.code(json.dumps(summary, indent=2), language="json")

report_input = ReportInput(source_name, "image", image_bytes)
report_button("spoof", lambda: assemble_spoof_report(  # the explanation and gate strip shown above, not recomputed
    report_input, result, gate_section([report_input], [cached_gate_result(image_bytes, result.face.faces)]),
    family=family, cam_method=cam, mask_top_percent=mask_top, curve_steps=steps, target_layer=layer,
    loader=page_model),
    f"audit-spoof-{source_name.rsplit('.', 1)[0]}",
    fingerprint=f"{hash(image_bytes)}|{family}|{model_id}|{cam}|{layer}|{mask_top}|{steps}")
