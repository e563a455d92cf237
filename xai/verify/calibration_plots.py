"""Figures of a verification calibration: the DET curve and the genuine/impostor score histograms (plotly).

The DET curve (Martin et al., Eurospeech 1997) plots FNMR against FMR on normal-deviate (probit) axes, where
Gaussian score distributions give straight lines. A rate of 0 has no probit; it is drawn at half of one error
(0.5 / pairs), the floor the pairs allow, and the hover text says so. Both figures come from a stored
:class:`xai.verify.calibration.ScoreReference` only, so the page and the CLI draw the same thing.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import plotly.graph_objects as go
from scipy.stats import norm

from xai.verify.calibration import ScoreReference, error_tradeoff, summarize

GENUINE_COLOUR, IMPOSTOR_COLOUR, POINT_COLOUR = "#1f77b4", "#d62728", "#2ca02c"
#: Probit-axis ticks (rates).
TICKS = (1e-4, 1e-3, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 0.9, 0.95, 0.99)


def _probit(rate: np.ndarray, pairs: int) -> np.ndarray:
    """Normal deviate of ``rate`` with 0 and 1 drawn at half an error from the ends (0.5 / pairs)."""
    floor = 0.5 / max(pairs, 1)
    return norm.ppf(np.clip(np.asarray(rate, dtype=np.float64), floor, 1.0 - floor))


def _axis(pairs_x: int, pairs_y: int, title: str) -> dict:
    lowest = 0.5 / max(pairs_x, pairs_y, 1)
    ticks = [t for t in TICKS if lowest * 0.999 <= t <= 1 - lowest * 0.999]
    return dict(title=title, tickvals=list(norm.ppf(ticks)), ticktext=[f"{t:.2%}".replace(".00%", "%")
                                                                     for t in ticks], zeroline=False)


def det_figure(reference: ScoreReference, height: int = 380) -> go.Figure:
    """DET curve of the reference with its EER and the operating points (95 % Clopper–Pearson error bars)."""
    summary = summarize(reference)
    curve = error_tradeoff(reference)
    n_imp, n_gen = summary.impostor_pairs, summary.genuine_pairs
    fig = go.Figure(go.Scatter(
        x=_probit(curve.fmr, n_imp), y=_probit(curve.fnmr, n_gen), mode="lines+markers", name="DET",
        line_shape="hv", marker=dict(size=4),
        customdata=np.stack([curve.thresholds, curve.fmr, curve.fnmr], axis=-1),
        hovertemplate=(f"threshold {reference.metric} %{{customdata[0]:.4f}}<br>FMR %{{customdata[1]:.2%}}"
                       "<br>FNMR %{customdata[2]:.2%}<br>(0 is drawn at half an error)<extra></extra>")))
    eer_x = _probit(np.array([summary.eer]), n_imp)[0]
    eer_y = _probit(np.array([summary.eer]), n_gen)[0]
    fig.add_trace(go.Scatter(x=[eer_x], y=[eer_y], mode="markers", name=f"EER {summary.eer:.1%}",
                             marker=dict(symbol="x", size=11, color="black")))
    for point in summary.points:
        x = _probit(np.array([point.fmr.rate, point.fmr.low, point.fmr.high]), n_imp)
        y = _probit(np.array([point.fnmr.rate, point.fnmr.low, point.fnmr.high]), n_gen)
        label = f"target FMR {point.target_fmr:.2%}" + ("" if point.supported else " (not supported by the data)")
        fig.add_trace(go.Scatter(
            x=[x[0]], y=[y[0]], mode="markers", name=label,
            marker=dict(size=10, color=POINT_COLOUR if point.supported else "grey",
                        symbol="circle" if point.supported else "circle-open"),
            error_x=dict(type="data", symmetric=False, array=[x[2] - x[0]], arrayminus=[x[0] - x[1]]),
            error_y=dict(type="data", symmetric=False, array=[y[2] - y[0]], arrayminus=[y[0] - y[1]]),
            hovertext=f"threshold {point.threshold:.4f}: FMR {point.fmr.as_text()}, FNMR {point.fnmr.as_text()}",
            hoverinfo="text"))
    fig.update_layout(title=f"DET curve of {reference.model} ({n_gen} genuine, {n_imp} impostor pairs)",
                      xaxis=_axis(n_imp, n_imp, "false match rate (FMR)"),
                      yaxis=_axis(n_gen, n_gen, "false non-match rate (FNMR)"),
                      height=height, margin=dict(t=40, b=40, l=50, r=10), legend=dict(font=dict(size=10)))
    return fig


def histogram_figure(reference: ScoreReference, model_threshold: float | None = None, score: float | None = None,
                     height: int = 320) -> go.Figure:
    """Genuine and impostor score histograms with the model's threshold, the EER and the operating points.

    ``score``: a pair's native score, drawn as a line too (the page marks the pair it decided).
    """
    summary = summarize(reference)
    genuine, impostor = np.asarray(reference.genuine), np.asarray(reference.impostor)
    scores = np.concatenate([genuine, impostor])
    span = float(scores.max() - scores.min()) or 1.0
    bins = dict(start=float(scores.min()) - span * 0.02, end=float(scores.max()) + span * 0.02, size=span / 30)
    fig = go.Figure()
    fig.add_trace(go.Histogram(x=genuine, name=f"genuine ({genuine.size} pairs)", xbins=bins, opacity=0.6,
                               marker_color=GENUINE_COLOUR))
    fig.add_trace(go.Histogram(x=impostor, name=f"impostor ({impostor.size} pairs)", xbins=bins, opacity=0.6,
                               marker_color=IMPOSTOR_COLOUR))
    lines = [(summary.eer_threshold, f"EER {summary.eer:.1%}", "dot", "black")]
    if model_threshold is not None and np.isfinite(model_threshold):
        lines.append((float(model_threshold), "model's threshold", "dash", "grey"))
    lines += [(p.threshold, f"FMR {p.target_fmr:.2%}" + ("" if p.supported else " (unsupported)"), "solid",
               POINT_COLOUR if p.supported else "grey") for p in summary.points]
    if score is not None:
        lines.append((float(score), "this pair", "longdash", "#9467bd"))
    for x, text, dash, colour in lines:
        fig.add_vline(x=x, line_dash=dash, line_color=colour, annotation_text=text, annotation_textangle=-90,
                      annotation_font_size=10)
    direction = "higher = more alike" if reference.metric == "cosine" else "lower = more alike"
    fig.update_layout(barmode="overlay", title=f"{reference.model}: genuine and impostor scores",
                      xaxis_title=f"{reference.metric} ({direction})", yaxis_title="pairs", height=height,
                      margin=dict(t=40, b=40, l=50, r=10), legend=dict(font=dict(size=10)))
    return fig


def write_figures(reference: ScoreReference, folder: Path, model_threshold: float | None = None) -> list[Path]:
    """Write ``det.html`` and ``histograms.html`` (plotly.js embedded: they open offline); returns the paths."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / "det.html", folder / "histograms.html"]
    det_figure(reference).write_html(paths[0], include_plotlyjs=True, full_html=True)
    histogram_figure(reference, model_threshold).write_html(paths[1], include_plotlyjs=True, full_html=True)
    return paths
