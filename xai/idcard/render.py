"""Pictures of an ID-card explanation: the located card with its L1/L2 squares, attention grids, the PNG panel."""

from __future__ import annotations

import io

import cv2
import numpy as np

from xai.core.render import colorize, overlay

QUAD_COLOUR, L1_COLOUR, L2_COLOUR = (40, 200, 80), (40, 120, 255), (255, 150, 0)
ZONE_COLOURS = ((230, 80, 80), (80, 160, 230), (240, 200, 60), (160, 90, 220), (120, 120, 120))


def draw_location(image: np.ndarray, location, crops, max_side: int = 900) -> np.ndarray:
    """(h, w, 3) uint8 RGB: the frame (downscaled to ``max_side``) with the card quad (green), the L1 (blue) and
    L2 (orange) squares and the centroid."""
    h, w = image.shape[:2]
    s = min(1.0, max_side / max(h, w))
    out = cv2.resize(image, (round(w * s), round(h * s)), interpolation=cv2.INTER_AREA) if s < 1 else image.copy()
    thick = max(2, round(3 * max(out.shape[:2]) / 900))
    loc = location
    if loc.quad is not None:
        cv2.polylines(out, [np.round(loc.quad * s).astype(np.int32)], True, QUAD_COLOUR, thick, cv2.LINE_AA)
    for crop, colour in ((crops.l1, L1_COLOUR), (crops.l2, L2_COLOUR)):
        x0, y0, x1, y1 = (round(v * s) for v in crop.box)
        cv2.rectangle(out, (x0, y0), (x1, y1), colour, thick, cv2.LINE_AA)
    cx, cy = (round(v * s) for v in loc.centroid)
    cv2.drawMarker(out, (cx, cy), (255, 255, 255), cv2.MARKER_CROSS, 8 * thick, thick)
    return out


def draw_zones(image: np.ndarray, labels: np.ndarray, max_side: int = 600) -> np.ndarray:
    """(h, w, 3) uint8 RGB: the frame with each occlusion zone tinted (photo red, text blue, MRZ yellow, border
    violet, background grey)."""
    tint = np.zeros_like(image)
    for i, colour in enumerate(ZONE_COLOURS):
        tint[labels == i + 1] = colour
    out = cv2.addWeighted(image, 0.55, tint, 0.45, 0)
    h, w = out.shape[:2]
    s = min(1.0, max_side / max(h, w))
    return cv2.resize(out, (round(w * s), round(h * s)), interpolation=cv2.INTER_AREA) if s < 1 else out


def grid_map(values: np.ndarray, size: int = 224, mark: tuple[int, int] | None = None,
             base: np.ndarray | None = None) -> np.ndarray:
    """(28, 28) float values → (size, size, 3) uint8 RGB heatmap (min-max scaled, nearest upscale), optionally
    over ``base`` and with cell ``mark`` = (row, col) outlined in white."""
    v = values.astype(np.float32)
    v = (v - v.min()) / max(float(v.max() - v.min()), 1e-12)
    up = cv2.resize(v, (size, size), interpolation=cv2.INTER_NEAREST)
    out = overlay(base, up, 0.6) if base is not None else colorize(up)
    if mark is not None:
        cell = size / values.shape[0]
        r, c = mark
        cv2.rectangle(out, (int(c * cell), int(r * cell)), (int((c + 1) * cell), int((r + 1) * cell)),
                      (255, 255, 255), 2)
    return out


def mark_cell(image: np.ndarray, cell: tuple[int, int], grid: int = 28) -> np.ndarray:
    """(S, S, 3) uint8 RGB copy of ``image`` with grid cell ``cell`` = (row, col) outlined (white on black)."""
    out = image.copy()
    size = out.shape[0] / grid
    r, c = cell
    p0, p1 = (int(c * size) - 1, int(r * size) - 1), (int((c + 1) * size), int((r + 1) * size))
    cv2.rectangle(out, p0, p1, (0, 0, 0), 3)
    cv2.rectangle(out, p0, p1, (255, 255, 255), 1)
    return out


def gray_rgb(x: np.ndarray) -> np.ndarray:
    """(H, W) float in [0, 1] → (H, W, 3) uint8 grey."""
    g = np.clip(x * 255 + 0.5, 0, 255).astype(np.uint8)
    return np.repeat(g[..., None], 3, axis=2)


def panel_png(e) -> bytes:
    """One PNG: located card, crops, FFT view, Grad-CAMs, attention and zone-occlusion bars."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 5, figsize=(17, 7.4))
    if e.model_input is not None:  # a one-image (user) model: its input and its CAM, no branches
        pics = [(e.annotated, "card, L1 (blue), L2 (orange)"), (e.model_input, "model input")]
        if e.cam_rgb is not None:
            pics.append((overlay(e.model_input, e.cam_rgb), "Grad-CAM at the spec's cam_layer"))
    else:
        pics = [
            (e.annotated, "card, L1 (blue), L2 (orange)"),
            (e.crops.l1.image, "L1 crop → RGB branch"),
            (e.crops.l2.image, "L2 crop → FFT branch"),
            (gray_rgb(e.fft.spectrum), "log |FFTShift(FFT)|"),
            (gray_rgb(e.fft.filtered), f"high-pass r = {e.fft.radius:g} (eq. 8)"),
            (overlay(e.crops.l1.image, e.cam_rgb), "Grad-CAM, RGB branch conv3_3"),
        ]
    if e.cam_second is not None:
        pics.append((overlay(gray_rgb(e.fft.filtered) if e.variant != "two-rgb" else e.crops.l2.image, e.cam_second),
                     "Grad-CAM, second branch conv3_3"))
    if e.attention is not None:
        a = e.attention
        pics.append((grid_map(a.received, base=gray_rgb(e.fft.filtered), mark=a.top_key_cell),
                     "attention received by FFT cells"))
        pics.append((grid_map(a.query_map, base=gray_rgb(e.fft.filtered), mark=None),
                     f"RGB cell {a.query_cell} attends to"))
    for ax, (pic, title) in zip(axes.flat, pics, strict=False):
        ax.imshow(pic)
        ax.set_title(title, fontsize=9)
        ax.axis("off")
    for ax in list(axes.flat)[len(pics):-1]:
        ax.axis("off")
    bar = axes.flat[-1]
    bar.axis("on")
    bar.barh([z.zone for z in e.zones], [z.delta for z in e.zones],
             color=["#c62828" if z.delta > 0 else "#2e7d32" for z in e.zones])
    bar.axvline(0, color="black", lw=0.8)
    bar.set_title("Δ p(spoof) when the zone is blurred", fontsize=9)
    bar.tick_params(labelsize=8)
    fig.suptitle(f"{e.model}: {e.label} (p(spoof) = {e.p_spoof:.3f})", fontsize=12)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=90)
    plt.close(fig)
    return buffer.getvalue()

