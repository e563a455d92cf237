"""The one error of a user model file that cannot be used (re-exported by :mod:`models.user`)."""

from __future__ import annotations


class ModelFileError(ValueError):
    """A user model file is unusable: truncated or not a model, over the size limit, an operator onnxruntime
    cannot run, a spec naming a missing output, an input size that disagrees with the spec, non-finite outputs...
    The message says which, and what to fix."""
