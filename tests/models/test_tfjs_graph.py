"""The TF.js runtime's op semantics on tiny hand-made graphs, with hand-derived expected values."""

from __future__ import annotations

import base64
import json

import numpy as np
import pytest
import torch

from models.tfjs_graph import TfjsGraphModel, UnsupportedOpError, load_tfjs_graph, read_weights


def _s(text: str) -> dict:
    return {"s": base64.b64encode(text.encode()).decode()}


def _ints(values) -> dict:
    return {"list": {"i": [str(v) for v in values]}}


def graph(nodes: list[dict], weights: dict[str, np.ndarray], shape=(-1, 4, 4, 1)) -> TfjsGraphModel:
    placeholder = {"name": "x", "op": "Placeholder",
                   "attr": {"shape": {"shape": {"dim": [{"size": str(d)} for d in shape]}}}}
    consts = [{"name": k, "op": "Const"} for k in weights]
    topology = {"modelTopology": {"node": [placeholder, *consts, *nodes]}, "weightsManifest": []}
    return TfjsGraphModel(topology, weights)


def test_same_padding_puts_the_extra_pixel_after_as_tensorflow_does():
    # 4x4 input of ones, 2x2 kernel of ones, stride 2, SAME: out 2x2, total pad 0 -> every output sums 4.
    # 5x5 input, 2x2 kernel, stride 2, SAME: out 3, total pad (3-1)*2+2-5 = 1 -> 0 before, 1 after.
    kernel = np.ones((2, 2, 1, 1), np.float32)
    conv = {"name": "y", "op": "Conv2D", "input": ["x", "k"],
            "attr": {"strides": _ints([1, 2, 2, 1]), "padding": _s("SAME")}}
    g = graph([conv], {"k": kernel}, shape=(-1, 5, 5, 1))
    x = torch.arange(25, dtype=torch.float32).reshape(1, 5, 5, 1)
    y = g(x)["y"][0, :, :, 0]
    # bottom-right output sees only x[4,4] (padding after): 24; top-left sees x[0:2,0:2] = 0+1+5+6
    assert y.shape == (3, 3)
    assert y[0, 0] == 12 and y[2, 2] == 24 and y[0, 2] == 4 + 9


def test_depthwise_channel_multiplier_order_matches_tensorflow():
    # in 2 channels, multiplier 2: output channel c*2+m uses kernel[..., c, m]
    kernel = np.array([1, 10, 100, 1000], np.float32).reshape(1, 1, 2, 2)
    node = {"name": "y", "op": "DepthwiseConv2dNative", "input": ["x", "k"],
            "attr": {"strides": _ints([1, 1, 1, 1]), "padding": _s("VALID")}}
    g = graph([node], {"k": kernel}, shape=(-1, 1, 1, 2))
    y = g(torch.tensor([[[[1.0, 2.0]]]]))["y"].flatten().tolist()
    assert y == [1.0, 10.0, 200.0, 2000.0]


def test_avg_pool_same_divides_by_the_valid_count_only():
    node = {"name": "y", "op": "AvgPool", "input": ["x"],
            "attr": {"ksize": _ints([1, 2, 2, 1]), "strides": _ints([1, 2, 2, 1]), "padding": _s("SAME")}}
    g = graph([node], {}, shape=(-1, 3, 3, 1))
    y = g(torch.ones(1, 3, 3, 1) * 5)["y"]
    assert torch.allclose(y, torch.full((1, 2, 2, 1), 5.0))  # zero padding would give 2.5 in the corner


def test_fused_matmul_applies_bias_then_relu():
    node = {"name": "y", "op": "_FusedMatMul", "input": ["x", "w", "b"],
            "attr": {"fused_ops": {"list": {"s": [_s("BiasAdd")["s"], _s("Relu")["s"]]}}}}
    w = np.array([[1.0, -1.0]], np.float32)
    g = graph([node], {"w": w, "b": np.array([0.5, 0.5], np.float32)}, shape=(-1, 1))
    assert g(torch.tensor([[2.0]]))["y"].tolist() == [[2.5, 0.0]]


def test_strided_slice_with_shrink_axis():
    node = {"name": "y", "op": "StridedSlice", "input": ["x", "b", "e", "s"],
            "attr": {"begin_mask": {"i": "1"}, "end_mask": {"i": "1"}, "shrink_axis_mask": {"i": "2"}}}
    consts = {"b": np.array([0, 1], np.int32), "e": np.array([0, 2], np.int32), "s": np.array([1, 1], np.int32)}
    g = graph([node], consts, shape=(-1, 3))
    assert g(torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]))["y"].tolist() == [2.0, 5.0]


def test_unknown_op_names_the_op_and_the_node():
    with pytest.raises(UnsupportedOpError, match=r"'FancyOp'.*'mystery/node'"):
        graph([{"name": "mystery/node", "op": "FancyOp", "input": ["x"]}], {})


def test_float16_and_uint8_quantised_weights_are_dequantised(tmp_path):
    half = np.array([1.5, -2.25], np.float16)
    quant = np.array([0, 10, 255], np.uint8)
    (tmp_path / "w.bin").write_bytes(half.tobytes() + quant.tobytes())
    manifest = {"weightsManifest": [{"paths": ["w.bin"], "weights": [
        {"name": "h", "shape": [2], "dtype": "float32", "quantization": {"dtype": "float16"}},
        {"name": "q", "shape": [3], "dtype": "float32",
         "quantization": {"dtype": "uint8", "scale": 0.5, "min": -1.0}},
    ]}]}
    weights = read_weights(manifest, tmp_path)
    assert weights["h"].tolist() == [1.5, -2.25]
    assert weights["q"].tolist() == [-1.0, 4.0, 126.5]


def test_missing_weight_shard_says_how_to_fix(tmp_path):
    (tmp_path / "m.json").write_text(json.dumps({
        "format": "graph-model", "modelTopology": {"node": []},
        "weightsManifest": [{"paths": ["m.bin"], "weights": []}]}))
    with pytest.raises(RuntimeError, match="fetch_models.py"):
        load_tfjs_graph(tmp_path / "m.json")


def test_intermediate_nodes_are_hookable_modules():
    node1 = {"name": "a", "op": "Relu", "input": ["x"]}
    node2 = {"name": "b", "op": "Square", "input": ["a"]}
    g = graph([node1, node2], {}, shape=(-1, 2))
    seen = []
    handle = g.layer("a").register_forward_hook(lambda m, i, o: seen.append(o.clone()))
    out = g(torch.tensor([[-1.0, 3.0]]))
    handle.remove()
    assert seen[0].tolist() == [[0.0, 3.0]] and out["b"].tolist() == [[0.0, 9.0]]
