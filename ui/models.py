"""The app's one model loader: every page and ui/ helper passes :func:`cached_model` as ``loader=``.

``st.cache_resource`` shares the object with every session, so what it holds must be the bare model: explainers
attach their hooks per call and remove them before returning (see :mod:`xai.explain.cam`), never here.
"""

from __future__ import annotations

import streamlit as st

from models.base import PretrainedModel
from models.registry import load_model


@st.cache_resource(show_spinner="Loading the model…")
def cached_model(name: str) -> PretrainedModel:
    """The registered model ``name``, loaded once per server process (errors as :func:`models.registry.load_model`)."""
    return load_model(name)
