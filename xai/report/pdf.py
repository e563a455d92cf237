"""The audit report as a PDF (fpdf2, DejaVu fonts shipped with matplotlib so every Unicode symbol prints)."""

from __future__ import annotations

import io
import json
import math
from pathlib import Path

from PIL import Image

from xai.core.render import colorbar
from xai.report.builder import AuditReport
from xai.report.html import TITLES, banner_colour, picture_image, png_bytes, redacted, thumbnail


def _font_dir() -> Path:
    import matplotlib

    return Path(matplotlib.get_data_path()) / "fonts" / "ttf"


def _hex(colour: str) -> tuple[int, int, int]:
    return tuple(int(colour[i:i + 2], 16) for i in (1, 3, 5))


def _num(value) -> str:
    if isinstance(value, float):
        return "NaN" if math.isnan(value) else f"{value:.4f}"
    if isinstance(value, (list, tuple, dict)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def render_pdf(report: AuditReport, redact: bool = False) -> bytes:
    """The report (same content as :func:`xai.report.html.render_html`, the JSON in an appendix) as PDF bytes."""
    from fpdf import FPDF

    pdf = FPDF(format="A4", unit="mm")
    fonts = _font_dir()
    pdf.add_font("DejaVu", "", str(fonts / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(fonts / "DejaVuSans-Bold.ttf"))
    pdf.add_font("DejaVuMono", "", str(fonts / "DejaVuSansMono.ttf"))
    pdf.set_auto_page_break(True, margin=14)
    pdf.set_title(f"Audit report: {TITLES[report.task]}")
    pdf.set_creator("Face XAI Studio")
    pdf.add_page()
    width = pdf.epw

    def heading(text: str) -> None:
        pdf.ln(3)
        pdf.set_font("DejaVu", "B", 12)
        pdf.set_text_color(21, 101, 192)
        pdf.multi_cell(width, 7, text, new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(0, 0, 0)
        pdf.set_font("DejaVu", "", 9)

    def para(text: str, size: float = 9, mono: bool = False) -> None:
        pdf.set_font("DejaVuMono" if mono else "DejaVu", "", size)
        pdf.multi_cell(width, size * 0.5, text, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("DejaVu", "", 9)

    def table(rows: list[tuple[str, ...]], head: tuple[str, ...], widths: tuple[float, ...] | None = None,
              size: float = 8) -> None:
        pdf.set_font("DejaVu", "", size)
        from fpdf.fonts import FontFace

        with pdf.table(col_widths=widths, text_align="LEFT", line_height=size * 0.5,
                       headings_style=FontFace(emphasis="BOLD", fill_color=(240, 242, 246))) as t:
            header = t.row()
            for h in head:
                header.cell(h)
            for row in rows:
                r = t.row()
                for cell in row:
                    r.cell(str(cell))
        pdf.set_font("DejaVu", "", 9)

    def image_row(images: list[tuple[bytes, str]], tile: float = 42) -> None:
        """Pictures fitted into tile × tile boxes, captions below, as many per row as fit."""
        per_row = max(1, int(width // (tile + 4)))
        for start in range(0, len(images), per_row):
            chunk = images[start:start + per_row]
            if pdf.get_y() + tile + 24 > pdf.h - pdf.b_margin:
                pdf.add_page()
            y = pdf.get_y()
            bottoms = []
            for i, (data, caption) in enumerate(chunk):
                x = pdf.l_margin + i * (tile + 4)
                with Image.open(io.BytesIO(data)) as im:
                    w, h = im.size
                size = {"w": tile} if w >= h else {"h": tile}
                info = pdf.image(io.BytesIO(data), x=x, y=y, **size)
                pdf.set_xy(x, y + info.rendered_height + 0.5)
                pdf.set_font("DejaVu", "", 6.5)
                pdf.multi_cell(tile, 3, caption, new_x="LEFT", new_y="NEXT")
                bottoms.append(pdf.get_y())
            pdf.set_xy(pdf.l_margin, max(bottoms) + 3)
        pdf.set_font("DejaVu", "", 9)

    pdf.set_font("DejaVu", "B", 16)
    pdf.multi_cell(width, 8, f"Audit report — {TITLES[report.task]}", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 8)
    pdf.multi_cell(width, 4, f"Created {report.created_utc} (UTC) · explainer {report.explainer} · seed {report.seed}"
                   f"\nparameters SHA-256 {report.parameters_sha256}", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_fill_color(*_hex(banner_colour(report)))
    pdf.set_font("DejaVu", "B", 11)
    extra = " · ".join(f"{k}: {_num(v)}" for k, v in report.decision.items() if k != "label")
    pdf.multi_cell(width, 7, f"Decision: {report.decision.get('label')}   {extra}", fill=True, new_x="LMARGIN",
                   new_y="NEXT")
    pdf.set_font("DejaVu", "", 9)
    pdf.set_fill_color(255, 255, 255)
    if redact:
        para("Redacted report: faces are pixelated and heatmaps are shown without the face; no original image is "
             "embedded.", 8)

    heading("In plain language")
    p = report.plain
    for title, text in (("What the explanation shows", p.shows), ("What it does not show", p.does_not_show),
                        ("How faithful it measured", p.faithfulness), ("The model's known limits", p.limits)):
        pdf.set_font("DejaVu", "B", 9)
        pdf.multi_cell(width, 5, title, new_x="LMARGIN", new_y="NEXT")
        para(text.replace("`", ""), 8.5)

    heading("Inputs")
    image_row([(png_bytes(redacted(r.image) if redact else thumbnail(r.image)), f"{r.role}: {r.name}")
               for r in report.inputs], tile=40)
    table([(r.role, r.name, f"{r.width}×{r.height}", r.sha256) for r in report.inputs],
          ("role", "file", "size", "SHA-256"), (14, 30, 18, 88), 7)

    heading("Decision and scores")
    table([(k, _num(v)) for k, v in report.scores.items()], ("score", "value"), (90, 60))

    if report.pictures:
        heading("Heatmaps and evidence")
        bar = png_bytes(colorbar(240, 12))
        pdf.image(io.BytesIO(bar), w=50)
        para("colour scale: 0 (blue) → 1 (red)", 7)
        image_row([(png_bytes(picture_image(pic, redact)), f"{pic.name}: {pic.caption}\nSHA-256 {pic.sha256[:32]}…")
                   for pic in report.pictures], tile=42)
        table([(pic.name, pic.sha256) for pic in report.pictures], ("map", "SHA-256 of the map bytes"), (40, 110), 7)

    if report.faithfulness:
        heading("Faithfulness")
        names = sorted({k for v in report.faithfulness.values() for k in v})
        table([(k, *(_num(v.get(n)) if n in v else "—" for n in names)) for k, v in report.faithfulness.items()],
              ("map / unit", *names), None, 7)

    if report.gates:
        heading("Quality gates (seed 002)")
        for g in report.gates:
            table([(c["label"], c["verdict"], c["text"]) for c in g.verdicts], (g.input_name, "verdict", "value"),
                  (40, 25, 85), 7)

    heading("Models")
    table([(m.name, m.version, "\n".join(f"{f}: {h}" for f, h in m.file_hashes.items()) or "—", m.summary)
           for m in report.models], ("name", "version", "weight files (SHA-256)", "card summary"), (30, 25, 60, 65), 6.5)

    heading("Explainer and parameters")
    table([("explainer", report.explainer)] + ([] if "seed" in report.parameters else [("seed", str(report.seed))])
          + [(k, _num(v)) for k, v in report.parameters.items()], ("parameter", "value"), (50, 100))

    heading("Software")
    table([(k, v) for k, v in report.software.items()], ("package", "version"), (60, 90))

    pdf.add_page()
    heading("Appendix: report.json")
    para(report.json_text(), 6, mono=True)
    return bytes(pdf.output())
