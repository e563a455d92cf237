"""Explanations of the ID-card recapture detector (seed 003): prediction, Grad-CAM per branch, the cross-attention
map, and occlusion of card zones.

* **Grad-CAM** (:func:`xai.explain.cam.cam_maps`) on each branch's last convolution (conv3_3, 28 × 28), for the
  predicted class: where the RGB branch (L1 crop) and the FFT branch (L2 crop) found the evidence.
* **Cross-attention** (eq. 9, RGB ← FFT), averaged over the 16 heads: a (784, 784) matrix whose row q says how
  much RGB cell q (of the 28 × 28 grid over the L1 crop) attends to each FFT cell (28 × 28 over the L2 crop).
  The *most attended* FFT cell receives the largest column sum; the default query is the RGB cell that attends
  to it most, or a chosen (clicked) cell.
* **Zone occlusion**: the photo, text block, MRZ, border (fixed ID-1 layout of :mod:`xai.idcard.synth` mapped
  onto the card quadrilateral) and the background outside the card are, one at a time, replaced by a Gaussian
  blur (σ = 6 px) of the frame, which keeps colours and removes fine texture such as moiré; Δ = p(spoof) occluded
  − p(spoof). A positive Δ means the zone held evidence *against* "spoof" — or that the added blur, itself a
  recapture cue (seed §3.1), looks like a screen to the model; a negative Δ, that its texture supported "spoof".

A user's one-image recapture model (:mod:`xai.idcard.single_input`) gets the same prediction and zone occlusion,
and Grad-CAM at its spec's cam_layer over its own input when its graph converts to torch (else none, with the
reason); it has no second branch and no attention map.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np
import torch
from torch import nn

from models.idcard import LAST_CONV, OUTPUT_GENUINE, OUTPUT_LABELS, OUTPUT_SPOOF, spoof_probability
from models.labels import LABEL_NAMES
from xai.explain.cam import cam_maps
from xai.explain.occlusion import occlude_regions
from xai.explain.score import ScoreFn
from xai.idcard.crops import CardCrops, card_crops
from xai.idcard.data import branch_inputs
from xai.idcard.fft import DEFAULT_RADIUS, FFTView, fft_view
from xai.idcard.localise import CardLocation, localise_card, manual_location
from xai.idcard.render import draw_location, draw_zones
from xai.idcard.score import score_function
from xai.idcard.single_input import model_input, one_image_cam, one_image_score_function, takes_one_image
from xai.idcard.synth import BORDER_INSET, CARD_CORNERS, CARD_H, CARD_W, ZONE_NAMES, ZONES

GRID = 28
OCCLUSION_SIGMA = 6.0
#: Width of the card assumed around a manual centroid (no quadrilateral), as a fraction of the shorter side.
ASSUMED_CARD_WIDTH = 0.6


@dataclass(frozen=True, slots=True)
class AttentionView:
    """RGB ← FFT cross-attention of one image (eq. 9, mean over heads).

    Attributes:
        matrix: (784, 784) float32, rows = RGB query cells, columns = FFT key cells (row-major 28 × 28); rows sum to 1.
        received: (28, 28) float32 in [0, 1], column sums of ``matrix`` ÷ 784: attention each FFT cell receives.
        top_key_cell: (row, col) of the most attended FFT cell.
        query_cell: (row, col) of the RGB cell shown.
        query_map: (28, 28) float32, the attention row of ``query_cell`` over the FFT cells (sums to 1).
    """

    matrix: np.ndarray
    received: np.ndarray
    top_key_cell: tuple[int, int]
    query_cell: tuple[int, int]
    query_map: np.ndarray

    def for_query(self, cell: tuple[int, int]) -> np.ndarray:
        """(28, 28) attention of RGB cell ``cell`` = (row, col) over the FFT cells."""
        r, c = cell
        if not (0 <= r < GRID and 0 <= c < GRID):
            raise ValueError(f"cell must be (row, col) with 0 ≤ row, col < {GRID}, got {cell}")
        return self.matrix[r * GRID + c].reshape(GRID, GRID)


@dataclass(frozen=True, slots=True)
class ZoneOcclusion:
    """One occluded zone: ``p_spoof`` after occlusion in [0, 1], ``delta`` = p_spoof − the unoccluded p_spoof,
    ``area`` = the zone's share of the frame in [0, 1]."""

    zone: str
    p_spoof: float
    delta: float
    area: float


@dataclass(frozen=True, slots=True)
class IdCardExplanation:
    """Everything the page, the CLI and the tests show about one photo.

    Attributes:
        model: registry name; variant: architecture.
        location: where the card is (:class:`CardLocation`); quad_assumed: True when the zones use an assumed card.
        crops: the L1/L2 crops (224 × 224 uint8 RGB).
        fft: spectrum, mask and filtered L2 crop.
        p_spoof: probability in [0, 1] of "spoof"; label: "genuine" or "spoof" (threshold 0.5).
        cam_rgb: (224, 224) float32 in [0, 1], Grad-CAM of the RGB branch over the L1 crop; for a one-image model
            (S, S) over ``model_input``, or None when it does not convert for CAM (``cam_reason`` says why).
        cam_second: (224, 224) float32 in [0, 1] over the L2 crop, or None (vgg-only).
        attention: the cross-attention view, or None for variants without cross-attention.
        zones: zone occlusions in :data:`ZONE_NAMES` order; zone_masks: (H, W) uint8 zone index + 1 (0 = none).
        annotated: (h, w, 3) uint8 RGB frame (≤ 900 px) with the card quad and the L1/L2 squares drawn.
        zones_picture: (h, w, 3) uint8 RGB frame (≤ 600 px) with the occlusion zones tinted.
        warnings: plain sentences (padded crops, fallback localisation).
        seconds: wall time.
        model_input: a one-image (user) model's input, (S, S, 3) uint8 RGB (:mod:`xai.idcard.single_input`);
            None for the shipped two-branch detectors.
        cam_reason: why there is no CAM ("" when there is one).
    """

    model: str
    variant: str
    location: CardLocation
    quad_assumed: bool
    crops: CardCrops
    fft: FFTView
    p_spoof: float
    label: str
    cam_rgb: np.ndarray | None
    cam_second: np.ndarray | None
    attention: AttentionView | None
    zones: tuple[ZoneOcclusion, ...]
    zone_masks: np.ndarray
    annotated: np.ndarray
    zones_picture: np.ndarray
    warnings: tuple[str, ...]
    seconds: float
    model_input: np.ndarray | None = None
    cam_reason: str = ""


def stacked_logits(net: nn.Module) -> Callable[[torch.Tensor], torch.Tensor]:
    """The network as one function of one tensor, as CAM needs: (B, 224, 224, 6) → (B, 2) head logits.

    The input is the channels-last stack [RGB input, second input] of :func:`xai.idcard.data.branch_inputs`
    (zeros for the second input of the vgg-only variant, which ignores them).
    """
    def logits(stacked: torch.Tensor) -> torch.Tensor:
        x = stacked.permute(0, 3, 1, 2)  # back to the network's (B, 6, 224, 224)
        return net(x[:, :3], x[:, 3:] if net.second_branch is not None else None)

    return logits


def branch_cams(net: nn.Module, rgb: torch.Tensor, second: torch.Tensor | None, target_class: int,
                method: str = "grad-cam") -> tuple[np.ndarray, np.ndarray | None]:
    """Grad-CAM (or another ``method`` of :data:`xai.explain.cam.CAM_METHODS`) of each branch's last convolution
    (conv3_3) for head output ``target_class``.

    Args:
        rgb: (1, 3, 224, 224) ImageNet-normalised L1 crop; second: (1, 3, 224, 224) second-branch input or None.

    Returns:
        (224, 224) float32 in [0, 1] over the L1 crop, and over the L2 crop or None (vgg-only).
    """
    stacked = torch.cat([rgb, second if second is not None else torch.zeros_like(rgb)], dim=1).detach()
    inputs = stacked.permute(0, 2, 3, 1)
    branches = ["rgb_branch"] + (["second_branch"] if net.second_branch is not None else [])
    maps = [cam_maps(stacked_logits(net), net, f"{branch}.{LAST_CONV}", inputs, target_class, method).maps[0]
            for branch in branches]
    return maps[0], (maps[1] if len(maps) > 1 else None)


def attention_view(matrix: np.ndarray, query_cell: tuple[int, int] | None = None) -> AttentionView:
    """An :class:`AttentionView` of a (784, 784) head-averaged RGB ← FFT attention matrix."""
    received = matrix.sum(axis=0).reshape(GRID, GRID) / matrix.shape[0]
    top = divmod(int(np.argmax(received)), GRID)
    if query_cell is None:
        query_cell = divmod(int(np.argmax(matrix[:, top[0] * GRID + top[1]])), GRID)
    view = AttentionView(matrix, received.astype(np.float32), (int(top[0]), int(top[1])),
                         (int(query_cell[0]), int(query_cell[1])), np.zeros((GRID, GRID), np.float32))
    return AttentionView(matrix, view.received, view.top_key_cell, view.query_cell, view.for_query(view.query_cell))


def card_quad_around(centroid: tuple[float, float], frame_size: tuple[int, int]) -> np.ndarray:
    """An upright ID-1-shaped (4, 2) quad centred at ``centroid``, ASSUMED_CARD_WIDTH × the shorter side wide."""
    width = ASSUMED_CARD_WIDTH * min(frame_size)
    height = width * CARD_H / CARD_W
    cx, cy = centroid
    return np.float32([[cx - width / 2, cy - height / 2], [cx + width / 2, cy - height / 2],
                       [cx + width / 2, cy + height / 2], [cx - width / 2, cy + height / 2]])


def zone_masks(quad: np.ndarray, frame_size: tuple[int, int]) -> np.ndarray:
    """(H, W) uint8 label image: i + 1 for ZONE_NAMES[i] (photo, text block, MRZ, border, background)."""
    w, h = frame_size
    hom = cv2.getPerspectiveTransform(CARD_CORNERS, np.float32(quad))

    def poly(x0, y0, x1, y1):
        pts = np.float32([[x0 * CARD_W, y0 * CARD_H], [x1 * CARD_W, y0 * CARD_H], [x1 * CARD_W, y1 * CARD_H],
                          [x0 * CARD_W, y1 * CARD_H]]).reshape(-1, 1, 2)
        return np.round(cv2.perspectiveTransform(pts, hom).reshape(-1, 2)).astype(np.int32)

    labels = np.full((h, w), ZONE_NAMES.index("background") + 1, np.uint8)
    cv2.fillConvexPoly(labels, poly(0, 0, 1, 1), ZONE_NAMES.index("border") + 1)
    cv2.fillConvexPoly(labels, poly(BORDER_INSET, BORDER_INSET * CARD_W / CARD_H, 1 - BORDER_INSET,
                                    1 - BORDER_INSET * CARD_W / CARD_H), 0)
    for name in ("photo", "text block", "MRZ"):
        cv2.fillConvexPoly(labels, poly(*ZONES[name]), ZONE_NAMES.index(name) + 1)
    return labels


def occlude_zones(score_fn: ScoreFn, image: np.ndarray, labels: np.ndarray, base: float,
                  sigma: float = OCCLUSION_SIGMA) -> tuple[ZoneOcclusion, ...]:
    """Δ p(spoof) when each zone of ``labels`` is replaced by a blur of ``image`` (region occlusion).

    Args:
        score_fn: (B, H, W, 3) float32 RGB [0, 255] frames → (B,) p(spoof) (:func:`score_function`).
        image: (H, W, 3) uint8 RGB frame; labels: (H, W) uint8 from :func:`zone_masks`.
        base: p(spoof) of the unoccluded frame.
    """
    occlusion = occlude_regions(image, labels, score_fn, fill="blur", sigma=sigma, names=ZONE_NAMES, reference=base)
    return tuple(ZoneOcclusion(name, float(p), float(d), float(a))
                 for name, p, d, a in zip(occlusion.regions, occlusion.occluded, occlusion.delta, occlusion.area,
                                          strict=True))


def explain_idcard(image: np.ndarray, centroid: tuple[float, float] | None = None, model: str = "idcard-vgg16-fft",
                   radius: float = DEFAULT_RADIUS, query_cell: tuple[int, int] | None = None,
                   quad: np.ndarray | None = None, loader: Callable | None = None,
                   cam_method: str = "grad-cam") -> IdCardExplanation:
    """Predict and explain one photo of an ID card.

    Args:
        image: (H, W, 3) uint8 RGB photo.
        centroid: card centroid (x, y) in pixels; None = automatic localisation (:func:`localise_card`).
        model: registry name of a recapture model ("idcard-…", or a user's one-image model).
        radius: FFT high-pass radius r (the model was trained with 8).
        query_cell: (row, col) RGB cell for the attention view; None = the one attending most to the most
            attended FFT cell.
        quad: known (4, 2) card corners (an annotation); overrides localisation and sets the centroid.
        loader: model loader (the page passes its cached one); default :func:`models.registry.load_model`.
        cam_method: a key of :data:`xai.explain.cam.CAM_METHODS` for the branch (or one-image model) CAMs.
    """
    from models.registry import load_model
    from xai.idcard.localise import location_from_quad

    start = time.perf_counter()
    if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
        raise ValueError(f"expected an (H, W, 3) uint8 RGB image, got {image.shape} {image.dtype}")
    detector = (loader or load_model)(model)
    if getattr(detector, "role", None) != "recapture":
        from models.registry import names

        raise ValueError(f"{model} is not an ID-card recapture model; choose one of: {', '.join(names('recapture'))}")
    frame_size = (image.shape[1], image.shape[0])
    warnings: list[str] = []
    if quad is not None:
        location = location_from_quad(quad, frame_size)
    elif centroid is not None:
        location = manual_location(centroid)
    else:
        location = localise_card(image)
        if location.method == "frame-centre":
            warnings.append("No card outline was found; the crops are centred on the image. Set the centroid "
                            "by hand if the card is elsewhere.")
        elif location.method == "min-area-rect":
            warnings.append("No clean quadrilateral was found; the card was approximated by the largest outline.")
    crops = card_crops(image, location.centroid)
    warnings += crops.warnings
    if takes_one_image(detector):
        return _explain_one_image(detector, model, image, location, crops, radius, warnings, start, cam_method)
    net = detector.net
    rgb, second = branch_inputs(crops.l1.image[None], crops.l2.image[None], net.config.variant, radius)
    with torch.no_grad():
        fused, maps = net.features(rgb, second, need_weights=net.fusion is not None)
        p_spoof = float(spoof_probability(net.head(fused))[0])
    predicted = OUTPUT_SPOOF if p_spoof >= 0.5 else OUTPUT_GENUINE  # the head output whose CAMs are drawn
    cam_rgb, cam_second = branch_cams(net, rgb, second, predicted, cam_method)
    attention = None
    if "attn_rgb_from_second" in maps:
        attention = attention_view(maps["attn_rgb_from_second"][0].numpy().astype(np.float32), query_cell)
    quad_assumed = location.quad is None
    card_quad = location.quad if location.quad is not None else card_quad_around(location.centroid, frame_size)
    labels = zone_masks(card_quad, frame_size)
    zones = occlude_zones(score_function(net, location.centroid, radius), image, labels, p_spoof)
    return IdCardExplanation(model, net.config.variant, location, quad_assumed, crops, fft_view(crops.l2.image, radius),
                             p_spoof, LABEL_NAMES[OUTPUT_LABELS[predicted]], cam_rgb, cam_second, attention, zones, labels,
                             draw_location(image, location, crops), draw_zones(image, labels),
                             tuple(warnings), time.perf_counter() - start)


def _explain_one_image(detector, model: str, image: np.ndarray, location: CardLocation, crops: CardCrops,
                       radius: float, warnings: list[str], start: float, cam_method: str) -> IdCardExplanation:
    """:func:`explain_idcard` for a one-image recapture model (:mod:`xai.idcard.single_input`): p(recapture) of
    its input, its Grad-CAM at the spec's cam_layer (None, with the reason, when it does not convert) and zone
    occlusion through the same score function; no second branch, no attention."""
    frame_size = (image.shape[1], image.shape[0])
    seen = model_input(detector, image, location.centroid)
    with torch.no_grad():
        p_spoof = float(detector.spoof_probability(detector.to_batch(seen[None]))[0])
    spoof = p_spoof >= 0.5
    cam, reason = None, detector.cam_unavailable_reason
    if not reason:
        cam = one_image_cam(detector, seen, spoof, cam_method)
    quad_assumed = location.quad is None
    card_quad = location.quad if location.quad is not None else card_quad_around(location.centroid, frame_size)
    labels = zone_masks(card_quad, frame_size)
    zones = occlude_zones(one_image_score_function(detector, location.centroid), image, labels, p_spoof)
    label = LABEL_NAMES[OUTPUT_LABELS[OUTPUT_SPOOF if spoof else OUTPUT_GENUINE]]
    return IdCardExplanation(model, "one image (user model)", location, quad_assumed, crops,
                             fft_view(crops.l2.image, radius), p_spoof, label, cam, None, None, zones, labels,
                             draw_location(image, location, crops), draw_zones(image, labels), tuple(warnings),
                             time.perf_counter() - start, seen, reason)


def explanation_to_dict(e: IdCardExplanation) -> dict:
    """JSON-ready summary (no arrays except small coordinates)."""
    out = {
        "model": e.model, "variant": e.variant,
        "prediction": {"label": e.label, "p_spoof": e.p_spoof, "confidence": max(e.p_spoof, 1 - e.p_spoof)},
        "location": {"method": e.location.method, "centroid": list(e.location.centroid),
                     "quad": e.location.quad.tolist() if e.location.quad is not None else None,
                     "zones_on_assumed_card": e.quad_assumed},
        "crops": {"l1_box": list(e.crops.l1.box), "l2_box": list(e.crops.l2.box),
                  "l1_padded_fraction": e.crops.l1.padded_fraction, "l2_padded_fraction": e.crops.l2.padded_fraction},
        "fft": {"radius": e.fft.radius, "removed_energy": e.fft.removed_energy},
        "zones": [{"zone": z.zone, "p_spoof": z.p_spoof, "delta": z.delta, "area": z.area} for z in e.zones],
        "attention": None, "warnings": list(e.warnings), "seconds": e.seconds,
    }
    if e.model_input is not None:  # a one-image (user) model: what it saw, and its CAM's availability
        out["model_input"] = {"size": int(e.model_input.shape[0]), "cam": e.cam_rgb is not None,
                              "cam_unavailable_reason": e.cam_reason}
    if e.attention is not None:
        out["attention"] = {"direction": "RGB <- FFT (eq. 9), mean of 16 heads", "grid": GRID,
                            "top_key_cell": list(e.attention.top_key_cell),
                            "query_cell": list(e.attention.query_cell),
                            "query_top_key_cell": list(divmod(int(np.argmax(e.attention.query_map)), GRID))}
    else:
        out["attention"] = {"direction": "none (no cross-attention in this variant)", "grid": GRID,
                            "top_key_cell": None, "query_cell": None, "query_top_key_cell": None}
    return out


def panel_png(e: IdCardExplanation) -> bytes:
    """The whole explanation as one PNG (see :func:`xai.idcard.render.panel_png`)."""
    from xai.idcard.render import panel_png as render_panel

    return render_panel(e)
