"""A TensorFlow.js graph model (``model.json`` + ``*.bin``) as a differentiable ``torch.nn.Module``.

The TF.js converter writes a frozen TensorFlow ``GraphDef`` as JSON plus a weights manifest. This
module parses both and executes the graph with PyTorch ops, keeping TensorFlow's NHWC layout and its
padding rules (SAME pads ``max((ceil(in/s) - 1) * s + (k - 1) * d + 1 - in, 0)`` split with the
extra pixel after), so outputs match the official runtime to float32 rounding (see
``tests/models/test_tfjs_golden.py``). Every graph node is an ``nn.Module`` (``graph.layer(name)``), so CAM
methods can hook any intermediate tensor; those tensors are NHWC, use :func:`nhwc_to_nchw` as the
``reshape_transform`` of pytorch-grad-cam.
"""

from __future__ import annotations

import base64
import json
import math
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn


class TfjsGraphError(RuntimeError):
    """A TF.js graph model cannot be loaded or executed (malformed file, unsupported op)."""


class UnsupportedOpError(TfjsGraphError):
    """The graph uses an op this runtime does not implement."""

    def __init__(self, op: str, node: str) -> None:
        super().__init__(f"unsupported TF.js op {op!r} at node {node!r}; implement it in models/tfjs_graph.py")
        self.op = op
        self.node = node


def nhwc_to_nchw(tensor: torch.Tensor) -> torch.Tensor:
    """Reshape transform for pytorch-grad-cam: (B, H, W, C) activations to (B, C, H, W)."""
    return tensor.permute(0, 3, 1, 2)


# --------------------------------------------------------------------------------------------
# Weights


_NUMPY_DTYPES = {"float32": np.float32, "int32": np.int32, "bool": np.bool_, "uint8": np.uint8}
_QUANT_DTYPES = {"float16": np.float16, "uint8": np.uint8, "uint16": np.uint16}


def read_weights(model_json: dict, folder: Path) -> dict[str, np.ndarray]:
    """Decode the weights manifest of a TF.js model into arrays keyed by weight (= Const node) name.

    Handles float16 storage and uint8/uint16 affine quantisation (``value * scale + min``).
    """
    weights: dict[str, np.ndarray] = {}
    for group in model_json["weightsManifest"]:
        blob = b"".join(_read_shard(folder / path) for path in group["paths"])
        offset = 0
        for spec in group["weights"]:
            shape = [int(d) for d in spec["shape"]]
            count = int(np.prod(shape)) if shape else 1
            quant = spec.get("quantization")
            stored = np.dtype(_QUANT_DTYPES[quant["dtype"]] if quant else _NUMPY_DTYPES[spec["dtype"]])
            nbytes = count * stored.itemsize
            if offset + nbytes > len(blob):
                raise TfjsGraphError(f"weight {spec['name']!r} runs past the end of {group['paths']}")
            raw = np.frombuffer(blob, dtype=stored, count=count, offset=offset)
            offset += nbytes
            if quant and quant["dtype"] != "float16":
                raw = raw.astype(np.float32) * np.float32(quant["scale"]) + np.float32(quant["min"])
            weights[spec["name"]] = raw.astype(_NUMPY_DTYPES[spec["dtype"]]).reshape(shape)
    return weights


def _read_shard(path: Path) -> bytes:
    if not path.is_file():
        raise TfjsGraphError(f"weight shard {path} is missing; run `python scripts/fetch_models.py`")
    return path.read_bytes()


# --------------------------------------------------------------------------------------------
# Node attributes


def _attr(node: dict, key: str, default=None):
    value = node.get("attr", {}).get(key)
    if value is None:
        return default
    if "s" in value:
        return base64.b64decode(value["s"]).decode()
    if "i" in value:
        return int(value["i"])
    if "f" in value:
        return float(value["f"])
    if "b" in value:
        return bool(value["b"])
    if "list" in value:
        lst = value["list"]
        if "s" in lst:
            return [base64.b64decode(s).decode() for s in lst["s"]]
        if "i" in lst:
            return [int(i) for i in lst["i"]]
        if "f" in lst:
            return [float(f) for f in lst["f"]]
        return []
    if "tensor" in value or "type" in value or "shape" in value:
        return value
    return default


def _inline_tensor(node: dict) -> np.ndarray | None:
    """Value of a Const node whose tensor is stored inline in the graph instead of the manifest."""
    tensor = node.get("attr", {}).get("value", {}).get("tensor")
    if not tensor:
        return None
    dims = [int(d.get("size", 0)) for d in tensor.get("tensorShape", {}).get("dim", [])]
    if "intVal" in tensor:
        arr = np.array([int(v) for v in tensor["intVal"]], dtype=np.int32)
    elif "floatVal" in tensor:
        arr = np.array([float(v) for v in tensor["floatVal"]], dtype=np.float32)
    else:
        return None
    count = int(np.prod(dims)) if dims else 1
    return np.broadcast_to(arr, (count,)).reshape(dims).copy() if arr.size == 1 else arr.reshape(dims)


# --------------------------------------------------------------------------------------------
# Padding and pooling helpers (TensorFlow semantics)


def _same_pads(size: int, kernel: int, stride: int, dilation: int) -> tuple[int, int]:
    out = math.ceil(size / stride)
    total = max((out - 1) * stride + (kernel - 1) * dilation + 1 - size, 0)
    return total // 2, total - total // 2


def _spatial_pads(node: dict, x: torch.Tensor, kernel: Sequence[int], strides: Sequence[int],
                  dilations: Sequence[int]) -> tuple[int, int, int, int]:
    """(top, bottom, left, right) padding for an NHWC input, from the node's padding attribute."""
    padding = _attr(node, "padding", "VALID")
    if padding == "VALID":
        return 0, 0, 0, 0
    if padding == "SAME":
        top, bottom = _same_pads(x.shape[1], kernel[0], strides[0], dilations[0])
        left, right = _same_pads(x.shape[2], kernel[1], strides[1], dilations[1])
        return top, bottom, left, right
    if padding == "EXPLICIT":
        p = _attr(node, "explicit_paddings", [])
        return p[2], p[3], p[4], p[5]
    raise TfjsGraphError(f"unknown padding {padding!r} at node {node['name']!r}")


def _check_nhwc(node: dict) -> None:
    data_format = _attr(node, "data_format", "NHWC")
    if data_format != "NHWC":
        raise TfjsGraphError(f"data_format {data_format!r} at node {node['name']!r}: only NHWC is supported")


def _hw(values: Sequence[int] | None, default: int = 1) -> tuple[int, int]:
    if not values:
        return default, default
    return int(values[1]), int(values[2])


def _conv2d(node: dict, x: torch.Tensor, kernel: torch.Tensor, depthwise: bool) -> torch.Tensor:
    _check_nhwc(node)
    strides = _hw(_attr(node, "strides"))
    dilations = _hw(_attr(node, "dilations"))
    kh, kw, cin, cout = kernel.shape
    top, bottom, left, right = _spatial_pads(node, x, (kh, kw), strides, dilations)
    x = x.permute(0, 3, 1, 2)
    if top or bottom or left or right:
        x = F.pad(x, (left, right, top, bottom))
    if depthwise:  # kernel (kh, kw, in, multiplier): output channel c*m + j belongs to group c
        weight = kernel.permute(2, 3, 0, 1).reshape(cin * cout, 1, kh, kw)
        y = F.conv2d(x, weight, stride=strides, dilation=dilations, groups=cin)
    else:
        weight = kernel.permute(3, 2, 0, 1)
        y = F.conv2d(x, weight, stride=strides, dilation=dilations)
    return y.permute(0, 2, 3, 1)


def _pool(node: dict, x: torch.Tensor, kind: str) -> torch.Tensor:
    _check_nhwc(node)
    kernel = _hw(_attr(node, "ksize"))
    strides = _hw(_attr(node, "strides"))
    top, bottom, left, right = _spatial_pads(node, x, kernel, strides, (1, 1))
    x = x.permute(0, 3, 1, 2)
    padded = bool(top or bottom or left or right)
    if kind == "max":
        if padded:
            x = F.pad(x, (left, right, top, bottom), value=-math.inf)
        y = F.max_pool2d(x, kernel, strides)
    else:  # TensorFlow averages over the valid (unpadded) elements only
        if padded:
            ones = F.pad(torch.ones_like(x[:1, :1]), (left, right, top, bottom))
            x = F.pad(x, (left, right, top, bottom))
            y = F.avg_pool2d(x, kernel, strides) / F.avg_pool2d(ones, kernel, strides)
        else:
            y = F.avg_pool2d(x, kernel, strides)
    return y.permute(0, 2, 3, 1)


def _apply_fused(node: dict, y: torch.Tensor, extra: list[torch.Tensor]) -> torch.Tensor:
    """Apply the ``fused_ops`` of a _FusedConv2D / _FusedMatMul / FusedDepthwiseConv2dNative node."""
    fused = _attr(node, "fused_ops", [])
    args = iter(extra)
    for op in fused:
        if op == "BiasAdd":
            y = y + next(args)
        elif op == "Relu":
            y = F.relu(y)
        elif op == "Relu6":
            y = torch.clamp(y, 0.0, 6.0)
        elif op == "Elu":
            y = F.elu(y)
        elif op == "Sigmoid":
            y = torch.sigmoid(y)
        elif op == "Tanh":
            y = torch.tanh(y)
        elif op == "Prelu":
            alpha = next(args)
            y = torch.where(y >= 0, y, y * alpha)
        elif op == "LeakyRelu":
            y = F.leaky_relu(y, _attr(node, "leakyrelu_alpha", 0.2))
        elif op == "FusedBatchNorm":
            scale, offset, mean, var = (next(args) for _ in range(4))
            y = (y - mean) * torch.rsqrt(var + _attr(node, "epsilon", 1e-3)) * scale + offset
        else:
            raise UnsupportedOpError(f"{node['op']}+{op}", node["name"])
    return y


def _strided_slice(node: dict, x: torch.Tensor, begin: list[int], end: list[int],
                   strides: list[int]) -> torch.Tensor:
    begin_mask = _attr(node, "begin_mask", 0)
    end_mask = _attr(node, "end_mask", 0)
    shrink_mask = _attr(node, "shrink_axis_mask", 0)
    new_axis_mask = _attr(node, "new_axis_mask", 0)
    ellipsis_mask = _attr(node, "ellipsis_mask", 0)
    index: list = []
    shrink_dims: list[int] = []
    dim = 0
    for i in range(len(begin)):
        bit = 1 << i
        if ellipsis_mask & bit:
            remaining = len(begin) - i - 1 - sum(1 for j in range(i + 1, len(begin)) if new_axis_mask & (1 << j))
            fill = x.dim() - dim - remaining
            index.extend([slice(None)] * fill)
            dim += fill
            continue
        if new_axis_mask & bit:
            index.append(None)
            continue
        if shrink_mask & bit:
            start = begin[i]
            index.append(slice(start, start + 1 if start != -1 else None, 1))
            shrink_dims.append(len(index) - 1)
            dim += 1
            continue
        start = None if begin_mask & bit else begin[i]
        stop = None if end_mask & bit else end[i]
        step = strides[i]
        if step < 0:
            raise TfjsGraphError(f"negative strides are not supported at node {node['name']!r}")
        index.append(slice(start, stop, step))
        dim += 1
    y = x[tuple(index)]
    for d in reversed(shrink_dims):
        y = y.squeeze(d)
    return y


# --------------------------------------------------------------------------------------------
# Ops: each takes (node, input tensors, static ints of the inputs) and returns a tensor

OpFn = Callable[[dict, list[torch.Tensor], list], torch.Tensor]


def _binary(fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]) -> OpFn:
    return lambda node, xs, _static: fn(xs[0], xs[1])


def _unary(fn: Callable[[torch.Tensor], torch.Tensor]) -> OpFn:
    return lambda node, xs, _static: fn(xs[0])


def _reduce(fn: Callable[..., torch.Tensor]) -> OpFn:
    def run(node: dict, xs: list[torch.Tensor], static: list) -> torch.Tensor:
        axes = static[1]
        axes = [int(a) for a in np.atleast_1d(axes)]
        keep = bool(_attr(node, "keep_dims", False))
        return fn(xs[0], dim=axes, keepdim=keep)
    return run


def _amax(x: torch.Tensor, dim: list[int], keepdim: bool) -> torch.Tensor:
    return torch.amax(x, dim=dim, keepdim=keepdim)


def _reshape(node: dict, xs: list[torch.Tensor], static: list) -> torch.Tensor:
    shape = [int(s) for s in np.atleast_1d(static[1])]
    # The converter bakes the export batch size into shapes (often 1): keep the live batch size.
    if shape and shape[0] in (1, -1) and xs[0].shape[0] != 1 and -1 not in shape[1:]:
        shape[0] = -1
    return xs[0].reshape(shape)


def _squeeze(node: dict, xs: list[torch.Tensor], static: list) -> torch.Tensor:
    dims = _attr(node, "squeeze_dims", []) or []
    if not dims:
        return xs[0].squeeze()
    y = xs[0]
    for d in sorted((d % y.dim() for d in dims), reverse=True):
        y = y.squeeze(d)
    return y


def _expand_dims(node: dict, xs: list[torch.Tensor], static: list) -> torch.Tensor:
    return xs[0].unsqueeze(int(np.atleast_1d(static[1])[0]))


def _pad(node: dict, xs: list[torch.Tensor], static: list) -> torch.Tensor:
    pads = np.asarray(static[1]).reshape(-1, 2)
    flat: list[int] = []
    for before, after in reversed(pads.tolist()):
        flat.extend([int(before), int(after)])
    value = float(xs[2].item()) if len(xs) > 2 else 0.0
    return F.pad(xs[0], flat, value=value)


def _matmul(node: dict, xs: list[torch.Tensor], static: list) -> torch.Tensor:
    a, b = xs[0], xs[1]
    if _attr(node, "transpose_a", False):
        a = a.transpose(-1, -2)
    if _attr(node, "transpose_b", False):
        b = b.transpose(-1, -2)
    return _apply_fused(node, a @ b, xs[2:])


def _fused_conv(node: dict, xs: list[torch.Tensor], static: list) -> torch.Tensor:
    return _apply_fused(node, _conv2d(node, xs[0], xs[1], depthwise=False), xs[2:])


def _fused_depthwise(node: dict, xs: list[torch.Tensor], static: list) -> torch.Tensor:
    return _apply_fused(node, _conv2d(node, xs[0], xs[1], depthwise=True), xs[2:])


def _batch_norm(node: dict, xs: list[torch.Tensor], static: list) -> torch.Tensor:
    x, scale, offset, mean, var = xs[:5]
    return (x - mean) * torch.rsqrt(var + _attr(node, "epsilon", 1e-3)) * scale + offset


def _concat(node: dict, xs: list[torch.Tensor], static: list) -> torch.Tensor:
    return torch.cat(xs[:-1], dim=int(np.atleast_1d(static[-1])[0]))


def _softmax(node: dict, xs: list[torch.Tensor], static: list) -> torch.Tensor:
    return torch.softmax(xs[0], dim=-1)


def _strided_slice_op(node: dict, xs: list[torch.Tensor], static: list) -> torch.Tensor:
    begin, end, strides = ([int(v) for v in np.atleast_1d(s)] for s in static[1:4])
    return _strided_slice(node, xs[0], begin, end, strides)


OPS: dict[str, OpFn] = {
    "Identity": _unary(lambda x: x),
    "Conv2D": lambda node, xs, s: _conv2d(node, xs[0], xs[1], depthwise=False),
    "_FusedConv2D": _fused_conv,
    "DepthwiseConv2dNative": lambda node, xs, s: _conv2d(node, xs[0], xs[1], depthwise=True),
    "FusedDepthwiseConv2dNative": _fused_depthwise,
    "MatMul": _matmul,
    "_FusedMatMul": _matmul,
    "BiasAdd": _binary(torch.add),
    "MaxPool": lambda node, xs, s: _pool(node, xs[0], "max"),
    "AvgPool": lambda node, xs, s: _pool(node, xs[0], "avg"),
    "Pad": _pad,
    "PadV2": _pad,
    "Reshape": _reshape,
    "Squeeze": _squeeze,
    "ExpandDims": _expand_dims,
    "StridedSlice": _strided_slice_op,
    "ConcatV2": _concat,
    "Add": _binary(torch.add),
    "AddV2": _binary(torch.add),
    "Sub": _binary(torch.sub),
    "Mul": _binary(torch.mul),
    "RealDiv": _binary(torch.div),
    "Minimum": _binary(torch.minimum),
    "Maximum": _binary(torch.maximum),
    "Abs": _unary(torch.abs),
    "Neg": _unary(torch.neg),
    "Square": _unary(torch.square),
    "Sqrt": _unary(torch.sqrt),
    "Rsqrt": _unary(torch.rsqrt),
    "Exp": _unary(torch.exp),
    "Relu": _unary(F.relu),
    "Relu6": _unary(lambda x: torch.clamp(x, 0.0, 6.0)),
    "Elu": _unary(F.elu),
    "Sigmoid": _unary(torch.sigmoid),
    "Tanh": _unary(torch.tanh),
    "Softmax": _softmax,
    "Sum": _reduce(torch.sum),
    "Mean": _reduce(torch.mean),
    "Max": _reduce(_amax),
    "FusedBatchNorm": _batch_norm,
    "FusedBatchNormV3": _batch_norm,
}


# --------------------------------------------------------------------------------------------
# The module


class GraphNode(nn.Module):
    """One node of the graph; a hook on it sees that node's output tensor (NHWC for images)."""

    def __init__(self, node: dict, fn: OpFn) -> None:
        super().__init__()
        self.tf_name: str = node["name"]
        self.tf_op: str = node["op"]
        self._node = node
        self._fn = fn

    def forward(self, *inputs: torch.Tensor, static: list | None = None) -> torch.Tensor:
        return self._fn(self._node, list(inputs), static or [None] * len(inputs))

    def extra_repr(self) -> str:
        return f"{self.tf_op} {self.tf_name!r}"


def _module_key(name: str) -> str:
    return name.replace(".", "_").replace("/", "__")


def _clean_name(name: str) -> str:
    name = name.lstrip("^")
    return name[:-2] if name.endswith(":0") else name


class TfjsGraphModel(nn.Module):
    """A TF.js graph model executed by PyTorch.

    ``forward(x)`` takes the input as the graph does: (B, H, W, C) float32 NHWC, in the value range the
    model was trained on, and returns ``{output_node_name: tensor}`` for :attr:`output_names`.
    """

    def __init__(self, model_json: dict, weights: dict[str, np.ndarray], source: str = "") -> None:
        super().__init__()
        self.source = source
        topology = model_json["modelTopology"]
        nodes = {n["name"]: n for n in topology["node"]}
        placeholders = [n for n in topology["node"] if n["op"] == "Placeholder"]
        if len(placeholders) != 1:
            raise TfjsGraphError(f"{source}: expected one input placeholder, found {len(placeholders)}")
        self.input_name: str = placeholders[0]["name"]
        dims = placeholders[0].get("attr", {}).get("shape", {}).get("shape", {}).get("dim", [])
        self.input_shape: tuple[int, ...] = tuple(int(d.get("size", -1)) for d in dims)
        self.output_names: list[str] = self._find_outputs(model_json, nodes)

        self._static: dict[str, np.ndarray] = {}
        self.consts = nn.Module()
        for node in topology["node"]:
            if node["op"] != "Const":
                continue
            value = weights.get(node["name"])
            if value is None:
                value = _inline_tensor(node)
            if value is None:
                raise TfjsGraphError(f"{source}: Const node {node['name']!r} has no value in the manifest")
            self._static[node["name"]] = value
            if value.dtype == np.float32:
                # Parameters (frozen), not buffers: CAM libraries find the device via model.parameters().
                tensor = torch.from_numpy(value.copy())
                self.consts.register_parameter(_module_key(node["name"]), nn.Parameter(tensor, requires_grad=False))

        self.layers = nn.ModuleDict()
        self._order: list[tuple[str, list[str]]] = []
        for name in self._topological_order(nodes, self.output_names):
            node = nodes[name]
            if node["op"] in ("Const", "Placeholder"):
                continue
            fn = OPS.get(node["op"])
            if fn is None:
                raise UnsupportedOpError(node["op"], name)
            inputs = [_clean_name(i) for i in node.get("input", []) if not i.startswith("^")]
            for i in inputs:
                if ":" in i:
                    raise TfjsGraphError(f"{source}: multi-output input {i!r} at node {name!r} unsupported")
            self.layers[_module_key(name)] = GraphNode(node, fn)
            self._order.append((name, inputs))

    @staticmethod
    def _find_outputs(model_json: dict, nodes: dict[str, dict]) -> list[str]:
        signature = (model_json.get("signature") or model_json.get("modelTopology", {}).get("signature") or {})
        outputs = signature.get("outputs") or {}
        names = [_clean_name(o.get("name", key)) for key, o in outputs.items()]
        if names and all(n in nodes for n in names):
            return names
        consumed = {_clean_name(i) for n in nodes.values() for i in n.get("input", [])}
        return [n for n, node in nodes.items() if n not in consumed and node["op"] not in ("Const", "Placeholder")]

    @staticmethod
    def _topological_order(nodes: dict[str, dict], outputs: Iterable[str]) -> list[str]:
        order: list[str] = []
        state: dict[str, int] = {}
        for root in outputs:
            stack = [(root, False)]
            while stack:
                name, expanded = stack.pop()
                if name not in nodes:
                    raise TfjsGraphError(f"node {name!r} is referenced but not defined")
                if expanded:
                    state[name] = 2
                    order.append(name)
                    continue
                if state.get(name):
                    continue
                state[name] = 1
                stack.append((name, True))
                for i in reversed(nodes[name].get("input", [])):
                    i = _clean_name(i)
                    if not i.startswith("^") and not state.get(i):
                        stack.append((i, False))
        return order

    def layer(self, node_name: str) -> GraphNode:
        """The module of graph node ``node_name`` (hook it to read or explain that tensor)."""
        key = _module_key(node_name)
        if key not in self.layers:
            raise KeyError(f"no executed node {node_name!r} in {self.source or 'this graph'}")
        return self.layers[key]

    def node_names(self, op: str | None = None) -> list[str]:
        """Executed node names in topological order, optionally only those of one op type."""
        return [n for n, _ in self._order if op is None or self.layers[_module_key(n)].tf_op == op]

    def forward(self, x: torch.Tensor, outputs: Sequence[str] | None = None) -> dict[str, torch.Tensor]:
        """Run the graph on ``x``: (B, H, W, C) float32; return the tensors of ``outputs`` (default: graph outputs)."""
        wanted = list(outputs) if outputs is not None else self.output_names
        if x.dim() != len(self.input_shape) or any(
            want not in (-1, got) for want, got in zip(self.input_shape[1:], x.shape[1:], strict=True)
        ):
            raise ValueError(f"{self.source}: input shape {tuple(x.shape)} does not fit {self.input_shape}")
        values: dict[str, torch.Tensor] = {self.input_name: x}
        consts = dict(self.consts.named_parameters())
        remaining = set(wanted)
        for name, inputs in self._order:
            args = []
            static = []
            for i in inputs:
                if i in values:
                    args.append(values[i])
                    static.append(None)
                elif i in self._static:
                    buf = consts.get(_module_key(i))
                    args.append(buf if buf is not None else torch.as_tensor(self._static[i]))
                    static.append(self._static[i])
                else:
                    raise TfjsGraphError(f"input {i!r} of node {name!r} was not computed")
            values[name] = self.layers[_module_key(name)](*args, static=static)
            remaining.discard(name)
            if not remaining:
                break
        missing = [w for w in wanted if w not in values]
        if missing:
            raise KeyError(f"unknown output node(s) {missing}")
        return {w: values[w] for w in wanted}


def load_tfjs_graph(model_json_path: str | Path) -> TfjsGraphModel:
    """Load ``model.json`` (and the ``.bin`` shards beside it) as a :class:`TfjsGraphModel` in eval mode."""
    path = Path(model_json_path)
    if not path.is_file():
        raise TfjsGraphError(f"{path} is missing; run `python scripts/fetch_models.py`")
    try:
        model_json = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise TfjsGraphError(f"{path} is not valid JSON: {exc}") from exc
    if model_json.get("format") not in (None, "graph-model"):
        raise TfjsGraphError(f"{path}: format {model_json.get('format')!r} is not a TF.js graph model")
    model = TfjsGraphModel(model_json, read_weights(model_json, path.parent), source=path.name)
    return model.eval().requires_grad_(False)
