"""Render the seed 002 gate verdicts of one input as a compact coloured strip (see :func:`xai.gates.gate_strip`)."""

from __future__ import annotations

import html

import streamlit as st

from ui.models import cached_model
from ui.result_cache import cached_result
from xai.core.faces import DetectedFace
from xai.gates import GateResult, gate_strip, run_gates

#: verdict → (background, text) colours: accept green, doubt amber, reject red, warn amber, pass green.
COLOURS = {"accept": ("#e3f4e6", "#1b5e20"), "pass": ("#e3f4e6", "#1b5e20"), "doubt": ("#fff4d6", "#8a5a00"),
           "warn": ("#fff4d6", "#8a5a00"), "reject": ("#fde2e1", "#b71c1c"), "n/a": ("#eeeeee", "#555555")}
SYMBOLS = {"accept": "✓", "pass": "✓", "doubt": "?", "warn": "!", "reject": "✗", "n/a": "–"}


def strip_html(result: GateResult, title: str = "") -> str:
    """HTML of the strip: one small coloured cell per gate group, the value in a tooltip and below the label."""
    cells = []
    for cell in gate_strip(result):
        background, colour = COLOURS.get(cell.verdict, COLOURS["n/a"])
        text = html.escape(cell.text)
        cells.append(
            f'<div class="gate-cell" title="{html.escape(cell.label)}: {cell.verdict} — {text}" '
            f'style="background:{background};color:{colour};border:1px solid {colour}33;border-radius:6px;'
            f'padding:2px 7px;font-size:0.78rem;line-height:1.25;max-width:16rem;">'
            f'<b>{SYMBOLS.get(cell.verdict, "")} {html.escape(cell.label)}</b>'
            f'<br><span style="opacity:0.85">{text}</span></div>')
    head = f'<div style="font-size:0.8rem;color:#666;margin-bottom:2px">{html.escape(title)}</div>' if title else ""
    return (f'{head}<div data-testid="gate-strip" style="display:flex;flex-wrap:wrap;gap:4px;margin:2px 0 8px 0">'
            + "".join(cells) + "</div>")


def render_gate_strip(result: GateResult, title: str = "Quality gates (seed 002)") -> None:
    """Show the strip for one input; the full checklist is on the Quality gates page."""
    st.markdown(strip_html(result, title), unsafe_allow_html=True)


@cached_result("gate-strip", capacity=32, spinner="Running the quality gates…")
def cached_gate_result(image_bytes: bytes, faces: tuple[DetectedFace, ...] | None = None) -> GateResult:
    """The gates with the seed's default thresholds and liveness model, cached per image.

    ``faces``: the faces the page already detected in this image (largest first), so Face Mesh is not run again.
    """
    return run_gates(image_bytes, loader=cached_model, job_id="studio", faces=faces)


def render_gate_strip_for(image_bytes: bytes, title: str = "Quality gates (seed 002)",
                          faces: tuple[DetectedFace, ...] | None = None) -> None:
    """Run (cached) and show the gate strip of one input image's bytes (``faces``: already detected in it)."""
    render_gate_strip(cached_gate_result(image_bytes, faces), title)
