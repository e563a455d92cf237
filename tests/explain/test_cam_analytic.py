"""CAM formulas on a tiny analytic model whose maps are derived by hand.

The model: a 1 × 1 convolution that copies the red and green channels, ``A_0 = R`` and ``A_1 = G``, global
average pooling over the h × w = 4 × 4 grid, and a linear head ``W = [[1, −1], [−1, 1]]``, bias (0.5, −0.5):
``y_0 = mean R − mean G + 0.5``, ``y_1 = mean G − mean R − 0.5``.

For a linear head, ``∂y_c/∂A_k,ij = W_ck / (h w)``, so Grad-CAM's weights are ``α_k = W_ck / (h w)`` and its map
is ``ReLU(Σ_k W_ck A_k) / (h w)``: ``ReLU(G − R)`` for class 1, ``ReLU(R − G)`` for class 0, min-max scaled.
LayerCAM keeps ``ReLU(∂y_c/∂A_k) A_k``: only ``G`` for class 1. Grad-CAM++'s weight of ``A_0`` is 0
(a negative gradient) and that of ``A_1`` positive, so its class-1 map is ``G`` min-max scaled too.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import torch
from torch import nn

from xai.explain.cam import CAM_METHODS, cam_maps

R = np.array([[10, 20, 30, 40], [50, 60, 70, 80], [90, 100, 110, 120], [130, 140, 150, 160]], np.float32)
G = np.array([[200, 10, 30, 250], [40, 90, 70, 180], [60, 150, 20, 240], [100, 255, 0, 170]], np.float32)
B = np.full((4, 4), 7, np.float32)


class TinyCam(nn.Module):
    """(N, 4, 4, 3) RGB → 1 × 1 conv (A_0 = R, A_1 = G) → GAP → linear head: (N, 2) logits."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 2, 1, bias=False)
        self.head = nn.Linear(2, 2)
        with torch.no_grad():
            self.conv.weight.copy_(torch.tensor([[1.0, 0, 0], [0, 1.0, 0]])[:, :, None, None])
            self.head.weight.copy_(torch.tensor([[1.0, -1.0], [-1.0, 1.0]]))
            self.head.bias.copy_(torch.tensor([0.5, -0.5]))
        self.requires_grad_(False)  # like the shipped models: gradients reach the layer through the input only

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.conv(x.permute(0, 3, 1, 2)).mean(dim=(2, 3)))


def minmax(m: np.ndarray) -> np.ndarray:
    return (m - m.min()) / (m.max() - m.min())


@pytest.fixture
def model() -> TinyCam:
    return TinyCam().eval()


def image(r=R, g=G) -> torch.Tensor:
    return torch.from_numpy(np.stack([r, g, B], axis=-1)[None])


def test_grad_cam_is_relu_of_the_head_weighted_channels(model):
    for target, expected in ((1, minmax(np.maximum(G - R, 0))), (0, minmax(np.maximum(R - G, 0)))):
        result = cam_maps(model, model, model.conv, image(), target)
        np.testing.assert_allclose(result.maps[0], expected, atol=1e-6)
        assert result.targets == (target,)


def test_outputs_are_the_hand_computed_logits_and_none_explains_the_larger(model):
    result = cam_maps(model, model, "conv", image())
    y1 = G.mean() - R.mean() - 0.5  # 99.6875 − 85 − 0.5 > 0: class 1 is predicted
    np.testing.assert_allclose(result.outputs.numpy(), [[-y1, y1]], rtol=1e-6)
    assert result.targets == (1,)
    np.testing.assert_allclose(result.maps[0], minmax(np.maximum(G - R, 0)), atol=1e-6)


def test_a_scalar_score_is_explained_like_its_own_single_output(model):
    def margin(x: torch.Tensor) -> torch.Tensor:  # (B,) score y_1 − y_0: ∂/∂A = (−2, 2) / 16
        logits = model(x)
        return logits[:, 1] - logits[:, 0]

    result = cam_maps(margin, model, model.conv, image())
    assert result.outputs.shape == (1, 1) and result.targets == (0,)
    np.testing.assert_allclose(result.outputs[0, 0].item(), 2 * (G.mean() - R.mean()) - 1, rtol=1e-6)
    np.testing.assert_allclose(result.maps[0], minmax(np.maximum(G - R, 0)), atol=1e-6)


@pytest.mark.parametrize("method", ["layer-cam", "grad-cam++"])
def test_layer_cam_and_grad_cam_plus_plus_keep_the_positively_weighted_channel(model, method):
    np.testing.assert_allclose(cam_maps(model, model, model.conv, image(), 1, method).maps[0], minmax(G), atol=1e-6)


def test_score_cam_weights_are_the_softmax_of_the_masked_scores(model):
    # Score-CAM: mask_k = min-max(A_k) (already 4 × 4), s_k = y_1(x ⊙ mask_k), map = ReLU(Σ softmax(s)_k A_k).
    x = np.stack([R, G, B], axis=-1)
    scores = []
    for a in (R, G):
        masked = x * minmax(a)[..., None]
        scores.append(masked[..., 1].mean() - masked[..., 0].mean() - 0.5)
    w = np.exp(np.array(scores) - max(scores))
    w /= w.sum()
    expected = minmax(np.maximum(w[0] * R + w[1] * G, 0))
    np.testing.assert_allclose(cam_maps(model, model, model.conv, image(), 1, "score-cam").maps[0], expected,
                               atol=1e-5)


@pytest.mark.parametrize("method", list(CAM_METHODS))
def test_a_batch_gives_the_maps_of_its_images_one_at_a_time(model, method):
    other = image(G[::-1].copy(), R[:, ::-1].copy())
    together = cam_maps(model, model, model.conv, torch.cat([image(), other]), [1, 0], method)
    alone = [cam_maps(model, model, model.conv, x, t, method).maps[0] for x, t in ((image(), 1), (other, 0))]
    np.testing.assert_allclose(together.maps, np.stack(alone), atol=1e-6)
    assert together.maps.shape == (2, 4, 4) and together.maps.dtype == np.float32


def test_a_strided_layer_is_upsampled_to_the_input():
    model = TinyCam().eval()
    model.conv.stride = (2, 2)  # A is 2 × 2: the map is resized to 4 × 4
    maps = cam_maps(model, model, model.conv, image(), 1).maps
    # A samples the even pixels: ReLU(G − R) there is [[190, 0], [0, 0]] → [[1, 0], [0, 0]], resized bilinearly
    expected = minmax(cv2.resize(np.float32([[1, 0], [0, 0]]), (4, 4)))
    assert maps.shape == (1, 4, 4)
    np.testing.assert_allclose(maps[0], expected, atol=1e-6)


class InPlaceReluCam(TinyCam):
    """TinyCam with ``A_1 = G − 100`` and an in-place ReLU after the hooked convolution, as in VGG."""

    def __init__(self) -> None:
        super().__init__()
        self.conv.bias = nn.Parameter(torch.tensor([0.0, -100.0]), requires_grad=False)
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.relu(self.conv(x.permute(0, 3, 1, 2))).mean(dim=(2, 3)))


def test_an_in_place_op_after_the_layer_is_in_the_activation_but_not_in_the_gradient():
    # The gradient at the convolution's output is W_1k / 16 where A_k > 0, so α_k = W_1k · mean(A_k > 0) / 16,
    # and the activation is read after the in-place ReLU: map = ReLU(−ReLU(R) + mean(G > 100) · ReLU(G − 100)).
    model = InPlaceReluCam().eval()
    expected = minmax(np.maximum(-R + (G > 100).mean() * np.maximum(G - 100, 0), 0))
    np.testing.assert_allclose(cam_maps(model, model, model.conv, image(), 1).maps[0], expected, atol=1e-6)
