"""Region-wise explainable face anti-spoofing (seed 000, Algorithm 1), for any spoof model family.

For each region R_i: prediction ŷ_i and confidence S_i = max softmax (eq. 4); heatmap H_i by a CAM method;
masked input M(R_i, H_i) (eq. 5); S_i^masked; confidence drop ΔS_i (eq. 6); SSIM between H_i and the
heatmap of the masked input (Table 4); deletion/insertion faithfulness curves.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch

from models.base import SpoofClassifier
from models.labels import GENUINE, LABEL_NAMES
from models.registry import load_model
from xai.core.crops import model_crop
from xai.core.regions import FacePipelineResult, run_face_pipeline
from xai.explain.cam import CAM_METHODS, CamMaps, cam_maps
from xai.explain.faithfulness import (
    DEFAULT_CURVE_STEPS,
    DEFAULT_MASK_TOP_PERCENT,
    FaithfulnessCurves,
    faithfulness_curves,
    heatmap_ssim,
    mask_top_k,
)
from xai.spoof.score import score_function

#: The shipped families: family → ((unit name, registered model name), ...). Region models see the seed's
#: region crops; the Human models see their own crop of the largest face. Every other spoof model (a user model)
#: is a one-unit family named by the model: :func:`spoof_families` lists them all.
SPOOF_FAMILIES: dict[str, tuple[tuple[str, str], ...]] = {
    "resnet18-cbam-regions": (("full_face", "resnet18-cbam-full_face"), ("eyes", "resnet18-cbam-eyes"),
                              ("nose", "resnet18-cbam-nose"), ("mouth", "resnet18-cbam-mouth")),
    "human-antispoof": (("face", "human-antispoof"),),
    "human-liveness": (("face", "human-liveness"),),
}
FAMILY_LABELS = {"resnet18-cbam-regions": "ResNet18-CBAM per region (trained here, simulated attacks of real faces)",
                 "human-antispoof": "Human antispoof (real vs computer-generated)",
                 "human-liveness": "Human liveness (LivenessNet)"}
#: Unit name of a one-unit family (a model judged on its own crop of the largest face).
FACE_UNIT = "face"

Units = tuple[tuple[str, str], ...]


def spoof_families(extra: Sequence[str] = ()) -> dict[str, Units]:
    """Every spoof model family, in menu order: the shipped :data:`SPOOF_FAMILIES`, then one one-unit family per
    registered spoof model that no shipped family holds (the user models, read from the registry each call), then
    one per name of ``extra`` (models only a caller's loader holds, e.g. an upload kept in a browser session).

    Returns:
        family → ((unit name, model name), ...); a one-unit family is ``((FACE_UNIT, name),)``.
    """
    from models.registry import names

    families: dict[str, Units] = dict(SPOOF_FAMILIES)
    shipped_units = {model for units in SPOOF_FAMILIES.values() for _unit, model in units}
    for name in [*names("spoof"), *extra]:
        if name not in shipped_units and name not in families:
            families[name] = ((FACE_UNIT, name),)
    return families


def family_units(family: str, loader: Callable[[str], SpoofClassifier] | None = None) -> Units:
    """The units of ``family``: a family of :func:`spoof_families`, or the name of a spoof model that only
    ``loader`` holds (not in the registry: a session's upload), as a one-unit family.

    Raises:
        ValueError: neither (the message lists the families).
    """
    from models.registry import names

    families = spoof_families()
    if family in families:
        return families[family]
    if loader is not None and family not in names():
        if isinstance(loader(family), SpoofClassifier):  # the loader's own ValueError names an unknown model
            return ((FACE_UNIT, family),)
    raise ValueError(f"unknown model family {family!r}; choose one of: {', '.join(families)}")


def family_label(family: str) -> str:
    """The name people read for ``family``: its label, else "<name> (your model)" for a user model's family."""
    return FAMILY_LABELS.get(family, f"{family} (your model)")


@dataclass(frozen=True, slots=True)
class RegionExplanation:
    """Explanation of one region (or one model crop).

    Attributes:
        region: "full_face", "eyes", "nose", "mouth" or "face" (a model's own crop).
        model: registered model name.
        crop: (S, S, 3) uint8 RGB model input.
        predicted: label in :mod:`models.labels` order (0 = spoof, 1 = genuine).
        confidence: S = max softmax in [0.5, 1].
        bona_fide_probability: softmax of the genuine class in [0, 1].
        heatmap: (S, S) float32 in [0, 1], CAM of the predicted class.
        masked: (S, S, 3) uint8, ``crop`` with its top-k % heatmap pixels set to 0.
        masked_confidence: probability of the originally predicted class on ``masked``.
        confidence_drop: ΔS = confidence − masked_confidence, in [−1, 1].
        masked_heatmap: (S, S) float32 in [0, 1], CAM of the same class on ``masked``.
        ssim: SSIM(heatmap, masked_heatmap) in [−1, 1].
        curves: deletion/insertion curves and AUCs of ``heatmap``.
    """

    region: str
    model: str
    crop: np.ndarray
    predicted: int
    confidence: float
    bona_fide_probability: float
    heatmap: np.ndarray
    masked: np.ndarray
    masked_confidence: float
    confidence_drop: float
    masked_heatmap: np.ndarray
    ssim: float
    curves: FaithfulnessCurves

    @property
    def label(self) -> str:
        return LABEL_NAMES[self.predicted]


@dataclass(frozen=True, slots=True)
class SpoofExplanation:
    """Everything the anti-spoofing page and ``python -m xai spoof`` show for one image."""

    face: FacePipelineResult
    family: str
    cam_method: str
    target_layer: str | None
    mask_top_percent: float
    curve_steps: int
    regions: tuple[RegionExplanation, ...]
    seconds: float

    @property
    def decision(self) -> RegionExplanation:
        """The headline decision: the full-face model's (or the single model's)."""
        return next((r for r in self.regions if r.region in ("full_face", "face")), self.regions[0])


def spoof_cam(classifier: SpoofClassifier, crops: torch.Tensor, target: int | list[int] | None = None,
              method: str = "grad-cam", layer_name: str | None = None) -> CamMaps:
    """CAM of a spoof classifier's two-class logits (:func:`xai.explain.cam.cam_maps`).

    Args:
        crops: (B, S, S, 3) float32 RGB in [0, 255].
        target: class explained (0 = spoof, 1 = genuine), one for all crops or one per crop; None = predicted.
        method: a key of :data:`xai.explain.cam.CAM_METHODS`.
        layer_name: module to hook; None = the model's :attr:`target_layer`.

    Returns:
        (B, S, S) float32 maps in [0, 1], the (B, 2) logits of the same forward pass and the explained classes.
    """
    if crops.dim() != 4 or crops.shape[-1] != 3:
        raise ValueError(f"expected (B, S, S, 3) crops, got {tuple(crops.shape)}")
    return cam_maps(classifier.two_class_logits, classifier.module_for_cam(), classifier.cam_layer(layer_name), crops,
                    target, method, classifier.cam_reshape)


def explain_unit(classifier: SpoofClassifier, region: str, crop: np.ndarray, cam_method: str = "grad-cam",
                 mask_top_percent: float = DEFAULT_MASK_TOP_PERCENT, curve_steps: int = DEFAULT_CURVE_STEPS,
                 target_layer: str | None = None) -> RegionExplanation:
    """Algorithm 1, steps 5–9, for one (S, S, 3) uint8 crop, plus SSIM and faithfulness curves."""
    # Each CAM's forward pass also gives the logits: the prediction, then the masked crop's confidence.
    cam = spoof_cam(classifier, classifier.to_batch(crop[None]), None, cam_method, target_layer)
    probs = torch.softmax(cam.outputs, dim=-1)[0].numpy()
    predicted, heatmap = cam.targets[0], cam.maps[0]
    masked, _ = mask_top_k(crop, heatmap, mask_top_percent)
    masked_cam = spoof_cam(classifier, classifier.to_batch(masked[None]), predicted, cam_method, target_layer)
    masked_probs, masked_heatmap = torch.softmax(masked_cam.outputs, dim=-1)[0].numpy(), masked_cam.maps[0]
    curves = faithfulness_curves(crop, heatmap, score_function(classifier, predicted),
                                 steps=curve_steps, original_score=float(probs[predicted]))
    return RegionExplanation(
        region=region, model=getattr(classifier, "name", type(classifier).__name__), crop=crop, predicted=predicted,
        confidence=float(probs[predicted]), bona_fide_probability=float(probs[GENUINE]), heatmap=heatmap, masked=masked,
        masked_confidence=float(masked_probs[predicted]),
        confidence_drop=float(probs[predicted]) - float(masked_probs[predicted]), masked_heatmap=masked_heatmap,
        ssim=heatmap_ssim(heatmap, masked_heatmap), curves=curves,
    )


def explain_spoof(image: np.ndarray, family: str = "resnet18-cbam-regions", cam_method: str = "grad-cam",
                  mask_top_percent: float = DEFAULT_MASK_TOP_PERCENT, curve_steps: int = DEFAULT_CURVE_STEPS,
                  target_layer: str | None = None,
                  loader: Callable[[str], SpoofClassifier] = load_model,
                  progress: Callable[[float, str], None] | None = None) -> SpoofExplanation:
    """Run the face pipeline on ``image`` ((H, W, 3) uint8 RGB) and explain every unit of ``family``.

    Raises:
        xai.core.faces.FaceError: no usable face (a message for the user).
        ValueError: unknown family (:func:`family_units`) or CAM method.
        NotImplementedError: a unit's model has no gradient CAM (its ``cam_unavailable_reason`` says why).
    """
    if cam_method not in CAM_METHODS:
        raise ValueError(f"unknown CAM method {cam_method!r}; choose one of: {', '.join(CAM_METHODS)}")
    units = family_units(family, loader)
    start = time.perf_counter()
    face = run_face_pipeline(image)
    explained = []
    for index, (region, model_name) in enumerate(units):
        if progress:
            progress(index / len(units), f"explaining {region}")
        classifier = loader(model_name)
        crop = model_crop(classifier, face.original, face.face, regions=face)
        explained.append(explain_unit(classifier, region, crop, cam_method, mask_top_percent, curve_steps,
                                      target_layer))
    if progress:
        progress(1.0, "done")
    return SpoofExplanation(face, family, cam_method, target_layer, mask_top_percent, curve_steps,
                            tuple(explained), time.perf_counter() - start)


def _sha256(array: np.ndarray) -> str:
    import hashlib

    return hashlib.sha256(np.ascontiguousarray(array).tobytes()).hexdigest()


def explanation_to_dict(explanation: SpoofExplanation) -> dict:
    """JSON-ready summary: parameters, per-region numbers, and SHA-256 of every heatmap (for replay)."""
    return {
        "family": explanation.family,
        "cam_method": explanation.cam_method,
        "target_layer": explanation.target_layer,
        "mask_top_percent": explanation.mask_top_percent,
        "curve_steps": explanation.curve_steps,
        "faces_found": explanation.face.faces_found,
        "decision": {"region": explanation.decision.region, "label": explanation.decision.label,
                     "confidence": explanation.decision.confidence},
        "regions": [
            {"region": r.region, "model": r.model, "label": r.label, "predicted": r.predicted,
             "confidence": r.confidence, "bona_fide_probability": r.bona_fide_probability,
             "masked_confidence": r.masked_confidence, "confidence_drop": r.confidence_drop, "ssim": r.ssim,
             "deletion_auc": r.curves.deletion_auc, "insertion_auc": r.curves.insertion_auc,
             "heatmap_sha256": _sha256(r.heatmap)}
            for r in explanation.regions
        ],
        "seconds": explanation.seconds,
    }
