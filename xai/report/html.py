"""A self-contained HTML audit report: every image is a ``data:`` URI, no external resource is referenced.

Redaction (``redact=True``) replaces every face picture by a pixelated, blurred thumbnail and draws heatmaps
without the face under them; the original image bytes are never embedded in either mode (only downscaled
thumbnails are).
"""

from __future__ import annotations

import base64
import html
import io
import json
import math

import cv2
import numpy as np
from PIL import Image

from xai.core.render import colorbar, colorize, overlay
from xai.report.builder import AuditReport, Picture

THUMB_SIDE = 256
TITLES = {"spoof": "Face anti-spoofing (seed 000)", "verify": "Face verification (seed 001)",
          "gates": "Passive-liveness quality gates (seed 002)", "idcard": "ID-card recapture detection (seed 003)"}
VERDICT_COLOURS = {"accept": "#e3f4e6", "pass": "#e3f4e6", "doubt": "#fff4d6", "warn": "#fff4d6",
                   "reject": "#fde2e1", "n/a": "#eeeeee"}

CSS = """
body{font-family:-apple-system,'Segoe UI',Roboto,'DejaVu Sans',sans-serif;margin:0;background:#f6f7f9;color:#1d2430}
main{max-width:1080px;margin:0 auto;padding:24px 28px 60px;background:#fff}
h1{font-size:1.6rem;margin:0 0 4px}h2{font-size:1.2rem;border-bottom:2px solid #e3e7ee;padding-bottom:4px;margin-top:32px}
.meta{color:#5b6472;font-size:.9rem}.banner{padding:12px 16px;border-radius:8px;margin:16px 0;font-size:1.1rem}
.plain{background:#f1f6ff;border-left:4px solid #1565c0;padding:10px 16px;border-radius:4px}
.plain h3{margin:10px 0 4px;font-size:1rem}.plain p{margin:4px 0 10px;white-space:pre-line}
table{border-collapse:collapse;width:100%;font-size:.86rem;margin:8px 0}
th,td{border:1px solid #dde2ea;padding:4px 8px;text-align:left;vertical-align:top}th{background:#f0f2f6}
code,.hash{font-family:'DejaVu Sans Mono',Menlo,monospace;font-size:.78rem;word-break:break-all}
.grid{display:flex;flex-wrap:wrap;gap:14px}.tile{width:240px;font-size:.8rem;color:#3a4250}
.tile img{width:240px;border-radius:4px;display:block;image-rendering:auto}
.inputs .tile img{width:200px}.inputs .tile{width:200px}
pre{background:#f4f5f7;padding:10px;border-radius:6px;overflow:auto;font-size:.75rem;max-height:520px}
.cell{display:inline-block;padding:2px 8px;border-radius:6px;margin:2px;font-size:.8rem;border:1px solid #ccd}
.note{color:#8a5a00;background:#fff8e1;padding:6px 10px;border-radius:6px;font-size:.85rem}
"""


def png_bytes(image: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(image)).save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def data_uri(image: np.ndarray) -> str:
    return "data:image/png;base64," + base64.b64encode(png_bytes(image)).decode()


def thumbnail(image: np.ndarray, side: int = THUMB_SIDE) -> np.ndarray:
    """(h, w, 3) uint8 copy whose longer side is at most ``side``."""
    h, w = image.shape[:2]
    scale = min(1.0, side / max(h, w))
    if scale >= 1.0:
        return image.copy()
    return cv2.resize(image, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA)


def redacted(image: np.ndarray, blocks: int = 10) -> np.ndarray:
    """Pixelated (``blocks`` cells across) and blurred thumbnail: shape and colours survive, identity does not."""
    small = thumbnail(image, THUMB_SIDE)
    h, w = small.shape[:2]
    cells = cv2.resize(small, (blocks, max(1, round(blocks * h / w))), interpolation=cv2.INTER_AREA)
    blocky = cv2.resize(cells, (w, h), interpolation=cv2.INTER_NEAREST)
    return cv2.GaussianBlur(blocky, (0, 0), 3)


def picture_image(picture: Picture, redact: bool) -> np.ndarray:
    """The image shown for a heatmap/picture: overlay on the crop, or (redacted) the heatmap/pixelated picture."""
    if picture.heatmap is not None:
        if picture.base is None or (redact and picture.shows_face):
            heat = picture.heatmap
            if max(heat.shape) < 224:
                heat = cv2.resize(heat, (224, 224), interpolation=cv2.INTER_NEAREST)
            return colorize(heat)
        return overlay(thumbnail(picture.base, 320), picture.heatmap)
    base = picture.base
    return redacted(base) if redact and picture.shows_face else thumbnail(base, 480)


def fmt(value) -> str:
    """Numbers with 4 significant decimals, the rest as text."""
    if isinstance(value, bool) or value is None:
        return html.escape(str(value))
    if isinstance(value, float):
        return "NaN" if math.isnan(value) else f"{value:.4f}"
    if isinstance(value, (list, tuple, dict)):
        return f"<code>{html.escape(json.dumps(value, ensure_ascii=False))}</code>"
    return html.escape(str(value))


def _table(rows: list[tuple], head: tuple[str, ...]) -> str:
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return "<table><tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in head) + "</tr>" + body + "</table>"


def banner_colour(report: AuditReport) -> str:
    label = str(report.decision.get("label", "")).lower()
    if any(w in label for w in ("spoof", "different", "reject", "not judged")):
        return "#fde2e1"
    if "doubt" in label:
        return "#fff4d6"
    return "#e3f4e6"


def render_html(report: AuditReport, redact: bool = False) -> str:
    """The whole report as one HTML document (UTF-8 text) with every image embedded."""
    j = report.to_json()
    e = html.escape
    decision = report.decision
    parts = [f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
             f"<title>Audit report: {e(TITLES[report.task])}</title><style>{CSS}</style></head><body><main>",
             f"<h1>Audit report — {e(TITLES[report.task])}</h1>",
             f"<div class='meta'>Created {e(report.created_utc)} (UTC) · explainer <b>{e(report.explainer)}</b> · seed "
             f"{e(str(report.seed))} · report schema <code>{e(j['schema'])}</code> · parameters SHA-256 "
             f"<span class='hash'>{report.parameters_sha256}</span></div>",
             f"<div class='banner' data-testid='decision' style='background:{banner_colour(report)}'>"
             f"<b>Decision:</b> {e(str(decision.get('label')))}"
             + "".join(f" · {e(k)}: {fmt(v)}" for k, v in decision.items() if k != "label") + "</div>"]
    if redact:
        parts.append("<p class='note'>Redacted report: faces are pixelated and heatmaps are shown without the face; "
                     "no original image is embedded. The SHA-256 below still identifies each input.</p>")
    p = report.plain
    parts.append("<h2>In plain language</h2><div class='plain' data-testid='plain-language'>"
                 f"<h3>What the explanation shows</h3><p>{e(p.shows)}</p>"
                 f"<h3>What it does not show</h3><p>{e(p.does_not_show)}</p>"
                 f"<h3>How faithful it measured</h3><p>{e(p.faithfulness)}</p>"
                 f"<h3>The model's known limits</h3><p>{e(p.limits)}</p></div>")
    tiles = []
    for record in report.inputs:
        shown = redacted(record.image) if redact else thumbnail(record.image)
        tiles.append(f"<div class='tile'><img alt='{e(record.role)}' src='{data_uri(shown)}'>"
                     f"<b>{e(record.role)}</b>: {e(record.name)}<br>{record.width}×{record.height} px, "
                     f"{record.n_bytes} bytes</div>")
    parts.append("<h2>Inputs</h2><div class='grid inputs'>" + "".join(tiles) + "</div>")
    parts.append(_table([(e(r.role), e(r.name), f"<span class='hash'>{r.sha256}</span>") for r in report.inputs],
                        ("role", "file", "SHA-256 of the file bytes")))
    parts.append("<h2>Decision and scores</h2>" + _table([(e(k), fmt(v)) for k, v in report.scores.items()],
                                                          ("score", "value")))
    if report.pictures:
        bar = data_uri(colorbar(240, 12))
        tiles = []
        for pic in report.pictures:
            scale = (f"<img alt='colour bar' src='{bar}' style='height:12px'><div style='display:flex;"
                     "justify-content:space-between'><span>0 (blue)</span><span>1 (red)</span></div>"
                     if pic.heatmap is not None else "")
            tiles.append(f"<div class='tile' data-testid='heatmap'><img alt='{e(pic.name)}' "
                         f"src='{data_uri(picture_image(pic, redact))}'>{scale}<b>{e(pic.name)}</b>: {e(pic.caption)}"
                         f"<br>SHA-256 <span class='hash'>{pic.sha256}</span></div>")
        parts.append("<h2>Heatmaps and evidence</h2><div class='grid'>" + "".join(tiles) + "</div>")
    if report.faithfulness:
        names = sorted({k for v in report.faithfulness.values() for k in v})
        parts.append("<h2>Faithfulness</h2><p class='meta'>Deletion AUC: lower = more faithful; insertion AUC: "
                     "higher = more faithful; ΔS = confidence drop when the top pixels are masked.</p>"
                     + _table([(e(k), *(fmt(v.get(n)) for n in names)) for k, v in report.faithfulness.items()],
                              ("map / unit", *names)))
    if report.gates:
        parts.append("<h2>Quality gates (seed 002)</h2>")
        for g in report.gates:
            cells = "".join(f"<span class='cell' style='background:{VERDICT_COLOURS.get(c['verdict'], '#eee')}'>"
                            f"<b>{e(c['label'])}</b>: {e(c['verdict'])} — {e(c['text'])}</span>" for c in g.verdicts)
            parts.append(f"<p><b>{e(g.input_name)}</b><br>{cells}</p><details><summary>JSON response of "
                         f"{e(g.input_name)}</summary><pre>{e(json.dumps(g.response, indent=2, ensure_ascii=False))}"
                         "</pre></details>")
    parts.append("<h2>Models</h2>" + _table(
        [(e(m.name), e(m.title), e(m.version),
          "<br>".join(f"{e(f)}: <span class='hash'>{h}</span>" for f, h in m.file_hashes.items()) or "—",
          e(m.card_file), e(m.summary)) for m in report.models],
        ("name", "title", "version", "weight files (SHA-256)", "card", "card summary")))
    parts.append("<h2>Explainer and parameters</h2>" + _table(
        [(e("explainer"), e(report.explainer))] + ([] if "seed" in report.parameters else [(e("seed"), fmt(report.seed))])
        + [(e(k), fmt(v)) for k, v in report.parameters.items()], ("parameter", "value")))
    parts.append("<h2>Software</h2>" + _table([(e(k), e(v)) for k, v in report.software.items()],
                                              ("package", "version")))
    parts.append("<h2>Machine-readable report (report.json)</h2><details><summary>show</summary><pre>"
                 + e(report.json_text()) + "</pre></details>")
    parts.append("<p class='meta'>Replay: <code>python -m xai report --replay report.json --inputs DIR</code> "
                 "recomputes every number and heatmap hash from the inputs and says whether each is identical.</p>")
    parts.append("</main></body></html>")
    return "".join(parts)
