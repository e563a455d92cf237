"""Reproducible audit reports: one explanation with everything needed to check and replay it.

* :mod:`xai.report.builder`: the generic records (:class:`AuditReport`, inputs, models, pictures, gate records, the
  plain-language section), :class:`ReportTask` (rebuild from recorded parameters) and :class:`GateRunner`;
* :mod:`xai.report.html`: a self-contained HTML file (images as data URIs, optional redaction);
* :mod:`xai.report.pdf`: the same content as a PDF (fpdf2);
* :mod:`xai.report.replay`: recompute a ``report.json`` from its inputs and say what is identical.

Each task's section is in its own package: :mod:`xai.spoof.report`, :mod:`xai.verify.report`,
:mod:`xai.gates.report`, :mod:`xai.idcard.report`; the task table :mod:`xai.tasks` wires them.
"""

from xai.report.builder import AuditReport, GateRunner, GateSection, ReportInput, ReportTask

__all__ = ["AuditReport", "GateRunner", "GateSection", "ReportInput", "ReportTask"]
