"""An inference-only, fused copy of a :class:`~models.tfjs_graph.TfjsGraphModel` for fast batched scoring.

TF.js exports MobileNet-style graphs as long chains of tiny ops: ``Conv2D → Mul(BN scale) → Add(BN shift) →
Relu → Minimum(6) → Maximum(0)``. Executed one op at a time, the elementwise passes cost more than the
convolutions on a CPU (faceres: about 70 % of the time at batch 32). :func:`freeze_graph` folds each such chain
into one convolution with folded weights and bias followed by one in-place clamp:

* ``Mul`` by a per-channel (or scalar) constant → scales the kernel's output channels and the bias;
* ``Add`` / ``BiasAdd`` of a per-channel constant → the bias;
* any run of ``Relu``, ``Relu6``, ``Minimum(c)``, ``Maximum(c)`` with scalar constants → ``clamp_(lo, hi)``
  (a composition of clamps is a clamp);
* symmetric SAME padding → the convolution's own ``padding`` (no padded copy of the input).

A node is folded into its producer only when the producer has no other consumer and is not a requested
output, so every value the frozen graph returns equals the original up to float32 rounding of the folded
weights (tested against the original graph). The frozen copy has no per-node modules: use the original graph
for CAM hooks and gradients, the frozen one for RISE-style black-box scoring (no gradients).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from models.tfjs_graph import OPS, TfjsGraphModel, _attr, _hw, _module_key, _spatial_pads

_CONV_OPS = {"Conv2D", "DepthwiseConv2dNative", "_FusedConv2D", "FusedDepthwiseConv2dNative"}
_FOLDABLE_FUSED = {"BiasAdd", "Relu", "Relu6"}
#: A convolution whose local bf16 error exceeds this multiple of the median stays in float32.
BF16_SENSITIVITY_RATIO = 2.5


#: oneDNN convolution with a fused element-wise post-op (the kernel PyTorch's own CPU graph fusion calls); it
#: saves a pass over every activation. Absent from a build without oneDNN: then conv2d + clamp_ is used.
_FUSED_CONV = getattr(torch.ops.mkldnn, "_convolution_pointwise", None)


@dataclass
class _ConvStep:
    """One convolution with everything folded into it; NCHW weight, (lo, hi) clamp bounds (±inf = none)."""

    output: str
    source: str
    node: dict
    weight: torch.Tensor  # (out, in/groups, kh, kw)
    bias: torch.Tensor | None  # (out,)
    groups: int
    strides: tuple[int, int]
    dilations: tuple[int, int]
    kernel: tuple[int, int]
    lo: float = -math.inf
    hi: float = math.inf
    #: dtype → (weight, bias) copies, made once by :meth:`seal` after folding; read-only afterwards, so one
    #: frozen graph can serve several sessions at once
    cast: dict = field(default_factory=dict)

    def run(self, x: torch.Tensor, dtype: torch.dtype = torch.float32) -> torch.Tensor:
        """(B, H, W, C) NHWC in → (B, H', W', C') NHWC out in ``dtype`` (views over channels_last storage)."""
        top, bottom, left, right = _spatial_pads(self.node, x, self.kernel, self.strides, self.dilations)
        weight, bias = self._parameters(dtype)
        nchw = x.permute(0, 3, 1, 2).to(dtype)
        if top != bottom or left != right:
            nchw, top, left = F.pad(nchw, (left, right, top, bottom)), 0, 0
        post_op = self._post_op()
        if post_op is not None and _FUSED_CONV is not None:
            y = _FUSED_CONV(nchw, weight, bias, [top, left], list(self.strides), list(self.dilations), self.groups,
                            *post_op, "")
        else:
            y = F.conv2d(nchw, weight, bias, self.strides, (top, left), self.dilations, self.groups)
            if self.lo > -math.inf or self.hi < math.inf:
                y = y.clamp_(None if self.lo == -math.inf else self.lo, None if self.hi == math.inf else self.hi)
        return y.permute(0, 2, 3, 1)

    def seal(self, dtypes: Sequence[torch.dtype] = (torch.bfloat16,)) -> None:
        """Make the reduced-precision weight copies; call once, after every fold into this step."""
        self.cast = {dtype: (self.weight.to(dtype), None if self.bias is None else self.bias.to(dtype))
                     for dtype in dtypes}

    def _parameters(self, dtype: torch.dtype) -> tuple[torch.Tensor, torch.Tensor | None]:
        if dtype == torch.float32:
            return self.weight, self.bias
        if dtype not in self.cast:  # a dtype not sealed: cast per call rather than mutate shared state
            return self.weight.to(dtype), None if self.bias is None else self.bias.to(dtype)
        return self.cast[dtype]

    def _post_op(self) -> tuple[str, list[float]] | None:
        """The clamp as a oneDNN post-op (name, scalars); None where it has no such form."""
        if self.lo == -math.inf and self.hi == math.inf:
            return "none", []
        if self.lo == 0 and self.hi == math.inf:
            return "relu", []
        if self.lo > -math.inf and self.hi < math.inf:
            return "hardtanh", [self.lo, self.hi]
        return None


@dataclass
class _OpStep:
    """Any other node, executed by the original op function."""

    output: str
    node: dict
    inputs: list[str]

    def run(self, values: dict[str, torch.Tensor], consts: dict[str, torch.Tensor],
            static: dict[str, np.ndarray]) -> torch.Tensor:
        args, statics = [], []
        for name in self.inputs:
            if name in values:
                args.append(values[name])
                statics.append(None)
            else:
                args.append(consts[name])
                statics.append(static[name])
        return OPS[self.node["op"]](self.node, args, statics)


def _scalar(value: np.ndarray | None) -> float | None:
    return float(value.reshape(-1)[0]) if value is not None and value.size == 1 else None


class FrozenGraph(nn.Module):
    """Fused, inference-only executor of a TF.js graph; ``forward(x)`` returns the requested outputs.

    Args (constructor):
        graph: the loaded graph (left unchanged).
        outputs: node names to return (default: the graph's outputs).
    """

    def __init__(self, graph: TfjsGraphModel, outputs: Sequence[str] | None = None) -> None:
        super().__init__()
        self.input_name = graph.input_name
        self.input_shape = graph.input_shape
        self.output_names = list(outputs) if outputs is not None else list(graph.output_names)
        self._static = graph._static
        self._consts = {name: torch.as_tensor(value) for name, value in graph._static.items()}
        needed = self._needed(graph)
        order = [(name, inputs) for name, inputs in graph._order if name in needed]
        consumers = Counter(i for _, inputs in order for i in inputs)
        nodes = {name: graph.layers[_module_key(name)]._node for name, _ in order}
        self.steps: list[_ConvStep | _OpStep] = []
        self.fused_nodes = 0
        open_conv: _ConvStep | None = None
        for name, inputs in order:
            node = nodes[name]
            if open_conv is not None and self._absorb(open_conv, node, inputs, consumers):
                self.fused_nodes += 1
                continue
            open_conv = self._conv_step(name, node, inputs)
            self.steps.append(open_conv if open_conv is not None else _OpStep(name, node, inputs))
        for step in self.steps:
            if isinstance(step, _ConvStep):
                step.seal()

    @property
    def convolutions(self) -> int:
        """Number of fused convolution steps."""
        return sum(isinstance(step, _ConvStep) for step in self.steps)

    def _needed(self, graph: TfjsGraphModel) -> set[str]:
        wanted, needed = set(self.output_names), set()
        for name, inputs in reversed(graph._order):
            if name in wanted or name in needed:
                needed.add(name)
                wanted.update(inputs)
        missing = set(self.output_names) - needed
        if missing:
            raise KeyError(f"unknown output node(s) {sorted(missing)}")
        return needed

    def _conv_step(self, name: str, node: dict, inputs: list[str]) -> _ConvStep | None:
        if node["op"] not in _CONV_OPS or len(inputs) < 2 or inputs[1] not in self._static:
            return None
        fused = _attr(node, "fused_ops", []) or []
        if any(op not in _FOLDABLE_FUSED for op in fused) or len(inputs) != 2 + fused.count("BiasAdd"):
            return None
        kernel = torch.from_numpy(np.ascontiguousarray(self._static[inputs[1]], dtype=np.float32))
        kh, kw, cin, cout = kernel.shape
        depthwise = "Depthwise" in node["op"]
        if depthwise:
            weight, groups = kernel.permute(2, 3, 0, 1).reshape(cin * cout, 1, kh, kw), cin
        else:
            weight, groups = kernel.permute(3, 2, 0, 1), 1
        step = _ConvStep(name, inputs[0], node, weight.contiguous(), None, groups, _hw(_attr(node, "strides")),
                         _hw(_attr(node, "dilations")), (kh, kw))
        extra = iter(inputs[2:])
        for op in fused:
            if op == "BiasAdd":
                step.bias = torch.from_numpy(np.asarray(self._static[next(extra)], dtype=np.float32)).clone()
            else:
                step.lo, step.hi = max(step.lo, 0.0), max(step.hi, 0.0)
                if op == "Relu6":
                    step.lo, step.hi = min(step.lo, 6.0), min(step.hi, 6.0)
        return step

    def _absorb(self, conv: _ConvStep, node: dict, inputs: list[str], consumers: Counter) -> bool:
        """Fold ``node`` into ``conv`` when it only post-processes the conv's single-use output."""
        if not inputs or inputs[0] != conv.output or consumers[conv.output] != 1 or conv.output in self.output_names:
            return False
        op = node["op"]
        const = self._static.get(inputs[1]) if len(inputs) == 2 else None
        channels = conv.weight.shape[0]
        clamped = conv.lo > -math.inf or conv.hi < math.inf
        if op in ("Relu", "Relu6") and len(inputs) == 1:
            conv.lo, conv.hi = max(conv.lo, 0.0), max(conv.hi, 0.0)
            if op == "Relu6":
                conv.lo, conv.hi = min(conv.lo, 6.0), min(conv.hi, 6.0)
        elif op in ("Minimum", "Maximum") and _scalar(const) is not None:
            c = _scalar(const)
            pick = min if op == "Minimum" else max
            conv.lo, conv.hi = pick(conv.lo, c), pick(conv.hi, c)
        elif op == "Mul" and not clamped and const is not None and const.size in (1, channels) and const.ndim <= 1:
            scale = torch.from_numpy(np.broadcast_to(const.astype(np.float32), (channels,)).copy())
            conv.weight = conv.weight * scale.view(-1, 1, 1, 1)
            conv.bias = conv.bias * scale if conv.bias is not None else None
        elif (op in ("Add", "AddV2", "BiasAdd") and not clamped and const is not None
              and const.size in (1, channels) and const.ndim <= 1):
            shift = torch.from_numpy(np.broadcast_to(const.astype(np.float32), (channels,)).copy())
            conv.bias = conv.bias + shift if conv.bias is not None else shift
        else:
            return False
        conv.output = node["name"]
        return True

    def forward(self, x: torch.Tensor, keep_fp32: frozenset[int] = frozenset()) -> dict[str, torch.Tensor]:
        """(B, H, W, C) float32 NHWC → ``{output name: tensor}`` (no gradients are kept).

        ``keep_fp32``: indices into :attr:`steps` run in float32 even under a bfloat16 autocast (see
        :meth:`bf16_sensitive_steps`).
        """
        if x.dim() != len(self.input_shape) or any(
            want not in (-1, got) for want, got in zip(self.input_shape[1:], x.shape[1:], strict=True)
        ):
            raise ValueError(f"input shape {tuple(x.shape)} does not fit {self.input_shape}")
        reduced = torch.is_autocast_enabled("cpu") and torch.get_autocast_dtype("cpu") == torch.bfloat16
        with torch.inference_mode():
            values = {self.input_name: x}
            for index, step in enumerate(self.steps):
                if index in keep_fp32:
                    with torch.autocast("cpu", enabled=False):
                        values[step.output] = self._run_fp32(step, values)
                elif isinstance(step, _ConvStep):  # bf16 weights cast once, not by autocast on every call
                    values[step.output] = step.run(values[step.source], torch.bfloat16 if reduced else torch.float32)
                else:
                    values[step.output] = step.run(values, self._consts, self._static)
            return {name: values[name] for name in self.output_names}

    def _run(self, step: _ConvStep | _OpStep, values: dict[str, torch.Tensor]) -> torch.Tensor:
        if isinstance(step, _ConvStep):
            return step.run(values[step.source])
        return step.run(values, self._consts, self._static)

    def _run_fp32(self, step: _ConvStep | _OpStep, values: dict[str, torch.Tensor]) -> torch.Tensor:
        inputs = [step.source] if isinstance(step, _ConvStep) else [i for i in step.inputs if i in values]
        return self._run(step, {**values, **{name: values[name].float() for name in inputs}})

    def bf16_sensitive_steps(self, x: torch.Tensor, ratio: float = BF16_SENSITIVITY_RATIO) -> frozenset[int]:
        """Convolutions to keep in float32 under bfloat16 autocast: those bf16 distorts far more than the rest.

        Each convolution is run on its float32 input (from a float32 pass over ``x``) in float32 and in bf16; its
        local error is ‖y_bf16 − y_fp32‖ / ‖y_fp32‖. BatchNorm folding can leave a layer with large weights and
        a large opposite bias, whose output then loses most of bf16's 8 significant bits (faceres: the first
        depthwise convolution carries almost all of the score error). A convolution whose local error exceeds
        ``ratio`` × the median over all convolutions is returned (indices into :attr:`steps`).

        Args:
            x: (B, H, W, C) float32 NHWC input as :meth:`forward` takes it (a few typical inputs suffice).
        """
        errors: dict[int, float] = {}
        with torch.inference_mode():
            values = {self.input_name: x.float()}
            for index, step in enumerate(self.steps):
                with torch.autocast("cpu", enabled=False):
                    values[step.output] = self._run(step, values)
                if isinstance(step, _ConvStep):
                    reduced = step.run(values[step.source], torch.bfloat16).float()
                    exact = values[step.output]
                    errors[index] = float((reduced - exact).norm() / exact.norm().clamp(min=1e-12))
        if not errors:
            return frozenset()
        typical = float(np.median(list(errors.values())))
        return frozenset(index for index, error in errors.items() if error > ratio * typical)


def freeze_graph(graph: TfjsGraphModel, outputs: Sequence[str] | None = None) -> FrozenGraph:
    """A fused inference-only copy of ``graph`` returning ``outputs`` (default: the graph's outputs)."""
    return FrozenGraph(graph, outputs)
