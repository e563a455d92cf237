"""VGG16 + FFT cross-attention ID-card recapture detector (seed 003 §3, Fig. 3–4) and its ablations (§4.5).

Two truncated VGG16 branches (the first 7 convolutional layers and the first three max-pools, 256 × 28 × 28 at
224 × 224, separate weights), a bidirectional multi-head cross-attention fusion (16 heads, d = 256, eqs. 9–11),
global average pooling per branch, concatenation to 512 (eq. 12) and three fully connected layers (batch norm
between them) ending in 2 logits. The trained output order is 0 = genuine, 1 = spoof (the DLC-2021 protocol:
positive = spoof), the reverse of :mod:`models.labels`; the weights keep it, and :func:`spoof_probability` /
:func:`label_probabilities` map it at the one place the logits are read (:data:`OUTPUT_LABELS`).

Ablations (seed Table 3), selected by :class:`IdCardConfig`:

* ``"concat-gap"``: cross-attention replaced by global average pooling of each branch and concatenation.
* ``"two-rgb"``: the FFT branch replaced by a second RGB branch fed the L2 crop in RGB (cross-attention kept).
* ``"vgg-only"``: one VGG16 branch on the L1 crop, GAP, the same classification head (input 256).

Layer names follow torchvision's ``vgg16().features`` indices (``features.0`` … ``features.16``), so a locally
available ImageNet VGG16 state dict could be loaded into each branch; none can be downloaded here.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from models.labels import GENUINE, SPOOF

#: The trained head's output order: output index → label of :mod:`models.labels` (output 0 = genuine, 1 = spoof).
#: The ID-card crop sets and synthetic cards store their training targets in this output order.
OUTPUT_LABELS: tuple[int, int] = (GENUINE, SPOOF)
OUTPUT_GENUINE, OUTPUT_SPOOF = OUTPUT_LABELS.index(GENUINE), OUTPUT_LABELS.index(SPOOF)
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
VARIANTS = ("vgg16-fft", "concat-gap", "two-rgb", "vgg-only")
#: VGG16 configuration up to pool3: 7 convolutions (conv1_1 … conv3_3), "M" = 2 × 2 max-pool.
_VGG16_TRUNCATED = (64, 64, "M", 128, 128, "M", 256, 256, 256, "M")
LAST_CONV = "features.14"  # conv3_3, the Grad-CAM target of each branch


@dataclass(frozen=True, slots=True)
class IdCardConfig:
    """Which architecture to build.

    Attributes:
        variant: one of :data:`VARIANTS`.
        heads: attention heads (seed: 16); ``channels`` must be divisible by it.
        hidden: widths of the first two fully connected layers (512 → hidden[0] → hidden[1] → 2).
        batch_norm_head: batch norm after the first two fully connected layers (the seed's "optional" BN).
        dropout: dropout before the last two fully connected layers.
    """

    variant: str = "vgg16-fft"
    heads: int = 16
    hidden: tuple[int, int] = (512, 64)
    batch_norm_head: bool = True
    dropout: float = 0.3

    def __post_init__(self) -> None:
        if self.variant not in VARIANTS:
            raise ValueError(f"unknown variant {self.variant!r}; choose one of: {', '.join(VARIANTS)}")
        if 256 % self.heads:
            raise ValueError(f"heads must divide 256, got {self.heads}")

    @property
    def branches(self) -> tuple[str, ...]:
        """Inputs of each branch: "rgb" (L1 crop), "fft" (FFT of the L2 crop), "rgb2" (L2 crop in RGB)."""
        return {"vgg16-fft": ("rgb", "fft"), "concat-gap": ("rgb", "fft"), "two-rgb": ("rgb", "rgb2"),
                "vgg-only": ("rgb",)}[self.variant]

    @property
    def fusion(self) -> str:
        return {"vgg16-fft": "cross-attention", "two-rgb": "cross-attention", "concat-gap": "concat-gap",
                "vgg-only": "none"}[self.variant]


class VggBranch(nn.Module):
    """The first 7 convolutional layers of VGG16 with their ReLUs and 3 max-pools.

    (B, 3, 224, 224) ImageNet-normalised → (B, 256, 28, 28). Submodule ``features`` mirrors torchvision's indices.
    """

    def __init__(self) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        channels = 3
        for v in _VGG16_TRUNCATED:
            if v == "M":
                layers.append(nn.MaxPool2d(2, 2))
            else:
                layers += [nn.Conv2d(channels, int(v), 3, padding=1), nn.ReLU(inplace=True)]
                channels = int(v)
        self.features = nn.Sequential(*layers)
        for m in self.features:
            if isinstance(m, nn.Conv2d):  # torchvision's VGG initialisation
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
                nn.init.zeros_(m.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.features(x)


class CrossAttentionFusion(nn.Module):
    """Bidirectional multi-head cross-attention with residuals (seed eqs. 9–12).

    ``Z_a = MHA(Q = F_a, K = V = F_b) + F_a`` and ``Z_b = MHA(Q = F_b, K = V = F_a) + F_b``; each
    :class:`torch.nn.MultiheadAttention` holds the linear Q, K, V projections and the output linear layer that
    combines the heads. Then GAP over the HW tokens and concatenation → (B, 2C).
    """

    def __init__(self, channels: int = 256, heads: int = 16) -> None:
        super().__init__()
        self.a_from_b = nn.MultiheadAttention(channels, heads)  # RGB ← FFT (eq. 9)
        self.b_from_a = nn.MultiheadAttention(channels, heads)  # FFT ← RGB (eq. 10)

    def forward(self, fa: torch.Tensor, fb: torch.Tensor, need_weights: bool = False
                ) -> tuple[torch.Tensor, torch.Tensor | None, torch.Tensor | None]:
        """(B, C, H, W) × 2 → (B, 2C) fused features and, if asked, the head-averaged (B, HW, HW) attention maps
        of RGB ← FFT (query = RGB position, key = FFT position) and FFT ← RGB."""
        ta = fa.flatten(2).permute(2, 0, 1)  # (HW, B, C), the seed's layout
        tb = fb.flatten(2).permute(2, 0, 1)
        za, wa = self.a_from_b(ta, tb, tb, need_weights=need_weights)
        zb, wb = self.b_from_a(tb, ta, ta, need_weights=need_weights)
        za, zb = za + ta, zb + tb  # residual (eq. 11)
        return torch.cat([za.mean(dim=0), zb.mean(dim=0)], dim=1), wa, wb


class IdCardNet(nn.Module):
    """The seed's VGG16 + FFT network or one of its ablations.

    ``forward(rgb, second)``: ``rgb`` (B, 3, 224, 224) ImageNet-normalised L1 crop; ``second`` the FFT-branch
    input (B, 3, 224, 224) (:func:`xai.idcard.fft.fft_highpass`) or, for "two-rgb", the normalised L2 crop;
    ignored by "vgg-only". Returns (B, 2) logits in the trained output order (:data:`OUTPUT_LABELS`).
    """

    def __init__(self, config: IdCardConfig | None = None) -> None:
        super().__init__()
        self.config = config or IdCardConfig()
        cfg = self.config
        self.rgb_branch = VggBranch()
        self.second_branch = VggBranch() if len(cfg.branches) == 2 else None
        self.fusion = CrossAttentionFusion(256, cfg.heads) if cfg.fusion == "cross-attention" else None
        width = 512 if len(cfg.branches) == 2 else 256
        h1, h2 = cfg.hidden
        layers: list[nn.Module] = [nn.Linear(width, h1)]
        layers += [nn.BatchNorm1d(h1)] if cfg.batch_norm_head else []
        layers += [nn.ReLU(inplace=True), nn.Dropout(cfg.dropout), nn.Linear(h1, h2)]
        layers += [nn.BatchNorm1d(h2)] if cfg.batch_norm_head else []
        layers += [nn.ReLU(inplace=True), nn.Dropout(cfg.dropout), nn.Linear(h2, 2)]
        self.head = nn.Sequential(*layers)

    def features(self, rgb: torch.Tensor, second: torch.Tensor | None = None, need_weights: bool = False
                 ) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        """Fused (B, 512) or (B, 256) features and the intermediate maps ("rgb", "second" (B, 256, 28, 28);
        "attn_rgb_from_second", "attn_second_from_rgb" (B, 784, 784) when ``need_weights``)."""
        fa = self.rgb_branch(rgb)
        maps = {"rgb": fa}
        if self.second_branch is None:
            return fa.mean(dim=(2, 3)), maps
        if second is None:
            raise ValueError(f"variant {self.config.variant!r} needs the second-branch input")
        fb = self.second_branch(second)
        maps["second"] = fb
        if self.fusion is None:
            return torch.cat([fa.mean(dim=(2, 3)), fb.mean(dim=(2, 3))], dim=1), maps
        fused, wa, wb = self.fusion(fa, fb, need_weights=need_weights)
        if need_weights:
            maps["attn_rgb_from_second"], maps["attn_second_from_rgb"] = wa, wb
        return fused, maps

    def forward(self, rgb: torch.Tensor, second: torch.Tensor | None = None) -> torch.Tensor:
        fused, _ = self.features(rgb, second)
        return self.head(fused)


def label_probabilities(logits: torch.Tensor) -> torch.Tensor:
    """(B, 2) head logits in the trained output order → (B, 2) softmax probabilities in :mod:`models.labels` order
    (column ``SPOOF``, column ``GENUINE``)."""
    probabilities = torch.softmax(logits, dim=1)
    return probabilities[:, [OUTPUT_LABELS.index(label) for label in sorted(OUTPUT_LABELS)]]


def spoof_probability(logits: torch.Tensor) -> torch.Tensor:
    """(B, 2) head logits in the trained output order → (B,) probability in [0, 1] of "spoof" (screen recapture)."""
    return label_probabilities(logits)[:, SPOOF]


def output_of(label: int) -> int:
    """The head's output index (and the crop sets' training target) of a :mod:`models.labels` label."""
    return OUTPUT_LABELS.index(label)


def parameter_count(net: nn.Module) -> int:
    """Number of trainable and frozen parameters (buffers such as BN running statistics excluded)."""
    return sum(p.numel() for p in net.parameters())


def measure_flops(net: IdCardNet, size: int = 224) -> int:
    """FLOPs of one forward pass at batch 1, counted by :class:`torch.utils.flop_counter.FlopCounterMode`
    (a multiply-add counts as 2 FLOPs; convolutions, linear layers and attention matrix products; ReLU, pooling,
    softmax and the FFT are not counted)."""
    from torch.utils.flop_counter import FlopCounterMode

    was_training = net.training
    net.eval()
    x = torch.zeros(1, 3, size, size)
    counter = FlopCounterMode(display=False)
    with counter, torch.no_grad():
        # need_weights=True takes the explicit bmm path, whose matrix products the counter sees
        fused, _ = net.features(x, x if net.second_branch is not None else None, need_weights=True)
        net.head(fused)
    net.train(was_training)
    return int(counter.get_total_flops())
