"""ID card: screen-recapture detection with a VGG16 + FFT cross-attention network, and its explanations (seed 003)."""

import io
import json

import plotly.graph_objects as go
import streamlit as st
from PIL import Image

from models.base import ModelUnavailableError
from models.registry import names
from ui.add_model import add_model_panel
from ui.models import model_key, page_model, session_models
from ui.report_button import report_button
from ui.result_cache import cached_result
from xai.core.images import UPLOAD_TYPES, ImageInputError, decode_image
from xai.core.render import colorbar, overlay
from xai.explain.cam import CAM_LABELS, CAM_METHODS
from xai.idcard.explain import GRID, explain_idcard, explanation_to_dict, panel_png
from xai.idcard.fft import DEFAULT_RADIUS
from xai.idcard.render import gray_rgb, grid_map, mark_cell
from xai.idcard.report import assemble_idcard_report
from xai.idcard.single_input import takes_one_image
from xai.idcard.synth import demo_pair, face_photos
from xai.report.builder import ReportInput

MODEL_KEY = "idcard-model"  # the model selectbox's key ("Add your model" selects a model it added)
KINDS = {"genuine capture": 0, "screen recapture": 1}


@cached_result("idcard-samples", capacity=12, spinner="Rendering the sample card…")
def cached_sample(photo: str, kind: int) -> bytes:
    """The sample card as PNG file bytes: samples reach the model through decode_image, as uploads do."""
    buffer = io.BytesIO()
    Image.fromarray(demo_pair(photo)[kind].image).save(buffer, format="PNG")
    return buffer.getvalue()


@cached_result("idcard-explanations")
def cached_explanation(image_bytes: bytes, centroid, model: str, radius: float, query_cell, cam: str, model_id: str):
    """``model_id``: :func:`ui.models.model_key` of ``model``, so a session's uploaded model never shares results."""
    return explain_idcard(decode_image(image_bytes), centroid=centroid, model=model, radius=radius,
                          query_cell=query_cell, loader=page_model, cam_method=cam)


@cached_result("idcard-panels", spinner="Drawing the panel…")
def cached_panel(image_bytes: bytes, centroid, model: str, radius: float, query_cell, cam: str, model_id: str) -> bytes:
    return panel_png(cached_explanation(image_bytes, centroid, model, radius, query_cell, cam, model_id))


st.title("ID card")
st.caption("Screen-recapture detection of identity documents with a VGG16 + FFT cross-attention network, after "
           "Nguyen & Vo (seed 003).")

with st.expander("How this works", icon=":material/school:"):
    st.markdown(
        "1. **Crops.** The card is found as the largest ID-shaped quadrilateral (OpenCV edges and contours), or you "
        "set its centroid. Two squares are cut at the centroid: $L_1 = 1120$ px (context, bezel edges) → the RGB "
        "branch and $L_2 = 448$ px (fine texture, moiré) → the FFT branch, both resized to 224 × 224. Squares "
        "leaving the image are padded with black, and the page says so.\n"
        "2. **FFT branch (§3.2).** The $L_2$ crop in grey is transformed, $X_s = \\mathrm{FFTShift}(\\mathrm{FFT}"
        "(x))$ (eqs. 1–2); an ideal high-pass mask keeps frequencies with $U^2 + V^2 \\ge r^2$ (eqs. 3–4, $r = 8$); "
        "$x_{hp} = \\mathrm{IFFT}(\\mathrm{IFFTShift}(X_s \\odot mask))$ (eq. 5); $\\ln(1 + |x_{hp}|)$ (eqs. 6–7) "
        "is min-max normalised with $\\varepsilon = 10^{-8}$ (eq. 8), copied to 3 channels and ImageNet-normalised. "
        "A screen's sub-pixel grid and moiré survive the filter; smooth print does not.\n"
        "3. **Network (§3.3–3.5).** Two truncated VGG16s (7 convolutions, 256 × 28 × 28 each, separate weights); "
        "bidirectional multi-head cross-attention, $\\mathrm{softmax}(Q_{RGB}K_{FFT}^T/\\sqrt{d_k})V_{FFT}$ and the "
        "reverse (eqs. 9–10, 16 heads, $d = 256$), residuals (eq. 11), average pooling and concatenation to 512 "
        "(eq. 12), three fully connected layers, softmax over genuine / spoof.\n"
        "4. **Explanations.** Grad-CAM on each branch's last convolution (where the evidence for the decided class "
        "lies); the cross-attention map: for one RGB cell of the 28 × 28 grid, which FFT cells it attends to, and "
        "which FFT cells are attended most overall; zone occlusion: the photo, text block, MRZ, card border and "
        "background are blurred one at a time (σ = 6 px, which erases moiré but keeps colour) and the change in "
        "p(spoof) is shown.\n\n"
        "**What it cannot tell.** The shipped weights were trained **from scratch on synthetic cards only** (no "
        "DLC-2021, no ImageNet; see the model card): they detect *our simulator's* screens, and will not be reliable "
        "on real photos of real documents. Attention weights say where information flowed, not why the decision "
        "was made; Grad-CAM and occlusion show sensitivity, not causation; blurring a zone also *adds* blur, itself a recapture cue "
        "(§3.1), so a positive Δ can be the model reacting to the blur. Zones assume the layout of our synthetic "
        "card mapped onto the detected outline, which for a recapture may be the screen rather than the card.\n\n"
        "**Your own model.** *Add your model* (or `python -m xai models add SPEC`) takes an ONNX or TorchScript "
        "recapture classifier with **one image input** — the card photo resized, or the L1 square — and two-class "
        "logits or probabilities (see `examples/specs/recapture-onnx.toml`); an FFT branch must be inside its graph. "
        "It gets the same prediction and zone occlusion, and a CAM at its spec's `cam_layer` when its graph "
        "converts to torch."
    )

add_model_panel("recapture", MODEL_KEY)  # before the sidebar: a model added now is offered in this run
uploaded = list(session_models("recapture"))
MODELS = names("recapture") + uploaded  # shipped, registered user models, this session's uploads
if not MODELS:
    st.error("No ID-card model is registered.")
    st.stop()

try:
    photos = sorted(face_photos())
except FileNotFoundError:
    photos = []
with st.sidebar:
    st.header("Input")
    upload = st.file_uploader("Upload a photo of an ID card", type=UPLOAD_TYPES)
    photo = st.selectbox("…or a sample card showing", photos, disabled=upload is not None)
    kind = st.radio("Sample capture", list(KINDS), horizontal=True, disabled=upload is not None)
    st.header("Model")
    if st.session_state.get(MODEL_KEY) not in MODELS:
        st.session_state.pop(MODEL_KEY, None)  # a model forgotten or removed: back to the default
    model = st.selectbox("Model", MODELS, key=MODEL_KEY,
                         format_func=lambda m: f"{m} (uploaded)" if m in uploaded else m,
                         help="the shipped full model and the ablations that were trained (see the card), and "
                              "your own recapture models (Add your model, or `python -m xai models add`)")
    try:
        cam_reason = str(getattr(page_model(model), "cam_unavailable_reason", ""))
        one_image = takes_one_image(page_model(model))  # a user model: no FFT branch, no attention
    except (ModelUnavailableError, ValueError) as exc:
        st.error(str(exc))
        st.stop()
    cam = st.selectbox("CAM method", list(CAM_METHODS), format_func=CAM_LABELS.get, disabled=bool(cam_reason),
                       help=f"Unavailable for {model}: {cam_reason}" if cam_reason else None)
    radius = st.slider("FFT high-pass radius r", 0, 40, DEFAULT_RADIUS, 1, disabled=one_image,
                       help="a one-image (user) model has no FFT branch of the studio's" if one_image else
                       "the models were trained with r = 8; other values show what the filter does")
    st.header("Overrides")
    manual = st.checkbox("Set the card centroid by hand")
    centroid = None
    if manual:
        cols = st.columns(2)
        centroid = (float(cols[0].number_input("x (px)", 0, 20000, 600)),
                    float(cols[1].number_input("y (px)", 0, 20000, 600)))
    pick = st.checkbox("Choose the RGB cell for the attention map", disabled=one_image)
    query_cell = None
    if pick:
        cols = st.columns(2)
        query_cell = (int(cols[0].number_input("row", 0, GRID - 1, GRID // 2)),
                      int(cols[1].number_input("column", 0, GRID - 1, GRID // 2)))

if upload is not None:
    image_bytes, source_name = upload.getvalue(), upload.name
elif not photos:
    st.info("Upload a photo of an ID card, or run the set-up to fetch the sample portraits for the sample cards.")
    st.stop()
else:
    image_bytes, source_name = cached_sample(photo, KINDS[kind]), f"{kind} of the {photo} card"

try:
    with st.spinner(f"Analysing {source_name}…"):
        result = cached_explanation(image_bytes, centroid, model, float(radius), query_cell, cam, model_key(model))
except (ImageInputError, ModelUnavailableError, ValueError) as exc:
    st.error(str(exc))
    st.stop()

head = st.columns(4)
head[0].metric("Prediction", result.label, help="spoof = the card was shown on a screen and photographed")
head[1].metric("p(spoof)", f"{result.p_spoof:.3f}")
head[2].metric("Card located by", result.location.method)
head[3].metric("Time", f"{result.seconds:.2f} s")
for warning in result.warnings:
    st.warning(warning)
if radius != DEFAULT_RADIUS:
    st.info(f"r = {radius}: the model was trained with r = {DEFAULT_RADIUS}; its decision at other radii is outside "
            "its training conditions.")

if result.model_input is not None:  # a user's one-image model: its input and its CAM, no branches or attention
    st.subheader("Card and model input")
    seen = "the whole photo resized" if page_model(model).spec.crop == "image" else "the L1 square at the centroid"
    cols = st.columns([2, 1, 1])
    cols[0].image(result.annotated, caption=f"{source_name}: card outline (green), L1 = 1120 (blue), L2 = 448 "
                  "(orange)", width="stretch")
    cols[1].image(result.model_input, caption=f"what {model} sees: {seen}", width="stretch")
    if result.cam_rgb is not None:
        cols[2].image(overlay(result.model_input, result.cam_rgb), caption=f"{CAM_LABELS[cam]} of '{result.label}' "
                      "at the spec's cam_layer", width="stretch")
        st.image(colorbar(300, 12), caption="colour scale: 0 (blue) → 1 (red)", width=300)
    else:
        cols[2].info(f"No CAM: {result.cam_reason}.")
    st.caption("A user model sees one image; an FFT branch, if it has one, is inside its graph, so the page shows "
               "no FFT view and no cross-attention for it.")
else:
    st.subheader("Card and crops")
    cols = st.columns([2, 1, 1])
    cols[0].image(result.annotated, caption=f"{source_name}: card outline (green), L1 = 1120 (blue), L2 = 448 (orange)",
                  width="stretch")
    cols[1].image(result.crops.l1.image, caption="L1 crop → RGB branch", width="stretch")
    cols[2].image(result.crops.l2.image, caption="L2 crop → FFT branch", width="stretch")

    st.subheader("FFT high-pass view (§3.2)")
    fft = result.fft
    cols = st.columns(4)
    cols[0].image(gray_rgb(fft.gray), caption="L2 crop, grey", width="stretch")
    cols[1].image(gray_rgb(fft.spectrum), caption="log |FFTShift(FFT)|, DC at the centre", width="stretch")
    cols[2].image(gray_rgb(fft.mask), caption=f"ideal high-pass mask, r = {fft.radius:g} "
                  f"(removes {fft.removed_energy:.1%} of the energy)", width="stretch")
    cols[3].image(gray_rgb(fft.filtered), caption="ln(1 + |x_hp|), min-max (the branch input)", width="stretch")

    st.subheader("Where the branches looked")
    st.image(colorbar(300, 12), caption="colour scale: 0 (blue) → 1 (red)", width=300)
    cols = st.columns(5)
    cols[0].image(overlay(result.crops.l1.image, result.cam_rgb), caption=f"{CAM_LABELS[cam]} of '{result.label}', "
                  "RGB branch conv3_3 (L1 crop)", width="stretch")
    if result.cam_second is not None:
        base = result.crops.l2.image if result.variant == "two-rgb" else gray_rgb(fft.filtered)
        cols[1].image(overlay(base, result.cam_second), caption=f"{CAM_LABELS[cam]} of '{result.label}', second "
                      "branch conv3_3 (L2 crop)", width="stretch")
    else:
        cols[1].info("This variant has one branch.")
    if result.attention is not None:
        a = result.attention
        cols[2].image(mark_cell(result.crops.l1.image, a.query_cell),
                      caption=f"RGB query cell {a.query_cell} of the 28 × 28 grid (L1 crop)", width="stretch")
        cols[3].image(grid_map(a.query_map, base=gray_rgb(fft.filtered)),
                      caption="…attends to these FFT cells (eq. 9, mean of 16 heads)", width="stretch")
        cols[4].image(grid_map(a.received, base=gray_rgb(fft.filtered), mark=a.top_key_cell),
                      caption=f"attention received by each FFT cell; most attended {a.top_key_cell}", width="stretch")
    else:
        cols[2].info("No cross-attention in this variant (no attention map).")

st.subheader("Zone occlusion")
cols = st.columns([1, 2])
cols[0].image(result.zones_picture, caption="zones: photo (red), text (blue), MRZ (yellow), border (violet), "
              "background (grey)" + (" — on an assumed card around the centroid" if result.quad_assumed else ""),
              width="stretch")
with cols[1]:
    zone_names = [z.zone for z in result.zones]
    fig = go.Figure(go.Bar(x=[z.delta for z in result.zones], y=zone_names, orientation="h",
                           marker_color=["#c62828" if z.delta > 0 else "#2e7d32" for z in result.zones],
                           text=[f"{z.p_spoof:.3f}" for z in result.zones], textposition="outside"))
    span = max(0.05, max(abs(z.delta) for z in result.zones)) * 1.35
    fig.update_layout(title="Δ p(spoof) when the zone is blurred (label: p(spoof) after)", height=320,
                      xaxis_range=[-span, span],
                      margin=dict(t=40, b=20, l=20, r=20), xaxis_title="Δ p(spoof)")
    st.plotly_chart(fig, width="stretch")

summary = explanation_to_dict(result)
st.download_button("Download the explanation (PNG)",
                   cached_panel(image_bytes, centroid, model, float(radius), query_cell, cam, model_key(model)),
                   file_name=f"idcard-{source_name.rsplit('.', 1)[0].replace(' ', '-')}.png", mime="image/png")
with st.expander("JSON"):
    st.code(json.dumps(summary, indent=2), language="json")

report_button("idcard", lambda: assemble_idcard_report(ReportInput(source_name, "image", image_bytes), result,
                                                       radius=float(radius), centroid=centroid, query_cell=query_cell,
                                                       loader=page_model, cam_method=cam),
              "audit-idcard",  # the result shown above
              fingerprint=f"{hash(image_bytes)}|{model}|{model_key(model)}|{radius}|{centroid}|{query_cell}|{cam}")
