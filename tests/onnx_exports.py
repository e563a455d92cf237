"""Real ONNX model files for the user-model tests: the shipped models exported with ``torch.onnx.export``.

The model files themselves come from :mod:`models.runtime.export` (the shipped faceres and ResNet18-CBAM
full-face net exported to ONNX).

* :data:`FACERES_SPEC`, :data:`REGION_SPEC`, :data:`RECAPTURE_SPEC` (the vgg-only ID-card net),
  :data:`GEAR_SPEC` and :data:`SSRNET_SPEC` (age/gender estimators): the spec fields that describe them;
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

#: idcard-vgg-only as a single-input ONNX: the L1 card crop, ImageNet-normalised, logits (genuine, recapture).
RECAPTURE_SPEC = dict(name="recapture-onnx", title="idcard-vgg-only exported to ONNX", role="recapture",
                      file="recapture.onnx", input_size=224, layout="NCHW", colour_order="RGB", scale=1 / 255,
                      mean=[0.485, 0.456, 0.406], std=[0.229, 0.224, 0.225], crop="card", output="logits",
                      output_kind="logits", class_order=["genuine", "recapture"], bona_fide_class="genuine",
                      cam_layer="/net/rgb_branch/features/features.15/Relu",
                      source="the studio's idcard-vgg-only, exported in the test", license="as the studio")
#: GEAR's TF.js graph as ONNX: NHWC RGB in [0, 1], age as probabilities over 7 bins, gender (male, female).
GEAR_SPEC = dict(name="gear-onnx", title="GEAR exported to ONNX", role="estimator", file="gear.onnx",
                 input_size=198, layout="NHWC", colour_order="RGB", scale=1 / 255, crop="box", margin=0.0,
                 age_output="age", age_kind="probabilities", age_bins=[15.0, 23.0, 28.0, 35.5, 45.5, 55.5, 65.0],
                 gender_output="gender", gender_kind="probabilities", gender_classes=["male", "female"],
                 source="the studio's gear, exported in the test", license="as gear")
#: SSR-Net's two graphs as one ONNX: NHWC BGR in [0, 255], age in years, one column p(male).
SSRNET_SPEC = dict(name="ssrnet-onnx", title="SSR-Net exported to ONNX", role="estimator", file="ssrnet.onnx",
                   input_size=64, layout="NHWC", colour_order="BGR", crop="box", margin=0.4, age_output="age",
                   age_kind="years", gender_output="gender", gender_kind="probabilities", gender_classes=["male"],
                   source="the studio's ssrnet, exported in the test", license="as ssrnet")


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


def tiny_estimator_onnx(path: Path, size: int = 16) -> Path:
    """A tiny hand-built two-output ONNX graph: (B, 3, size, size) → channel means m (B, 3) → ``age`` = m[:, :1]
    (B, 1) and ``gender`` = m[:, 1:] (B, 2): the age is the mean of the first input channel, and the "gender
    probabilities" are channel means (they do not sum to 1) — for the estimator's bad-input tests."""
    import numpy as np
    from onnx import TensorProto, helper, numpy_helper

    def const(name: str, values: list[int]):
        return numpy_helper.from_array(np.array(values, dtype=np.int64), name)

    initializers = [const("zero", [0]), const("one", [1]), const("three", [3]), const("axis", [1])]
    nodes = [helper.make_node("GlobalAveragePool", ["x"], ["pooled"], name="pool"),
             helper.make_node("Flatten", ["pooled"], ["means"], name="flatten"),
             helper.make_node("Slice", ["means", "zero", "one", "axis"], ["age"], name="age"),
             helper.make_node("Slice", ["means", "one", "three", "axis"], ["gender"], name="gender")]
    graph = helper.make_graph(
        nodes, "tiny-estimator", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["B", 3, size, size])],
        [helper.make_tensor_value_info("age", TensorProto.FLOAT, ["B", 1]),
         helper.make_tensor_value_info("gender", TensorProto.FLOAT, ["B", 2])], initializer=initializers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8)
    path.write_bytes(model.SerializeToString())
    return path
