"""ResNet18 with CBAM after the second convolution of every basic block (seed 000, §3.3.3, figure 3).

CBAM (Woo et al., ECCV 2018): channel attention ``M_c = σ(MLP(AvgPool(F)) + MLP(MaxPool(F)))`` with a shared
MLP, then spatial attention ``M_s = σ(conv7×7([AvgPool_c(F); MaxPool_c(F)]))``. The backbone is torchvision's
ResNet18; each block's ``bn2`` becomes ``Sequential(bn2, CBAM)``, so attention acts after the second
convolution and before the residual addition. Output: 2 logits in :mod:`models.labels` order (the seed's
labels: class 0 = spoof, 1 = genuine).
"""

from __future__ import annotations

import torch
from torch import nn
from torchvision.models import resnet18


class ChannelAttention(nn.Module):
    """Per-channel weights in (0, 1) from average- and max-pooled descriptors through one shared MLP."""

    def __init__(self, channels: int, reduction: int = 16) -> None:
        super().__init__()
        hidden = max(channels // reduction, 1)
        self.mlp = nn.Sequential(
            nn.Conv2d(channels, hidden, 1, bias=True), nn.ReLU(inplace=True), nn.Conv2d(hidden, channels, 1, bias=True)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        avg = self.mlp(torch.mean(x, dim=(2, 3), keepdim=True))
        peak = self.mlp(torch.amax(x, dim=(2, 3), keepdim=True))
        return x * torch.sigmoid(avg + peak)


class SpatialAttention(nn.Module):
    """Per-position weights in (0, 1) from channel-wise average and max through a 7×7 convolution."""

    def __init__(self, kernel_size: int = 7) -> None:
        super().__init__()
        self.conv = nn.Conv2d(2, 1, kernel_size, padding=kernel_size // 2, bias=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pooled = torch.cat([x.mean(dim=1, keepdim=True), x.amax(dim=1, keepdim=True)], dim=1)
        return x * torch.sigmoid(self.conv(pooled))


class CBAM(nn.Module):
    """Channel attention followed by spatial attention; output has the input's shape (B, C, H, W)."""

    def __init__(self, channels: int, reduction: int = 16, kernel_size: int = 7) -> None:
        super().__init__()
        self.channel = ChannelAttention(channels, reduction)
        self.spatial = SpatialAttention(kernel_size)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.spatial(self.channel(x))


def resnet18_cbam(num_classes: int = 2) -> nn.Module:
    """ResNet18 + CBAM in every basic block, initialised as seed 000 states (no ImageNet weights here).

    Kaiming-normal init for the CBAM convolutions, Xavier-uniform for the final fully connected layer,
    all biases zero; torchvision's own init for the rest of the backbone.

    Input (B, 3, 224, 224) float32 RGB in [0, 1]; output (B, ``num_classes``) logits.
    """
    net = resnet18(weights=None, num_classes=num_classes)
    for layer in (net.layer1, net.layer2, net.layer3, net.layer4):
        for block in layer:
            channels = block.bn2.num_features
            attention = CBAM(channels)
            for module in attention.modules():
                if isinstance(module, nn.Conv2d):
                    nn.init.kaiming_normal_(module.weight, mode="fan_out", nonlinearity="relu")
                    nn.init.zeros_(module.bias)
            block.bn2 = nn.Sequential(block.bn2, attention)
    nn.init.xavier_uniform_(net.fc.weight)
    nn.init.zeros_(net.fc.bias)
    return net


def default_target_layer(net: nn.Module) -> nn.Module:
    """The seed's Grad-CAM layer: the last basic block of layer4 (7×7×512 for a 224 input)."""
    return net.layer4[-1]
