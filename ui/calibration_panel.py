"""The verification page's calibration block: which threshold decided, calibrated confidence, DET and histograms.

Everything shown comes from the decision's :class:`xai.verify.calibration.ThresholdOrigin` and the model's stored
calibration file; the figures from :mod:`xai.verify.calibration_plots` (the CLI writes the same ones).
"""

from __future__ import annotations

import streamlit as st

from ui.models import cached_model
from xai.verify.calibration import CalibrationError, ScoreReference, calibrated_confidence, summarize, summary_rows
from xai.verify.calibration_plots import det_figure, histogram_figure
from xai.verify.pipeline import VerificationResult


def render_calibration(result: VerificationResult) -> None:
    """Caption under the decision naming its threshold's origin, then the stored calibration (when there is one)."""
    if result.calibration is not None:
        st.caption(f"**Threshold:** {result.calibration.text}.")
    try:
        reference = ScoreReference.load(result.model)
    except CalibrationError as exc:  # a broken calibration file is shown, the decision above still stands
        st.warning(f"The calibration of {result.model} could not be read: {exc}")
        return
    if reference is None:
        return
    confidence = calibrated_confidence(reference, result.native_score)
    st.caption(
        f"Calibrated confidence: at this score {confidence.fmr:.0%} of {confidence.impostor_pairs} impostor pairs "
        f"would be accepted (FMR) and {confidence.fnmr:.0%} of {confidence.genuine_pairs} genuine pairs rejected "
        f"(FNMR). Reference: {reference.source}. Calibrate on your own labelled photos with "
        f"`python -m xai calibrate verify --data DIR --model {result.model} --fmr 0.01`."
    )
    summary = summarize(reference)
    with st.expander(f"Calibration of {result.model}: {summary.genuine_pairs} genuine and "
                     f"{summary.impostor_pairs} impostor pairs, EER {summary.eer:.1%}"):
        st.markdown(
            f"From {reference.images} photos of {reference.identities} identities ({reference.source}, "
            f"{reference.created}). With {summary.impostor_pairs} impostor pairs no FMR below "
            f"**{summary.resolvable_fmr:.2%}** can be shown (95 % upper bound with no error, ≈ 3 / pairs); "
            "intervals are exact (Clopper–Pearson) 95 % intervals.")
        rows = summary_rows(summary)
        if rows:
            st.table(rows)
        else:
            st.caption("No target FMR was asked for: this reference gives calibrated confidence only.")
        charts = st.columns(2)
        charts[0].plotly_chart(det_figure(reference), width="stretch")
        own = float(cached_model(result.model).threshold)
        charts[1].plotly_chart(histogram_figure(reference, own, result.native_score), width="stretch")
