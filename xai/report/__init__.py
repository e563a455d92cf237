"""Reproducible audit reports: one explanation with everything needed to check and replay it.

* :mod:`xai.report.builder`: :class:`AuditReport` and ``build_*_report`` per task (spoof, verify, gates, idcard);
* :mod:`xai.report.html`: a self-contained HTML file (images as data URIs, optional redaction);
* :mod:`xai.report.pdf`: the same content as a PDF (fpdf2);
* :mod:`xai.report.replay`: recompute a ``report.json`` from its inputs and say what is identical.
"""

from xai.report.builder import (
    TASKS,
    AuditReport,
    ReportInput,
    build_gates_report,
    build_idcard_report,
    build_report,
    build_spoof_report,
    build_verify_report,
)

__all__ = ["TASKS", "AuditReport", "ReportInput", "build_gates_report", "build_idcard_report", "build_report",
           "build_spoof_report", "build_verify_report"]
