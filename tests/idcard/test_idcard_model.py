"""The VGG16 + FFT architecture (seed 003 §3.3–3.5): shapes, parameter count, FLOPs, attention, ablations."""

from __future__ import annotations

import pytest
import torch

from models.idcard import VARIANTS, IdCardConfig, IdCardNet, measure_flops, parameter_count

SEED_PARAMS = 4.29e6
SEED_GFLOPS = 40.95


def conv_macs_per_branch(size: int = 224) -> int:
    """Multiply-adds of VGG16's first 7 convolutions, by hand: H·W·C_out·C_in·9 per layer."""
    layers = [(size, 3, 64), (size, 64, 64), (size // 2, 64, 128), (size // 2, 128, 128),
              (size // 4, 128, 256), (size // 4, 256, 256), (size // 4, 256, 256)]
    return sum(s * s * cout * cin * 9 for s, cin, cout in layers)


@pytest.fixture(scope="module")
def net():
    torch.manual_seed(0)
    return IdCardNet().eval()


def test_parameter_count_is_within_two_percent_of_the_seed(net):
    n = parameter_count(net)
    assert abs(n - SEED_PARAMS) / SEED_PARAMS < 0.02, n
    # by hand: 2 × 1,735,488 (convs) + 2 × 263,168 (attention) + 296,770 (head incl. BN)
    assert n == 2 * 1_735_488 + 2 * 263_168 + 296_770


def test_branches_output_256x28x28_and_attention_rows_are_distributions(net):
    x = torch.randn(2, 3, 224, 224)
    with torch.no_grad():
        fused, maps = net.features(x, x.flip(-1), need_weights=True)
        logits = net.head(fused)
    assert maps["rgb"].shape == maps["second"].shape == (2, 256, 28, 28)
    assert fused.shape == (2, 512) and logits.shape == (2, 2)
    attention = maps["attn_rgb_from_second"]
    assert attention.shape == (2, 784, 784)
    torch.testing.assert_close(attention.sum(-1), torch.ones(2, 784))


def test_branches_have_separate_weights(net):
    a = net.rgb_branch.features[0].weight
    b = net.second_branch.features[0].weight
    assert a.data_ptr() != b.data_ptr() and not torch.equal(a, b)


def test_flops_match_the_hand_count_and_the_seed_order_of_magnitude(net):
    flops = measure_flops(net)
    convs = 2 * 2 * conv_macs_per_branch()  # two branches, 2 FLOPs per multiply-add
    assert convs <= flops <= 1.06 * convs  # attention and head add a few percent
    assert abs(flops / 1e9 - SEED_GFLOPS) / SEED_GFLOPS < 0.1


@pytest.mark.parametrize("variant", VARIANTS)
def test_every_ablation_builds_and_runs(variant):
    model = IdCardNet(IdCardConfig(variant)).eval()
    x = torch.randn(2, 3, 224, 224)
    with torch.no_grad():
        out = model(x, None if variant == "vgg-only" else x)
    assert out.shape == (2, 2) and torch.isfinite(out).all()
    expected_fusion = {"vgg16-fft": True, "two-rgb": True, "concat-gap": False, "vgg-only": False}[variant]
    assert (model.fusion is not None) == expected_fusion


def test_bad_configs_fail_with_the_valid_choices():
    with pytest.raises(ValueError, match="vgg16-fft"):
        IdCardConfig("resnet")
    with pytest.raises(ValueError, match="second-branch"):
        IdCardNet().features(torch.zeros(1, 3, 224, 224))
