"""Pictures of explanations shared by every task: heatmap overlays and colour bars."""

from __future__ import annotations

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
