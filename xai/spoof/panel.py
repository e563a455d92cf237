"""The whole region-wise anti-spoofing explanation as one PNG (seed 000): the page's download and the CLI's panel.png."""

from __future__ import annotations

import io

from xai.spoof.explain import SpoofExplanation


def spoof_panel_png(explanation: SpoofExplanation) -> bytes:
    """PNG bytes with one row per region: the crop, its heatmap overlay (with colour bar), the top-k % masked
    input with ΔS, and the deletion/insertion curves with SSIM; the title names the family, CAM and decision."""
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
