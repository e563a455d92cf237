"""Quality gates: the seed 002 passive-liveness checklist, its evidence, the live/spoof/doubt decision and the JSON."""

import json

import pandas as pd
import streamlit as st

from models.heldout import demo_warning
from models.registry import names
from ui.face_photo import face_photo_input
from ui.models import model_key, page_model, session_models
from ui.report_button import report_button
from ui.result_cache import cached_result
from xai.gates import DEFAULT_LIVENESS_MODELS, GateThresholds, build_response, run_gates
from xai.gates.overlay import evidence_overlay, residual_picture, spectrum_picture
from xai.gates.report import assemble_gates_report
from xai.report.builder import ReportInput

VERDICT_STYLE = {"accept": "background-color:#e3f4e6;color:#1b5e20", "pass": "background-color:#e3f4e6;color:#1b5e20",
                 "doubt": "background-color:#fff4d6;color:#8a5a00", "warn": "background-color:#fff4d6;color:#8a5a00",
                 "reject": "background-color:#fde2e1;color:#b71c1c", "n/a": "color:#777"}


@cached_result("gate-results")
def cached_gates(image_bytes: bytes, thresholds: GateThresholds, models: tuple[str, ...],
                 model_ids: tuple[str, ...] = ()):
    """``model_ids``: :func:`ui.models.model_key` of each model (a session's upload, a user model's state)."""
    return run_gates(image_bytes, thresholds, models=models, loader=page_model, job_id="studio")


st.title("Quality gates")
st.caption("Passive-liveness requirement checks, spoof components and the live / spoof / doubt decision of seed 002.")
with st.expander("How this works", icon=":material/school:"):
    st.markdown(
        "1. **Input specification** (recommendations, pass/warn): file 100 KB–2 MB, camera above 2 MP, JPEG quality "
        "≥ 80, estimated by fitting the file's quantisation tables to the libjpeg tables scaled by the IJG formula.\n"
        "2. **Face appearance.** MediaPipe Face Mesh; the biggest face is checked and the count reported. Face size "
        "≥ 300×300 px (the seed's; configurable). Head pose by `cv2.solvePnP` of six landmarks against a generic 3D "
        "face (frontal: |yaw|, |pitch| ≤ 25°, |roll| ≤ 20°), vertical orientation (chin→forehead within 45° of "
        "upright), occlusion of forehead, eyebrows, eyes, cheeks, nose and mouth (skin regions: colour foreign to the "
        "face's own skin; eyes, brows, mouth: missing edge energy compared with the skin).\n"
        "3. **Image quality** of the face area, each in [0, 1] with the seed's table: sharpness (1 − blur effect of "
        "Crété-Roffet, rescaled) reject < 0.1 ≤ doubt < 0.2 ≤ accept; contrast 1 − p2/p98 of the face luma, "
        "< 0.5 / 0.5–0.6 / ≥ 0.6; brightness mean face luma / 0.8, < 0.3 / 0.3–0.4 / ≥ 0.4.\n"
        "4. **Spoof components** in [0, 1]: *artifact* (periodic peaks in the face's spectrum — screen grids, moiré, "
        "halftone — and glare), *spoof_edge* (lone straight borders beside the face: paper edge, card, bezel), "
        "*deformation* (mirror-symmetric landmark pairs that are not parallel: bent paper, ripples). "
        "> 0.6 strong spoof signal, 0.5–0.6 grey zone, < 0.5 low.\n"
        "5. **Decision** (seed): strong spoof (25202) when a component is > 0.6 or the liveness score < 0.5; doubt "
        "(25203) when a component or the liveness score is in its grey zone, the image quality is in doubt or below "
        "the requirement, or a face-appearance requirement fails; strong live (25201) otherwise. The liveness score "
        "is the mean bona fide probability of the chosen spoof models.\n\n"
        "**What it cannot tell.** The measures are hand-made and calibrated on five sample portraits and their "
        "simulated attacks (see the card `models/cards/quality-gates.md`), not on a presentation-attack database; "
        "straight structures in a real background can look like a spoof edge, and a replay on a very fine screen "
        "may show no moiré. Brightness is a mean luma, so darker skin reads darker. This is an explanation aid "
        "for auditors, not a certified liveness check (ISO/IEC 30107-3 testing would be needed)."
    )

with st.sidebar:
    photo = face_photo_input()
    st.header("Liveness")
    uploaded = list(session_models("spoof"))  # added on the anti-spoofing page in this session
    models = st.multiselect("Spoof model(s)", [*names("spoof"), *uploaded], default=list(DEFAULT_LIVENESS_MODELS),
                            format_func=lambda n: f"{n} (uploaded)" if n in uploaded else n,
                            help="The liveness score is the mean bona fide probability of these models. The default "
                                 "is the shipped spoof model with the lowest held-out HTER on real faces (its card).")
    st.header("Thresholds")
    defaults = GateThresholds()
    size = st.columns(2)
    min_w = size[0].number_input("Min face width", 0, 2000, defaults.min_face_w, 10)
    min_h = size[1].number_input("Min face height", 0, 2000, defaults.min_face_h, 10)
    with st.expander("Quality and decision bands"):
        sharpness = st.slider("Sharpness: reject below / accept from", 0.0, 1.0, defaults.sharpness, 0.01)
        contrast = st.slider("Contrast: reject below / accept from", 0.0, 1.0, defaults.contrast, 0.01)
        brightness = st.slider("Brightness: reject below / accept from", 0.0, 1.0, defaults.brightness, 0.01)
        component = st.slider("Spoof components: doubt from / reject above", 0.0, 1.0, defaults.component, 0.01)
        liveness = st.slider("Liveness: spoof below / live from", 0.0, 1.0, defaults.liveness, 0.01)

if not models:
    st.info("Choose at least one spoof model for the liveness score.")
    st.stop()
image_bytes, source_name = photo.read_or_stop()

thresholds = defaults.with_changes(min_face_w=int(min_w), min_face_h=int(min_h), sharpness=sharpness,
                                   contrast=contrast, brightness=brightness, component=component, liveness=liveness)
with st.spinner(f"Running the gates on {source_name}…"):
    result = cached_gates(image_bytes, thresholds, tuple(models), tuple(model_key(m) for m in models))
response = build_response(result)
response_json = json.dumps(response, indent=2, ensure_ascii=False)

if not result.ok:
    st.error(f"**Not judged.** {result.message}")
else:
    d = result.decision
    banner = {"live": st.success, "spoof": st.error, "doubt": st.warning}[d.outcome]
    reasons = "".join(f"\n- {r}" for r in d.reasons)
    banner(f"**Decision: {d.words}** — code {d.code}, “{d.message}”{reasons}")
    head = st.columns(4)
    head[0].metric("Liveness", f"{result.liveness.liveness:.3f}")
    head[1].metric("Faces found", result.appearance.faces_found, help="the biggest face is checked")
    head[2].metric("Face size", f"{result.appearance.face_w}×{result.appearance.face_h}")
    head[3].metric("Time", f"{sum(result.timings.values()):.2f} s")
    for warning in filter(None, (demo_warning(m) for m in models)):
        st.warning(warning, icon=":material/science:")

checks = pd.DataFrame([{"gate": c.group, "check": c.label, "verdict": c.verdict, "value": c.display,
                        "threshold": c.threshold} for c in result.checks])
if not checks.empty:
    st.subheader("Checklist")
    st.dataframe(checks.style.map(lambda v: VERDICT_STYLE.get(v, ""), subset=["verdict"]), hide_index=True,
                 width="stretch", height=35 * (len(checks) + 1) + 3,
                 column_config={"gate": st.column_config.TextColumn(width="small"),
                                "verdict": st.column_config.TextColumn(width="small"),
                                "value": st.column_config.TextColumn(width="large")})
if result.appearance is not None and result.components is not None:
    st.subheader("Evidence")
    pictures = st.columns([4, 3, 3, 4])
    pictures[0].image(evidence_overlay(result), width="stretch",
                      caption="green: face box · arrows: pose axes (x red, y green, z blue) · grey/magenta: "
                              "regions (magenta = occluded) · orange: border lines · cyan: glare · yellow: moiré patch")
    evidence = result.components.artifact_evidence
    pictures[1].image(spectrum_picture(result), width="stretch",
                      caption=f"spectrum excess of the face patch (centre = 0 cycles/px); circles: strongest peaks, "
                              f"{evidence.moire_db:.1f} dB")
    pictures[2].image(residual_picture(result), width="stretch",
                      caption="mirror landmark pairs: arrows show where a rigid symmetric face would differ (×4)")
    with pictures[3]:
        st.markdown("**Occlusion per region**")
        st.dataframe(pd.DataFrame([{"region": o.region.replace("_", " "), "score": round(o.score, 3),
                                    "method": o.method, "raw": round(o.raw, 3)}
                                   for o in result.appearance.occlusion]), hide_index=True, width="stretch")

st.subheader("JSON response")
st.caption("The seed's fields (job, message, ok) exactly as in its examples, plus our `explanations` block. "
           "The copy button is at the top right of the box.")
st.download_button("Download the JSON", response_json, file_name=f"gates-{source_name.rsplit('.', 1)[0]}.json",
                   mime="application/json")
st.code(response_json, language="json")

report_button("gates", lambda: assemble_gates_report(ReportInput(source_name, "image", image_bytes), result,
                                                     loader=page_model),  # the run shown above
              f"audit-gates-{source_name.rsplit('.', 1)[0]}",
              fingerprint=f"{hash(image_bytes)}|{thresholds}|{models}|{[model_key(m) for m in models]}")
