"""The fused inference copy of a TF.js graph returns what the graph returns, on real models and real faces."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from models.registry import load_model
from models.tfjs_freeze import freeze_graph
from models.zoo.faceres import DESCRIPTOR
from xai.core.crops import model_crop


@pytest.fixture(scope="module")
def faceres():
    return load_model("faceres")


@pytest.fixture(scope="module")
def face_crops(faceres, sample_images, sample_faces):
    crops = [model_crop(faceres, sample_images[name], face) for name, face in sample_faces.items()]
    return faceres.to_batch(crops)


def test_faceres_chains_fold_into_convolutions_and_descriptors_match(faceres, face_crops):
    frozen = freeze_graph(faceres.graph, [DESCRIPTOR])
    # 27 convolutions each absorb their BN Add (and the depthwise ones their BN Mul) and Relu → Minimum → Maximum.
    assert frozen.fused_nodes == 27 * 4 + 13
    assert len(frozen.steps) == 27 + 1  # the convolutions and the global mean
    with torch.no_grad():
        exact = faceres.descriptors(face_crops)
    fused = faceres.inference_descriptors(face_crops)
    np.testing.assert_allclose(fused.numpy(), exact.numpy(), rtol=1e-4, atol=1e-4 * float(exact.abs().max()))
    cosines = torch.nn.functional.cosine_similarity(fused, exact)
    assert float(cosines.min()) > 0.999999


def test_an_intermediate_output_is_returned_unfused_and_the_original_graph_keeps_its_layers(faceres, face_crops):
    node = "conv_pw_13_relu/clip_by_value"
    frozen = freeze_graph(faceres.graph, [node])
    with torch.no_grad():
        exact = faceres.run(face_crops[:2], [node])[node]
    fused = faceres.run_frozen(face_crops[:2], [node])[node]
    assert fused.shape == exact.shape == (2, 7, 7, 1024)
    torch.testing.assert_close(fused, exact, rtol=1e-4, atol=1e-4)
    assert faceres.graph.layer(node) is not None  # hooks for CAM still live on the unfused graph
    assert frozen.output_names == [node]


def test_a_graph_without_foldable_chains_runs_unchanged(sample_images):
    gear = load_model("gear")
    frozen = freeze_graph(gear.graph)
    x = torch.rand(2, *[s if s > 0 else 1 for s in gear.graph.input_shape[1:]])
    with torch.no_grad():
        exact = gear.graph(x)
    fused = frozen(x)
    for name in exact:
        torch.testing.assert_close(fused[name], exact[name], rtol=1e-5, atol=1e-5)


def test_unknown_outputs_are_refused(faceres):
    with pytest.raises(KeyError, match="no_such_node"):
        freeze_graph(faceres.graph, ["no_such_node"])


def test_bf16_keeps_in_fp32_only_the_few_convolutions_it_distorts_and_that_cuts_the_descriptor_error(
        faceres, face_crops):
    keep, layers = faceres.bf16_fp32_layers(face_crops[:1])
    assert layers == 27
    assert 1 <= len(keep) <= 3  # BN folding leaves a few layers whose bf16 output loses its precision
    with torch.no_grad():
        exact = faceres.inference_descriptors(face_crops)
        with torch.autocast("cpu", dtype=torch.bfloat16):
            all_bf16 = faceres.inference_descriptors(face_crops).float()
            mixed = faceres.inference_descriptors(face_crops, keep).float()

    def error(approx: torch.Tensor) -> float:
        return float((1 - torch.nn.functional.cosine_similarity(approx, exact)).mean())

    assert error(mixed) < error(all_bf16) / 2
    assert float(torch.nn.functional.cosine_similarity(mixed, exact).min()) > 0.999


def test_bf16_weights_are_cast_at_freeze_time_and_left_alone_by_concurrent_runs(faceres, face_crops):
    # two sessions may run one frozen graph at once: a run must read the weights, never fill a cache
    frozen = freeze_graph(faceres.graph, [DESCRIPTOR])
    convs = [step for step in frozen.steps if hasattr(step, "cast")]
    before = [(id(step.cast), {dtype: id(pair[0]) for dtype, pair in step.cast.items()}) for step in convs]
    assert all(torch.equal(step.cast[torch.bfloat16][0], step.weight.to(torch.bfloat16)) for step in convs)
    x = faceres.input_spec.apply(face_crops)
    with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16):
        frozen(x)
        frozen(x, frozenset({1}))
    assert [(id(step.cast), {dtype: id(pair[0]) for dtype, pair in step.cast.items()}) for step in convs] == before
