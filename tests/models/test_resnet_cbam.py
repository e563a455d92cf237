"""ResNet18-CBAM (seed 000 §3.3.3): CBAM shapes and placement, initialisation rules, output."""

from __future__ import annotations

import torch
from torch import nn

from models.resnet_cbam import CBAM, ChannelAttention, SpatialAttention, default_target_layer, resnet18_cbam


def test_cbam_keeps_the_shape_and_attends_in_both_dimensions():
    x = torch.rand(2, 64, 56, 56)
    assert ChannelAttention(64)(x).shape == x.shape
    assert SpatialAttention()(x).shape == x.shape
    cbam = CBAM(64)
    y = cbam(x)
    assert y.shape == x.shape
    # attention weights are sigmoids: the output never exceeds the input in magnitude
    assert torch.all(y.abs() <= x.abs() + 1e-6)


def test_channel_attention_is_one_weight_per_channel():
    attention = ChannelAttention(8, reduction=2)
    x = torch.rand(1, 8, 5, 5)
    ratio = attention(x) / x
    assert torch.allclose(ratio, ratio[:, :, :1, :1].expand_as(ratio), atol=1e-6)


def test_cbam_sits_after_the_second_convolution_of_every_block():
    net = resnet18_cbam()
    blocks = [b for layer in (net.layer1, net.layer2, net.layer3, net.layer4) for b in layer]
    assert len(blocks) == 8
    for block in blocks:
        assert isinstance(block.bn2, nn.Sequential) and isinstance(block.bn2[1], CBAM)
        assert block.bn2[0].num_features == block.conv2.out_channels


def test_initialisation_follows_the_seed():
    torch.manual_seed(0)
    net = resnet18_cbam()
    assert torch.count_nonzero(net.fc.bias) == 0
    bound = (6 / (512 + 2)) ** 0.5  # Xavier-uniform bound for a 512 → 2 layer
    assert net.fc.weight.abs().max() <= bound
    for module in net.modules():
        if isinstance(module, CBAM):
            for conv in (m for m in module.modules() if isinstance(m, nn.Conv2d)):
                assert torch.count_nonzero(conv.bias) == 0


def test_two_logits_for_a_224_input_and_the_seed_target_layer():
    net = resnet18_cbam().eval()
    seen = []
    handle = default_target_layer(net).register_forward_hook(lambda m, i, o: seen.append(o.shape))
    with torch.no_grad():
        out = net(torch.rand(2, 3, 224, 224))
    handle.remove()
    assert out.shape == (2, 2)
    assert seen == [torch.Size([2, 512, 7, 7])]
