"""Real ONNX model files for the user-model tests: the shipped models exported with ``torch.onnx.export``.

The model files themselves come from :mod:`models.runtime.export` (the shipped faceres and ResNet18-CBAM
full-face net exported to ONNX).

* :data:`FACERES_SPEC`, :data:`REGION_SPEC`: the spec fields that describe them;
* :func:`write_spec`: a TOML spec file from keyword fields (also invalid ones, for the bad-input tests).

Shared by the tests of every layer that registers a user model (models/, xai/, cli/, app/).
"""

from __future__ import annotations

import json
from pathlib import Path

FACERES_SPEC = dict(name="faceres-onnx", title="faceres exported to ONNX", role="embedder", file="faceres.onnx",
                    input_size=224, layout="NHWC", colour_order="RGB", scale=1.0, crop="arcface",
                    output="descriptor", output_kind="embedding", metric="cosine", threshold=0.52,
                    source="the studio's faceres, exported in the test", license="as faceres")
REGION_SPEC = dict(name="region-onnx", title="ResNet18-CBAM full face exported to ONNX", role="spoof",
                   file="region.onnx", input_size=224, layout="NCHW", colour_order="RGB", scale=1 / 255,
                   crop="box", margin=0.2, output="logits", output_kind="logits",
                   class_order=["spoof", "bona_fide"], bona_fide_class="bona_fide",
                   cam_layer="/layer4/layer4.1/relu_1/Relu",
                   source="the studio's resnet18-cbam-full_face, exported in the test", license="as the studio")


def _toml(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} to TOML")


def write_spec(path: Path, **fields: object) -> Path:
    """Write a flat TOML spec with ``fields`` (a None value leaves the field out) to ``path``."""
    path.write_text("".join(f"{key} = {_toml(value)}\n" for key, value in fields.items() if value is not None))
    return path


def tiny_onnx(path: Path, size: int = 16, nan: bool = False, custom_operator: bool = False,
              output: str = "embedding") -> Path:
    """A tiny hand-built ONNX graph: (B, 3, size, size) → GlobalAveragePool → Flatten → (B, 3) ``output``.

    ``nan``: the input goes through ``Log(x − 1000)`` first (NaN for every input in [0, 255]);
    ``custom_operator``: the pooling is ``com.vendor:FancyPool``, which onnxruntime cannot run.
    """
    import numpy as np
    from onnx import TensorProto, helper, numpy_helper

    nodes, initializers, source = [], [], "x"
    if nan:
        initializers.append(numpy_helper.from_array(np.array(1000.0, dtype=np.float32), "offset"))
        nodes += [helper.make_node("Sub", ["x", "offset"], ["shifted"], name="shift"),
                  helper.make_node("Log", ["shifted"], ["logged"], name="log")]
        source = "logged"
    if custom_operator:
        nodes.append(helper.make_node("FancyPool", [source], ["pooled"], domain="com.vendor", name="fancy"))
    else:
        nodes.append(helper.make_node("GlobalAveragePool", [source], ["pooled"], name="pool"))
    nodes.append(helper.make_node("Flatten", ["pooled"], [output], name="flatten"))
    graph = helper.make_graph(
        nodes, "tiny", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["B", 3, size, size])],
        [helper.make_tensor_value_info(output, TensorProto.FLOAT, ["B", 3])], initializer=initializers)
    opsets = [helper.make_opsetid("", 17)] + ([helper.make_opsetid("com.vendor", 1)] if custom_operator else [])
    model = helper.make_model(graph, opset_imports=opsets, ir_version=8)
    path.write_bytes(model.SerializeToString())
    return path
