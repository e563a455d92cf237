"""A user model as a hookable ``nn.Module`` for gradient CAMs: onnx2torch's conversion of its ONNX graph.

Loaded TorchScript modules cannot be hooked (``register_forward_hook is not supported on ScriptModules``), so a
TorchScript model is first exported to ONNX (``torch.onnx.export`` of the script module) and converted the same
way. Submodules of the conversion are named after the ONNX nodes, "." replaced by "/" and the leading "/"
dropped (onnx2torch's rule, :func:`module_name`), so a spec's ``cam_layer`` is an ONNX node name as Netron shows it.
"""

from __future__ import annotations

import io

import onnx
import torch

from models.runtime.errors import ModelFileError


def onnx_to_torch(proto: onnx.ModelProto) -> torch.nn.Module:
    """onnx2torch's ``fx.GraphModule`` of ``proto``, in eval mode.

    Raises:
        ModelFileError: onnx2torch cannot convert a node (the message names it).
    """
    from onnx2torch import convert

    try:
        return convert(proto).eval()
    except (NotImplementedError, ValueError, KeyError, TypeError, RuntimeError) as exc:
        raise ModelFileError(f"onnx2torch cannot convert this graph: {type(exc).__name__}: {exc}") from exc


def torchscript_to_onnx(module: torch.jit.ScriptModule, example: torch.Tensor) -> onnx.ModelProto:
    """The ONNX graph of a TorchScript ``module`` run on ``example`` (its input layout), opset 17.

    Raises:
        ModelFileError: the TorchScript exporter cannot export the module.
    """
    buffer = io.BytesIO()
    try:
        torch.onnx.export(module, (example,), buffer, input_names=["input"], opset_version=17, dynamo=False,
                          dynamic_axes={"input": {0: "batch"}})
    except (RuntimeError, torch.onnx.errors.OnnxExporterError, TypeError, ValueError) as exc:
        raise ModelFileError(f"torch.onnx.export cannot export this TorchScript module: {type(exc).__name__}: "
                             f"{str(exc).strip().splitlines()[0] if str(exc).strip() else ''}") from exc
    return onnx.load_model_from_string(buffer.getvalue())


def module_name(node_name: str) -> str:
    """The onnx2torch submodule name of ONNX node ``node_name`` of the default domain: "." → "/", no leading "/"
    (e.g. "/layer4/layer4.1/relu_1/Relu" → "layer4/layer4/1/relu_1/Relu"); a module name is returned unchanged."""
    return node_name.replace(".", "/").lstrip("/")
