"""ONNX model files run by onnxruntime on CPU: validated on load, deterministic, with a set thread count.

Loading checks, in order, and fails with one :class:`~models.runtime.errors.ModelFileError` at the first problem:
the bytes parse as an ONNX ``ModelProto`` (a truncated file or another format does not), the model keeps no
external data files (a user's file is read as one file, never beside paths it names), ``onnx.checker`` accepts
it, and onnxruntime builds a session (an operator it cannot run is named in the message). :class:`OnnxRunner` then
checks the input against the spec (:meth:`OnnxRunner.check_input`) and resolves the output to read.
"""

from __future__ import annotations

import re

import numpy as np
import onnx
import onnxruntime as ort
import torch
from google.protobuf.message import DecodeError

from models.runtime.errors import ModelFileError

#: Messages of onnxruntime that mean "this operator cannot run here".
_UNSUPPORTED_OPERATOR = ("is not a registered function/op", "No Op registered", "Could not find an implementation",
                         "NOT_IMPLEMENTED")
_ORT_ERRORS_MODULE = "onnxruntime.capi.onnxruntime_pybind11_state"


def parse_onnx(model_bytes: bytes, label: str) -> onnx.ModelProto:
    """Parse and check ONNX ``model_bytes`` (``label`` names the file in messages).

    Raises:
        ModelFileError: not ONNX (or truncated), external data, or rejected by ``onnx.checker``.
    """
    try:
        proto = onnx.load_model_from_string(model_bytes)
    except DecodeError as exc:
        raise ModelFileError(f"{label} is not an ONNX model (truncated, or another format): "
                             f"protobuf could not parse it ({exc})") from exc
    if not proto.graph.node or not proto.graph.output:
        raise ModelFileError(f"{label} is not an ONNX model (truncated, or another format): it parses to an empty "
                             "graph with no nodes or no outputs")
    external = [t.name for t in proto.graph.initializer if t.data_location == onnx.TensorProto.EXTERNAL]
    if external:
        raise ModelFileError(f"{label} keeps {len(external)} weight tensor(s) in external data files "
                             f"(e.g. {external[0]!r}); save it as one file "
                             "(onnx.save_model(model, path, save_as_external_data=False))")
    try:
        onnx.checker.check_model(proto)
    except onnx.checker.ValidationError as exc:
        first = str(exc).strip().splitlines()[0]
        raise ModelFileError(f"{label} is not a valid ONNX model: onnx.checker says: {first}") from exc
    return proto


def session_options(threads: int | None = None) -> ort.SessionOptions:
    """CPU session options: ``threads`` intra-op threads (default: torch's thread count), one inter-op thread,
    sequential and deterministic execution, all graph optimisations, no busy-waiting threads."""
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads or torch.get_num_threads()
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.use_deterministic_compute = True
    options.log_severity_level = 3  # errors only: a user's graph must not flood the server log with warnings
    # the studio runs beside torch on few cores: idle onnxruntime threads must sleep, not spin
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return options


def _operator_message(proto: onnx.ModelProto, label: str, message: str) -> str:
    """The unsupported operator named from onnxruntime's ``message`` and the graph's nodes."""
    for node in proto.graph.node:
        if re.search(rf"(?<![A-Za-z0-9_]){re.escape(node.op_type)}(?![A-Za-z0-9_])", message):
            domain = node.domain or "ai.onnx"
            return (f"{label}: onnxruntime {ort.__version__} cannot run operator {domain}:{node.op_type} "
                    f"(node {node.name or '(unnamed)'!r}): it is not a standard ONNX operator of this opset or has "
                    "no CPU kernel; export the model with standard ONNX operators")
    return f"{label}: onnxruntime {ort.__version__} cannot run an operator of this graph: {message}"


def create_session(model_bytes: bytes, proto: onnx.ModelProto, label: str,
                   threads: int | None = None) -> ort.InferenceSession:
    """An onnxruntime CPU session over checked ONNX ``model_bytes``.

    Raises:
        ModelFileError: onnxruntime refuses the graph (an unsupported operator is named).
    """
    try:
        return ort.InferenceSession(model_bytes, session_options(threads), providers=["CPUExecutionProvider"])
    except Exception as exc:  # onnxruntime raises pybind classes (Fail, InvalidGraph, NotImplemented, ...)
        if type(exc).__module__ != _ORT_ERRORS_MODULE:
            raise
        message = str(exc).strip()
        if any(marker in message for marker in _UNSUPPORTED_OPERATOR):
            raise ModelFileError(_operator_message(proto, label, message)) from exc
        raise ModelFileError(f"{label}: onnxruntime cannot load the graph: {message}") from exc


class OnnxRunner:
    """A checked ONNX model in an onnxruntime CPU session.

    Attributes:
        proto: the parsed ``onnx.ModelProto`` (for conversion to torch).
        session: the onnxruntime session (thread-safe ``run``).
        input_name: the graph's one input.
        input_shape: its declared shape, ``None`` for a dynamic (symbolic) dimension.
        output_names: the graph's outputs, in order.
    """

    def __init__(self, model_bytes: bytes, label: str, threads: int | None = None) -> None:
        self.label = label
        self.proto = parse_onnx(model_bytes, label)
        self.session = create_session(model_bytes, self.proto, label, threads)
        inputs = self.session.get_inputs()
        if len(inputs) != 1:
            raise ModelFileError(f"{label} has {len(inputs)} inputs ({', '.join(i.name for i in inputs)}); "
                                 "the studio feeds one image tensor (an ID-card model's FFT branch, if any, must be "
                                 "computed inside its graph)")
        self.input_name = inputs[0].name
        if inputs[0].type != "tensor(float)":
            raise ModelFileError(f"{label}: input {self.input_name!r} is {inputs[0].type}; the studio feeds "
                                 "tensor(float) (float32)")
        self.input_shape: tuple[int | None, ...] = tuple(d if isinstance(d, int) else None
                                                         for d in inputs[0].shape)
        self.output_names = [o.name for o in self.session.get_outputs()]

    def check_input(self, layout: str, size: int) -> None:
        """The input's static dimensions agree with the spec's ``layout`` ("NCHW"/"NHWC") and ``size``.

        Raises:
            ModelFileError: rank is not 4, a static dimension differs, or a static batch other than 1.
        """
        expected = (None, 3, size, size) if layout == "NCHW" else (None, size, size, 3)
        shown = "(" + ", ".join("B" if d is None else str(d) for d in self.input_shape) + ")"
        want = "(" + ", ".join("B" if d is None else str(d) for d in expected) + ")"
        if len(self.input_shape) != 4:
            raise ModelFileError(f"{self.label}: input {self.input_name!r} has shape {shown}, rank "
                                 f"{len(self.input_shape)}; the spec says {layout} {want}")
        wrong = [i for i, (d, e) in enumerate(zip(self.input_shape, expected, strict=True))
                 if d is not None and e is not None and d != e]
        if wrong:
            raise ModelFileError(f"{self.label}: input {self.input_name!r} has shape {shown}, but the spec says "
                                 f"{layout} {want} (input_size = {size}); fix input_size or layout in the spec")
        if self.input_shape[0] not in (None, 1):
            raise ModelFileError(f"{self.label}: input {self.input_name!r} has a fixed batch of "
                                 f"{self.input_shape[0]}; export it with a dynamic batch axis (or batch 1)")

    def resolve_output(self, output: str | None) -> str:
        """The output to read: ``output`` when the graph has it, the only output when ``output`` is None.

        Raises:
            ModelFileError: the named output does not exist, or None with several outputs.
        """
        if output is None:
            if len(self.output_names) != 1:
                raise ModelFileError(f"{self.label} has {len(self.output_names)} outputs "
                                     f"({', '.join(self.output_names)}); name one as output in the spec")
            return self.output_names[0]
        if output not in self.output_names:
            raise ModelFileError(f"{self.label}: the spec names output {output!r}, but the model's outputs are: "
                                 f"{', '.join(self.output_names)}")
        return output

    def run(self, x: np.ndarray, output: str) -> np.ndarray:
        """Run the graph on ``x`` (the model's input layout, float32) and return ``output`` as float32
        (:meth:`run_many` of one output)."""
        return self.run_many(x, [output])[0]

    def run_many(self, x: np.ndarray, outputs: list[str]) -> list[np.ndarray]:
        """Run the graph once on ``x`` (the model's input layout, float32); ``outputs`` as float32, in order.

        A graph with a static batch of 1 is run one item at a time.

        Raises:
            ModelFileError: onnxruntime fails on this input (e.g. a reshape fixed to another batch size).
        """
        x = np.ascontiguousarray(x, dtype=np.float32)
        if self.input_shape[0] == 1 and x.shape[0] != 1:
            parts = [self.run_many(x[i:i + 1], outputs) for i in range(x.shape[0])]
            return [np.concatenate([p[j] for p in parts]) for j in range(len(outputs))]
        try:
            results = self.session.run(list(outputs), {self.input_name: x})
        except Exception as exc:  # onnxruntime's pybind errors (InvalidArgument, RuntimeException, Fail, ...)
            if type(exc).__module__ != _ORT_ERRORS_MODULE:
                raise
            first = str(exc).strip().splitlines()[0]
            raise ModelFileError(f"{self.label} fails on input {tuple(x.shape)}: {first}") from exc
        return [np.asarray(r, dtype=np.float32) for r in results]
