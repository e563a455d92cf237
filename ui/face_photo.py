"""The sidebar's "Input" block of the one-photo pages: upload a face photo or pick one of the samples."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st
from streamlit.runtime.uploaded_file_manager import UploadedFile

from xai.core.images import UPLOAD_TYPES
from xai.core.samples import SAMPLES_DIR, sample_index


@dataclass(frozen=True, slots=True)
class PhotoChoice:
    """What the sidebar holds: an uploaded file (it wins), else a sample file name, else neither."""

    upload: UploadedFile | None
    sample: str | None

    def read_or_stop(self) -> tuple[bytes, str]:
        """(file bytes, name shown to the user) of the upload or the sample; with neither, say so and stop the run."""
        if self.upload is not None:
            return self.upload.getvalue(), self.upload.name
        if self.sample:
            return (SAMPLES_DIR / self.sample).read_bytes(), self.sample
        st.info("Upload a photo or run the set-up to fetch the samples.")
        st.stop()


def face_photo_input() -> PhotoChoice:
    """Draw the "Input" header, the uploader and the sample box (disabled while a file is uploaded).

    Call it inside ``with st.sidebar:``; the sample box is left out when the samples are not fetched.
    """
    samples = sample_index()
    st.header("Input")
    upload = st.file_uploader("Upload a face photo", type=UPLOAD_TYPES)
    sample = st.selectbox("…or pick a sample", [s["file"] for s in samples], disabled=upload is not None) \
        if samples else None
    return PhotoChoice(upload, sample)
