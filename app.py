"""Face XAI Studio: the router. Each page is one file in ``pages/``; adding a page = one file + one line here."""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("GLOG_minloglevel", "2")
ROOT = Path(__file__).resolve().parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402

from ui.preload import preload_page_imports  # noqa: E402

# url_path values differ from the file names on purpose: Streamlit also maps /<file stem> of pages/ to the bare
# file (its older multipage mode), which would skip this router and its page config.
PAGES = [
    st.Page("pages/home.py", title="Home", icon=":material/home:", default=True),
    st.Page("pages/spoof.py", title="Face anti-spoofing", icon=":material/shield_person:", url_path="anti-spoofing"),
    st.Page("pages/verify.py", title="Face verification", icon=":material/compare:", url_path="verification"),
    st.Page("pages/idcard.py", title="ID card", icon=":material/badge:", url_path="id-card"),
    st.Page("pages/gates.py", title="Quality gates", icon=":material/fact_check:", url_path="quality-gates"),
    st.Page("pages/evaluation.py", title="Evaluation", icon=":material/analytics:", url_path="model-evaluation"),
]


def run() -> None:
    st.set_page_config(page_title="Face XAI Studio", page_icon=":material/face:", layout="wide")
    with st.spinner("Loading the libraries (first visit only)…"):
        preload_page_imports()  # before any page: sessions opened together must not race through first imports
    st.navigation(PAGES).run()


run()
