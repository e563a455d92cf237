"""The "Add your model" panel of the verification, anti-spoofing and ID-card pages (issue 15).

Upload a model file (ONNX or TorchScript) and its spec (TOML, ``schemas/model_spec.schema.json``); the model is
built in memory (:func:`models.user.build_user_model`), checked on a real sample face
(:func:`xai.core.model_checks.check_model`) and kept in this browser session only (:mod:`ui.models`): it is never
written to disk, and the page's model choice offers it beside the shipped and registered models through the same
loader (:func:`ui.models.page_model`). A bad spec, a bad file or a failed check shows its one precise message and
nothing is kept.

Registering the upload on the server (the user model store, :func:`models.user_store.save_user_model`, with a
generated card) is offered only when the operator starts the studio with ``FACE_XAI_ALLOW_REGISTER=1``
(:data:`ALLOW_REGISTER`): a registered model is served to every session.
"""

from __future__ import annotations

import os
from pathlib import Path

import streamlit as st

from models.registry import invalidate_user_models, names
from models.spec import FORMAT_OF_SUFFIX, SpecError, parse_spec
from models.user import MAX_MODEL_BYTES, ModelFileError, build_user_model
from ui.models import SESSION_MODELS, SessionModel, session_models
from xai.core.model_checks import ModelCheckError, check_model

#: Environment variable with which the operator lets visitors register an uploaded model on the server ("1").
ALLOW_REGISTER = "FACE_XAI_ALLOW_REGISTER"
#: What each page's panel accepts: role → the page that serves the other roles.
ROLE_WORDS = {"embedder": "face embedder (verification)", "spoof": "spoof classifier (anti-spoofing)",
              "recapture": "ID-card recapture classifier", "estimator": "soft-biometric estimator (age, gender)"}
ROLE_PAGES = {"embedder": "Face verification", "spoof": "Face anti-spoofing", "recapture": "ID card"}
MODEL_TYPES = ["onnx", "pt", "pth", "ts", "torchscript"]
#: The model uploader's limit in MB: the user model file limit (:data:`models.user.MAX_MODEL_BYTES`).
MODEL_UPLOAD_MB = MAX_MODEL_BYTES // (1024 * 1024)

HELP = (
    "Bring the model you audit: a **model file** (ONNX `.onnx` or TorchScript `.pt`) and its **spec** (`.toml`: "
    "role, input size, layout, colour order, scale/mean/std, crop, output, threshold or \"calibrate\", optional "
    "`cam_layer`; see `schemas/model_spec.schema.json` and the examples in `examples/specs/`). The model is run "
    "on a sample face first (output shape, finite values, determinism, embedding norm, class count, the "
    "`cam_layer`'s layout); if it "
    "passes, it is kept **in this browser session's memory only** — never written to disk — and offered in the "
    "page's model choice. Registering it on the server for every session is possible only where the operator "
    f"started the studio with `{ALLOW_REGISTER}=1`; otherwise use `python -m xai models add SPEC` on the server."
)


def registration_enabled() -> bool:
    """True when the operator set :data:`ALLOW_REGISTER` to "1"."""
    return os.environ.get(ALLOW_REGISTER, "") == "1"


def build_session_model(spec_text: str, spec_name: str, model_bytes: bytes, file_name: str,
                        role: str) -> SessionModel:
    """Validate an upload and build it in memory: the spec, the model file, then the checks on a sample face.

    Args:
        spec_text: the spec's TOML.
        spec_name: the spec upload's file name (messages name it).
        model_bytes: the model file's bytes.
        file_name: the model upload's file name (its extension must match the spec's format).
        role: the role the page serves ("embedder", "spoof" or "recapture").

    Raises:
        SpecError: bad spec, a role this page does not serve, a format that does not match the file, or a name
            already registered.
        ModelFileError: the model file does not validate (truncated, not ONNX, unsupported operator, over
            :data:`models.user.MAX_MODEL_BYTES`, missing output, wrong input size, NaN outputs...).
        ModelCheckError: the model fails a check on the sample face.
    """
    spec = parse_spec(spec_text, None, where=spec_name)
    if spec.role != role:
        where = (f"add it on the {ROLE_PAGES[spec.role]} page" if spec.role in ROLE_PAGES else
                 "register it on the server with `python -m xai models add SPEC` (every page that shows soft "
                 "biometrics then uses it)")
        raise SpecError(f"{spec_name} describes a {ROLE_WORDS.get(spec.role, spec.role)}; this page needs a "
                        f"{ROLE_WORDS[role]}: {where}")
    uploaded_format = FORMAT_OF_SUFFIX.get(Path(file_name).suffix.lower())
    if uploaded_format is not None and uploaded_format != spec.format:
        raise SpecError(f"{spec_name} says format {spec.format!r}, but the uploaded file {file_name} is "
                        f"{uploaded_format}; upload the matching file or fix the spec's format")
    if spec.name in names():
        raise SpecError(f"{spec_name}: a model called {spec.name!r} is already registered on this server; give "
                        "the uploaded model another name in its spec")
    model = build_user_model(spec, model_bytes)
    checks = check_model(model)
    return SessionModel(model, checks, spec_text, bytes(model_bytes), file_name)


def _hold(held: SessionModel) -> None:
    models = dict(st.session_state.get(SESSION_MODELS, {}))
    models[held.model.name] = held
    st.session_state[SESSION_MODELS] = models


def _forget(name: str) -> None:
    models = dict(st.session_state.get(SESSION_MODELS, {}))
    models.pop(name, None)
    st.session_state[SESSION_MODELS] = models


def _register(held: SessionModel) -> str:
    """Save ``held`` in the user model store with its card; the record's folder (as text)."""
    from models.user_store import save_user_model
    from xai.core.model_card import calibration_state, render_model_card

    spec = held.model.spec
    card = render_model_card(spec, held.model.sha256, held.checks, calibration_state(spec))
    record = save_user_model(spec, held.model_bytes, card, held.checks.to_dict())
    invalidate_user_models()
    return str(record.folder)


def add_model_panel(role: str, select_key: str) -> None:
    """The panel: uploaders, "Check and add", the checks or the error, this session's models.

    Args:
        role: "embedder" (verification page), "spoof" (anti-spoofing page) or "recapture" (ID-card page).
        select_key: the ``key`` of the page's model selectbox; a model just added is selected there.
    """
    slot = f"add-model-{role}"
    with st.expander("Add your model", icon=":material/upload_file:",
                     expanded=bool(st.session_state.get(f"{slot}-message"))):
        st.markdown(HELP)
        columns = st.columns(2)
        model_file = columns[0].file_uploader("Model file (.onnx or .pt)", type=MODEL_TYPES, key=f"{slot}-file",
                                              max_upload_size=MODEL_UPLOAD_MB,
                                              help=f"At most {MODEL_UPLOAD_MB} MB; held in memory only.")
        spec_file = columns[1].file_uploader("Spec (.toml)", type=["toml"], key=f"{slot}-spec",
                                             help="One flat TOML table; see examples/specs/.")
        if st.button("Check and add the model", key=f"{slot}-add", icon=":material/fact_check:",
                     disabled=model_file is None or spec_file is None):
            try:
                spec_text = spec_file.getvalue().decode("utf-8")
            except UnicodeDecodeError as exc:
                st.session_state[f"{slot}-message"] = ("error", f"{spec_file.name} is not UTF-8 text: {exc}")
            else:
                try:
                    with st.spinner("Building the model and checking it on a sample face…"):
                        held = build_session_model(spec_text, spec_file.name, model_file.getvalue(),
                                                   model_file.name, role)
                except (SpecError, ModelFileError, ModelCheckError, FileNotFoundError) as exc:
                    st.session_state[f"{slot}-message"] = ("error", str(exc))
                else:
                    _hold(held)
                    st.session_state[select_key] = held.model.name  # the page's model choice shows it
                    st.session_state[f"{slot}-message"] = ("added", held.model.name)
        kind, text = st.session_state.get(f"{slot}-message", ("", ""))
        if kind == "error":
            st.error(f"Not added: {text}")
        elif kind == "added":
            st.success(f"Added **{text}** for this session: it is selected in the model choice.")
        elif kind == "registered":
            st.success(f"Registered **{text}**: every session now offers it.")
        for name, held in session_models(role).items():
            _show_session_model(slot, name, held)


def _show_session_model(slot: str, name: str, held: SessionModel) -> None:
    model = held.model
    st.markdown(f"**{name}** — {model.title} · `{held.file_name}` · SHA-256 `{model.sha256[:16]}…`  \n"
                f"Input: {model.spec.describe_input()}; crop {model.spec.crop}.")
    st.caption("Checks on the sample face: " + "; ".join(held.checks.lines()))
    if model.cam_unavailable_reason:
        st.caption(f"Gradient CAMs: {model.cam_unavailable_reason}.")
    if model.role == "embedder" and not model.calibrated:
        st.caption("Threshold: \"calibrate\" — decisions have no threshold until you calibrate the model on "
                   "your own labelled photos.")
    buttons = st.columns(2)
    if buttons[0].button("Forget this model", key=f"{slot}-forget-{name}"):
        _forget(name)
        st.session_state.pop(f"{slot}-message", None)
        st.rerun()
    if registration_enabled() and buttons[1].button("Register on this server", key=f"{slot}-register-{name}",
                                                    help="Save it in the user model store for every session."):
        try:
            folder = _register(held)
        except (SpecError, ModelFileError) as exc:
            st.error(f"Not registered: {exc}")
        else:
            _forget(name)
            st.session_state[f"{slot}-message"] = ("registered", f"{name} in {folder}")
            st.rerun()
