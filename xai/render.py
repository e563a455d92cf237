"""Pictures of explanations: heatmap overlays, colour bars, and the whole anti-spoofing panel as a PNG."""

from __future__ import annotations

import io

import cv2
import numpy as np

COLORMAP = cv2.COLORMAP_JET


def colorize(heatmap: np.ndarray) -> np.ndarray:
    """(H, W) float in [0, 1] → (H, W, 3) uint8 RGB with the jet colour map (blue 0 … red 1)."""
    scaled = np.clip(heatmap * 255.0, 0, 255).astype(np.uint8)
    return cv2.cvtColor(cv2.applyColorMap(scaled, COLORMAP), cv2.COLOR_BGR2RGB)


def overlay(image: np.ndarray, heatmap: np.ndarray, alpha: float = 0.45) -> np.ndarray:
    """(H, W, 3) uint8 RGB image blended with its colourised (H, W) heatmap."""
    if heatmap.shape != image.shape[:2]:
        heatmap = cv2.resize(heatmap.astype(np.float32), (image.shape[1], image.shape[0]))
    return cv2.addWeighted(image, 1.0 - alpha, colorize(heatmap), alpha, 0.0)


def colorbar(width: int = 224, height: int = 14) -> np.ndarray:
    """(height, width, 3) uint8 horizontal colour bar from 0 (left) to 1 (right)."""
    ramp = np.tile(np.linspace(0.0, 1.0, width, dtype=np.float32), (height, 1))
    return colorize(ramp)


def spoof_panel_png(explanation) -> bytes:
    """The whole region-wise explanation as one PNG: per region the crop, heatmap overlay, masked input."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    regions = explanation.regions
    fig, axes = plt.subplots(len(regions), 4, figsize=(12, 3.1 * len(regions)), squeeze=False,
                             gridspec_kw={"width_ratios": [1, 1, 1, 1.2]})
    for row, r in zip(axes, regions, strict=True):
        row[0].imshow(r.crop)
        row[0].set_title(f"{r.region}: {r.label} ({r.confidence:.2f})", fontsize=9)
        shown = row[1].imshow(r.heatmap, cmap="jet", vmin=0, vmax=1)
        row[1].imshow(r.crop, alpha=0.55)
        row[1].set_title(f"{explanation.cam_method} heatmap", fontsize=9)
        fig.colorbar(shown, ax=row[1], fraction=0.046, pad=0.04)
        row[2].imshow(r.masked)
        row[2].set_title(f"top {explanation.mask_top_percent:g}% masked: ΔS {r.confidence_drop:+.3f}", fontsize=9)
        row[3].plot(r.curves.fractions, r.curves.deletion, label=f"deletion AUC {r.curves.deletion_auc:.2f}")
        row[3].plot(r.curves.fractions, r.curves.insertion, label=f"insertion AUC {r.curves.insertion_auc:.2f}")
        row[3].set_ylim(0, 1)
        row[3].set_xlabel("fraction of pixels", fontsize=8)
        row[3].set_title(f"SSIM(H, H_masked) {r.ssim:.2f}", fontsize=9)
        row[3].legend(fontsize=7, loc="lower right")
        for ax in row[:3]:
            ax.axis("off")
    fig.suptitle(f"{explanation.family} · {explanation.cam_method} · decision: {explanation.decision.label} "
                 f"({explanation.decision.confidence:.2f})", fontsize=11)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110)
    plt.close(fig)
    return buffer.getvalue()
