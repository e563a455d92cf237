"""xai.spoof.panel: the whole region-wise explanation of a real sample as one PNG."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from xai.spoof.explain import explain_spoof
from xai.spoof.panel import spoof_panel_png


def test_the_panel_has_one_row_per_region_of_a_real_explanation(sample_images):
    explanation = explain_spoof(sample_images["obama.jpg"], family="resnet18-cbam-regions", curve_steps=4)
    data = spoof_panel_png(explanation)
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    panel = Image.open(io.BytesIO(data))
    assert len(explanation.regions) == 4
    # figsize (12, 3.1 per row) inches at 110 dpi
    assert panel.size == (1320, round(3.1 * 4 * 110))
    assert np.asarray(panel.convert("RGB")).std() > 10  # drawn, not blank
