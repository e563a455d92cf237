"""The "Export audit report" component on a page: built only on click, then HTML, PDF and report.json downloads."""

from __future__ import annotations

from app_pages import run_page


def test_gates_page_exports_an_audit_report():
    at = run_page("pages/gates.py")
    before = len(at.get("download_button"))
    build = next(b for b in at.button if b.label == "Build the audit report")
    build.click().run()
    assert not at.exception, at.exception
    assert len(at.get("download_button")) == before + 3  # HTML, PDF, report.json
    assert any("Report built at" in s.value for s in at.success)
    at.checkbox(key="audit-report-gates-redact").check().run()  # the choice changed: build again
    assert any("redaction choice changed" in i.value for i in at.info)
