"""TorchScript model files: loaded on CPU with ``torch.jit.load`` and their output picked by the spec."""

from __future__ import annotations

import io

import torch

from models.runtime.errors import ModelFileError


def load_torchscript(model_bytes: bytes, label: str) -> torch.jit.ScriptModule:
    """The TorchScript module in ``model_bytes``, on CPU, in eval mode.

    Raises:
        ModelFileError: not a TorchScript archive (truncated, a pickled state dict, another format).
    """
    try:
        module = torch.jit.load(io.BytesIO(model_bytes), map_location="cpu")
    except RuntimeError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ModelFileError(f"{label} is not a TorchScript archive (truncated, a state dict or another format; "
                             f"save it with torch.jit.save): {first}") from exc
    return module.eval()


def select_output(result: object, output: str | None, label: str) -> torch.Tensor:
    """The tensor the spec reads from a TorchScript forward ``result``.

    A tensor is read as is (``output`` must be None); a dict by key ``output``; a tuple or list by index
    ``output`` ("0", "1", ...).

    Raises:
        ModelFileError: ``output`` missing from the result, or the result is not a tensor, dict, tuple or list.
    """
    if isinstance(result, torch.Tensor):
        if output is not None:
            raise ModelFileError(f"{label}: the spec names output {output!r}, but the model returns a single "
                                 "tensor; leave output out of the spec")
        return result
    if isinstance(result, dict):
        if output not in result:
            raise ModelFileError(f"{label}: the spec names output {output!r}, but the model returns a dict with "
                                 f"keys: {', '.join(map(str, result))}")
        return result[output]
    if isinstance(result, (tuple, list)):
        if output is None or not output.isdigit() or int(output) >= len(result):
            raise ModelFileError(f"{label}: the model returns {len(result)} outputs; the spec's output must be "
                                 f"their index 0..{len(result) - 1}, got {output!r}")
        return result[int(output)]
    raise ModelFileError(f"{label}: the model returns {type(result).__name__}, not a tensor, dict or tuple")
