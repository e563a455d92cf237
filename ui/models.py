"""The app's one model loader: every page and ui/ helper passes :func:`cached_model` (or :func:`page_model`) as
``loader=``.

``st.cache_resource`` shares the object with every session, so what it holds must be the bare model: explainers
attach their hooks per call and remove them before returning (see :mod:`xai.explain.cam`), never here.

A registered user model (:mod:`models.user_store`) is cached under its folder's state (the spec's and model
file's modification time and size): a model removed and added again under the same name is loaded anew, never
served stale. A model uploaded on a page ("Add your model", :mod:`ui.add_model`) is held in that browser
session's ``st.session_state`` only, never in the process-wide cache: :func:`page_model` resolves the session's
models first, then :func:`cached_model`, and :func:`model_key` tells result caches which model a name stood for.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import streamlit as st

from models.base import PretrainedModel
from models.registry import REGISTRY, load_model

#: ``st.session_state`` slot of the models uploaded in this session: name → :class:`SessionModel`.
SESSION_MODELS = "session-user-models"
_SHIPPED = frozenset(e.name for e in REGISTRY)


@dataclass(frozen=True, slots=True)
class SessionModel:
    """A user model uploaded in one browser session and built in memory (never written to disk).

    Attributes:
        model: the built model (:class:`models.user.UserEmbedder`, :class:`models.user.UserSpoofClassifier` or
            :class:`models.user.UserRecaptureClassifier`).
        checks: what :func:`xai.core.model_checks.check_model` measured on the sample face.
        spec_text: the uploaded spec's TOML.
        model_bytes: the uploaded model file's bytes (kept for "Register on this server" only).
        file_name: the uploaded model file's name.
    """

    model: PretrainedModel
    checks: object
    spec_text: str
    model_bytes: bytes
    file_name: str

    @property
    def role(self) -> str:
        return self.model.role


def _user_state(name: str) -> tuple[int, ...]:
    """() for a shipped model; a registered user model's folder state (:meth:`UserModelRecord.stamp`)."""
    if name in _SHIPPED:
        return ()
    from models.user_store import list_user_models

    # not a user model: () and load_model raises the registry's "unknown model" message
    return next((r.stamp() for r in list_user_models() if r.name == name), ())


@st.cache_resource(show_spinner="Loading the model…", max_entries=64)
def _cached(name: str, state: tuple[int, ...]) -> PretrainedModel:
    return load_model(name)


def cached_model(name: str) -> PretrainedModel:
    """The registered model ``name``, loaded once per server process (errors as :func:`models.registry.load_model`);
    a user model once per state of its folder."""
    return _cached(name, _user_state(name))


def session_models(role: str | None = None) -> dict[str, SessionModel]:
    """The models uploaded in this browser session (name → :class:`SessionModel`), optionally of one role."""
    held = st.session_state.get(SESSION_MODELS, {})
    return {name: m for name, m in held.items() if role is None or m.role == role}


def page_model(name: str) -> PretrainedModel:
    """The loader pages pass to ``xai/``: this session's uploaded model ``name``, else :func:`cached_model`."""
    held = st.session_state.get(SESSION_MODELS, {})
    if name in held:
        return held[name].model
    return cached_model(name)


def model_key(name: str) -> str:
    """What a model name stands for, for result-cache keys: "" for a shipped model, the model file's SHA-256 for
    a model uploaded in this session, the folder state for a registered user model. Two sessions that upload
    different files under one name never share results."""
    held = st.session_state.get(SESSION_MODELS, {})
    if name in held:
        spec_digest = hashlib.sha256(held[name].spec_text.encode()).hexdigest()
        return f"session:{held[name].model.sha256}:{spec_digest}"
    state = _user_state(name)
    return f"user:{state}" if state else ""
