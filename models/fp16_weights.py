"""The weights of the models trained here: one safetensors file per network, floating tensors stored in float16."""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

from safetensors.torch import load_file, save_file
from torch import nn

from models.base import ROOT, ModelUnavailableError

Net = TypeVar("Net", bound=nn.Module)


def require_weights(path: Path, retrain: str) -> None:
    """Raise :class:`ModelUnavailableError` naming ``path`` and the ``retrain`` command when the file is missing.

    Args:
        path: the weight file, inside the repository.
        retrain: the shell command that writes it again, quoted in the message.
    """
    if not path.is_file():
        raise ModelUnavailableError(
            f"{path.relative_to(ROOT)} is missing: it is committed with the repository; to retrain run `{retrain}`")


def load_fp16(net: Net, path: Path) -> Net:
    """Load a float16 safetensors state dict into ``net`` as float32 and freeze it for inference.

    Args:
        net: the freshly built network whose state-dict keys the file holds.
        path: the ``.safetensors`` file written by :func:`save_fp16`.

    Returns:
        ``net`` itself, in eval mode with ``requires_grad`` off.

    Raises:
        RuntimeError: the file does not fit ``net`` (missing, unexpected or mis-shaped keys).
        OSError: the file cannot be read.
        safetensors.SafetensorError: the file is not safetensors.
    """
    net.load_state_dict({k: v.float() for k, v in load_file(str(path)).items()})
    return net.eval().requires_grad_(False)


def save_fp16(net: nn.Module, path: Path) -> None:
    """Save the state dict as safetensors with floating tensors in float16 (creating the folder)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {k: (v.half() if v.is_floating_point() else v).contiguous() for k, v in net.state_dict().items()}
    save_file(state, str(path))
