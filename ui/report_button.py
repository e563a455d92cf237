""""Export audit report": a small component every explanation page ends with (see :mod:`xai.report`).

The report is assembled only when the button is clicked, from the result the page already shows (the task's
``assemble_*_report``: nothing is recomputed except what the page did not show), kept in the session so the
download buttons survive Streamlit's reruns, and never written to disk: HTML, PDF and report.json are offered
as downloads.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import streamlit as st

from xai.report.builder import AuditReport


def report_button(key: str, build: Callable[[], AuditReport], file_stem: str, fingerprint: str = "") -> None:
    """Show the export expander.

    Args:
        key: unique per page (widget keys and session slot).
        build: the report of what the page shows, from the page's result and parameters.
        file_stem: download file names start with it.
        fingerprint: changes whenever the inputs or parameters change (a stale report is then dropped).
    """
    slot = f"audit-report-{key}"
    stamp = hashlib.sha256(fingerprint.encode()).hexdigest()
    with st.expander("Export audit report", icon=":material/description:"):
        st.caption("A self-contained HTML file (images embedded) and a PDF with the inputs' SHA-256, the models and "
                   "their weight hashes and cards, every parameter and the seed, software versions, the decision, "
                   "scores, heatmaps, faithfulness, quality gates and a plain-language summary; report.json is the "
                   "machine-readable part (replay it with `python -m xai report --replay report.json`).")
        redact = st.checkbox("Redact faces (pixelated thumbnails, heatmaps without the face)", key=f"{slot}-redact")
        if st.button("Build the audit report", key=f"{slot}-build", icon=":material/description:"):
            from xai.report.html import render_html
            from xai.report.pdf import render_pdf

            with st.spinner("Writing the report…"):
                report = build()
                st.session_state[slot] = {"stamp": stamp, "redact": redact, "html": render_html(report, redact),
                                          "pdf": render_pdf(report, redact), "json": report.json_text(),
                                          "created": report.created_utc}
        built = st.session_state.get(slot)
        if built is None or built["stamp"] != stamp:
            return
        if built["redact"] != redact:
            st.info("The redaction choice changed: build the report again.")
            return
        st.success(f"Report built at {built['created']} UTC" + (" (redacted)." if built["redact"] else "."))
        columns = st.columns(3)
        suffix = "-redacted" if built["redact"] else ""
        columns[0].download_button("Download HTML", built["html"], file_name=f"{file_stem}{suffix}.html",
                                   mime="text/html", key=f"{slot}-html")
        columns[1].download_button("Download PDF", built["pdf"], file_name=f"{file_stem}{suffix}.pdf",
                                   mime="application/pdf", key=f"{slot}-pdf")
        columns[2].download_button("Download report.json", built["json"], file_name=f"{file_stem}.report.json",
                                   mime="application/json", key=f"{slot}-json")
