"""Plotly figures of an evaluation: ROC, DET (probit axes), score histograms per class, confusion matrix.

Plain functions returning ``plotly.graph_objects.Figure``; no Streamlit here. Labels follow
:mod:`xai.core.metrics` (1 = bona fide, 0 = attack); ``names`` are a task's words for (label 0, label 1).
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike

from xai.core.metrics import GENUINE, SPOOF, det_curve, roc_points
from xai.evaluation.scoring import DEFAULT_CLASS_NAMES
from xai.evaluation.summary import MetricSummary

_COLOURS = {GENUINE: "#2e7d32", SPOOF: "#c62828"}


def _layout(fig, title: str, x: str, y: str, height: int = 360):
    fig.update_layout(title=title, xaxis_title=x, yaxis_title=y, height=height, margin=dict(t=45, b=45, l=55, r=15),
                      legend=dict(orientation="h", yanchor="bottom", y=-0.35))
    return fig


def roc_figure(y_true: ArrayLike, scores: ArrayLike, summary: MetricSummary | None = None):
    """ROC curve: 1 − BPCER (bona fide accepted) against APCER (attacks accepted), with the EER point."""
    import plotly.graph_objects as go

    thresholds, apcer, bpcer = roc_points(y_true, scores)
    text = [f"threshold {t:.4g}" for t in thresholds]
    fig = go.Figure(go.Scatter(x=apcer, y=1 - bpcer, mode="lines+markers", name="ROC", text=text,
                               line=dict(color="#1565c0"), marker=dict(size=4)))
    fig.add_trace(go.Scatter(x=[0, 1], y=[0, 1], mode="lines", name="chance", line=dict(dash="dot", color="#999")))
    if summary is not None:
        fig.add_trace(go.Scatter(x=[summary.eer], y=[1 - summary.eer], mode="markers", name=f"EER {summary.eer:.3f}",
                                 marker=dict(size=10, color="#ef6c00", symbol="x")))
    fig.update_xaxes(range=[-0.02, 1.02])
    fig.update_yaxes(range=[-0.02, 1.02])
    return _layout(fig, "ROC", "APCER (attacks accepted)", "1 − BPCER (bona fide accepted)")


DET_FLOOR = 1e-3
"""Rates of 0 (and 1) are drawn at 0.1 % (99.9 %) on the DET's probit axes, the edge of the plot."""


def _probit(p: np.ndarray) -> np.ndarray:
    from scipy.stats import norm

    return norm.ppf(np.clip(p, DET_FLOOR, 1 - DET_FLOOR))


def det_figure(y_true: ArrayLike, scores: ArrayLike, summary: MetricSummary | None = None):
    """DET curve on normal-deviate (probit) axes: BPCER against APCER, rates clipped to [0.1 %, 99.9 %]."""
    import plotly.graph_objects as go
    from scipy.stats import norm

    thresholds, apcer, bpcer = det_curve(y_true, scores)
    ticks = np.array([0.001, 0.01, 0.05, 0.2, 0.5, 0.8, 0.95, 0.99])
    labels = [f"{t:.1%}" if t < 0.01 else f"{t:.0%}" for t in ticks]
    fig = go.Figure(go.Scatter(x=_probit(apcer), y=_probit(bpcer), mode="lines+markers", name="DET",
                               text=[f"threshold {t:.4g}: APCER {a:.3f}, BPCER {b:.3f}"
                                     for t, a, b in zip(thresholds, apcer, bpcer, strict=True)],
                               hoverinfo="text", line=dict(color="#6a1b9a"), marker=dict(size=4)))
    if summary is not None:
        point = _probit(np.array([summary.eer]))
        fig.add_trace(go.Scatter(x=point, y=point, mode="markers", name=f"EER {summary.eer:.3f}",
                                 marker=dict(size=10, color="#ef6c00", symbol="x")))
    for axis in (fig.update_xaxes, fig.update_yaxes):
        axis(tickvals=_probit(ticks), ticktext=labels, range=[float(norm.ppf(DET_FLOOR / 1.6)),
                                                              float(norm.ppf(1 - DET_FLOOR / 1.6))])
    return _layout(fig, "DET (probit axes; 0 drawn at 0.1 %)", "APCER", "BPCER")


def histogram_figure(y_true: ArrayLike, scores: ArrayLike, threshold: float | None = None,
                     names: tuple[str, str] = DEFAULT_CLASS_NAMES, bins: int = 30):
    """Overlaid score histograms per class, with the threshold as a dashed line."""
    import plotly.graph_objects as go

    y, s = np.asarray(y_true), np.asarray(scores, dtype=np.float64)
    fig = go.Figure()
    lo, hi = float(s.min()), float(s.max())
    size = (hi - lo) / bins if hi > lo else 1.0
    for label in (SPOOF, GENUINE):
        fig.add_trace(go.Histogram(x=s[y == label], name=f"{names[label]} ({int((y == label).sum())})", opacity=0.6,
                                   marker_color=_COLOURS[label], xbins=dict(start=lo, end=hi + size, size=size)))
    fig.update_layout(barmode="overlay")
    if threshold is not None and math.isfinite(threshold):
        fig.add_vline(x=threshold, line_dash="dash", annotation_text="threshold")
    return _layout(fig, "Scores per class", "score", "count")


def confusion_figure(summary: MetricSummary, names: tuple[str, str] = DEFAULT_CLASS_NAMES):
    """2 × 2 confusion matrix (rows true class, columns decision) at the summary's threshold."""
    import plotly.graph_objects as go

    c = summary.counts  # positive = attack
    z = [[c.tp, c.fn], [c.fp, c.tn]]
    rows = [f"true {names[SPOOF]}", f"true {names[GENUINE]}"]
    cols = [f"decided {names[SPOOF]}", f"decided {names[GENUINE]}"]
    fig = go.Figure(go.Heatmap(z=z, x=cols, y=rows, colorscale="Blues", showscale=False, text=z,
                               texttemplate="%{text}", textfont=dict(size=18)))
    fig.update_yaxes(autorange="reversed")
    return _layout(fig, f"Confusion matrix at threshold {summary.threshold:.4g}", "", "", height=320)
