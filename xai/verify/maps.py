"""Which explanation maps of a verified pair are offered and shown, and each shown map with its faithfulness.

The Face verification page and anything else that shows the seed 001 maps (CLI, reports, tests) share these rules:
the map that matches the decision is shown (similarity for an acceptance, dissimilarity for a rejection), a
similarity CAM is shown as it is, and face-part occlusion is drawn green (supports) / magenta (opposes).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from models.base import FaceEmbedder
from models.registry import load_model
from xai.explain.faithfulness import FaithfulnessCurves
from xai.explain.rise.result import SaliencyResult
from xai.verify.parts import PartContribution, contribution_overlay, supports_decision
from xai.verify.pipeline import (
    DEFAULT_PRECISION,
    DEFAULT_SAMPLING,
    VerificationResult,
    explain_pair,
    explain_regions,
    map_faithfulness,
    similarity_cam,
)

#: Explainers of a pair, in menu order, with the names people read.
EXPLAINER_LABELS = {"fv-rise": "FV-RISE", "corr-rise": "CorrRISE", "cam": "Similarity Grad-CAM",
                    "regions": "Face-part occlusion"}
#: The random-mask explainers (their maps converge as masks are added; reports use one of them).
RISE_EXPLAINERS = ("fv-rise", "corr-rise")

#: (done, total, signed map so far) → None, called while the masks of a RISE map are scored.
ProgressFn = Callable[[int, int, np.ndarray], None]


def cam_unavailable_reason(model: str, loader: Callable[[str], FaceEmbedder] = load_model) -> str:
    """Why Similarity Grad-CAM cannot explain the embedder ``model`` ("" when it can), read from the loaded model.

    A shipped model says so by its class (``differentiable = False``: a black box); a user model by its instance
    (:attr:`models.user.UserModel.cam_unavailable_reason`: no ``cam_layer`` in its spec, or its graph does not
    convert to torch).
    """
    embedder = loader(model)
    reason = getattr(embedder, "cam_unavailable_reason", "")
    if reason:
        return str(reason)
    if not embedder.differentiable or embedder.target_layer is None:
        return f"{model} is a black box (no gradients to a named layer): use FV-RISE, CorrRISE or face-part occlusion"
    return ""


def offered_explainers(model: str, loader: Callable[[str], FaceEmbedder] = load_model) -> list[str]:
    """The explainers of :data:`EXPLAINER_LABELS` that apply to the embedder ``model``, in menu order.

    Similarity Grad-CAM needs gradients, so it is offered only when :func:`cam_unavailable_reason` is "" (the
    page shows the CAM choice disabled with that reason otherwise).
    """
    cam = [] if cam_unavailable_reason(model, loader) else ["cam"]
    return [*RISE_EXPLAINERS, *cam, "regions"]


def report_explainer(explainers: Sequence[str]) -> str:
    """The RISE explainer an audit report uses: the first chosen one, else FV-RISE (reports need a RISE map)."""
    return next((e for e in explainers if e in RISE_EXPLAINERS), "fv-rise")


def direction_label(explainer: str, reverse: bool) -> str:
    """e.g. "FV-RISE, probe → gallery" (``reverse``: the gallery crop is explained against the probe)."""
    if explainer not in EXPLAINER_LABELS:
        raise ValueError(f"unknown explainer {explainer!r}; choose one of: {', '.join(EXPLAINER_LABELS)}")
    return f"{EXPLAINER_LABELS[explainer]}, {'gallery → probe' if reverse else 'probe → gallery'}"


def shown_map_name(result: VerificationResult, explainer: str) -> str:
    """Name of the map shown for ``explainer``: "similarity CAM", else the one matching the decision."""
    if explainer == "cam":
        return "similarity CAM"
    return "similarity" if result.same_person else "dissimilarity"


def converging_map(result: VerificationResult, current: np.ndarray) -> np.ndarray:
    """Preview of a RISE map while its masks are scored: (S, S) float32 in [0, 1].

    ``current`` is the signed map so far (positive = more similar); its side that matches the decision is kept
    and scaled by its peak (an all-zero preview when that side is empty).
    """
    signed = current if result.same_person else -current
    return np.clip(signed / max(float(signed.max()), 1e-12), 0, 1).astype(np.float32)


@dataclass(frozen=True, slots=True)
class PairMap:
    """One shown map of a verified pair, over the explained crop (S × S, the embedder's input size).

    Attributes:
        explainer: "fv-rise", "corr-rise" or "cam".
        reverse: False: the probe crop is explained against the gallery; True: the other way round.
        shown: (S, S) float32 in [0, 1], the map that matches the decision (see :func:`shown_map_name`).
        similarity: (S, S) float32 in [0, 1] (for "cam" the CAM itself).
        dissimilarity: (S, S) float32 in [0, 1]; None for "cam", which has no dissimilarity map.
        curves: deletion/insertion curves of the cosine similarity in ``shown``'s order.
        how: how a RISE map was sampled and scored, e.g. "768 sobol masks, seed 0, scored in fp32"; "" for "cam".
        saliency: the whole RISE result (raw map, scores, precision: what an audit report records); None for "cam".
    """

    explainer: str
    reverse: bool
    shown: np.ndarray
    similarity: np.ndarray
    dissimilarity: np.ndarray | None
    curves: FaithfulnessCurves
    how: str
    saliency: SaliencyResult | None = None


def pair_map(result: VerificationResult, explainer: str, n_masks: int, seed: int = 0, reverse: bool = False,
             early_stop: bool = False, sampling: str = DEFAULT_SAMPLING, precision: str = DEFAULT_PRECISION,
             loader: Callable[[str], FaceEmbedder] = load_model, progress: ProgressFn | None = None) -> PairMap:
    """The shown map of ``explainer`` ("fv-rise", "corr-rise" or "cam") and its faithfulness curves.

    Args:
        result: the verified pair.
        n_masks: masks of a RISE map (ignored by "cam").
        seed, early_stop, sampling, precision: as in :func:`xai.verify.pipeline.explain_pair`.
        loader: model name → embedder (the app passes its cached loader).
        progress: called while a RISE map's masks are scored (never for "cam").

    Raises:
        ValueError: unknown explainer, or "cam" on an embedder without gradients.
    """
    if explainer == "cam":
        heatmap = similarity_cam(result, "grad-cam", reverse=reverse, loader=loader)
        return PairMap(explainer, reverse, heatmap, heatmap, None,
                       map_faithfulness(result, heatmap, reverse=reverse, loader=loader), "")
    saliency = explain_pair(result, explainer, n_masks=n_masks, seed=seed, reverse=reverse, early_stop=early_stop,
                            loader=loader, progress=progress, sampling=sampling, precision=precision)
    shown = saliency.similarity if result.same_person else saliency.dissimilarity
    how = (f"{saliency.masks_used} {sampling if explainer == 'fv-rise' else 'random'} masks, seed {seed}, "
           f"scored in {saliency.precision_detail}")
    return PairMap(explainer, reverse, shown, saliency.similarity, saliency.dissimilarity,
                   map_faithfulness(result, shown, reverse=reverse, loader=loader), how, saliency)


@dataclass(frozen=True, slots=True)
class PartMap:
    """Face-part occlusion of one crop of a verified pair.

    Attributes:
        reverse: False: the probe crop was occluded; True: the gallery crop.
        picture: (S, S, 3) uint8 RGB crop, parts tinted green (support the decision) or magenta (oppose it).
        parts: Δ similarity of each part, hidden alone and shown alone.
        supports: per part of ``parts``, whether it supports the decision (hiding it moves the score against it).
        reference: cosine similarity of the unoccluded crop to the other face.
    """

    reverse: bool
    picture: np.ndarray
    parts: tuple[PartContribution, ...]
    supports: tuple[bool, ...]
    reference: float


def part_map(result: VerificationResult, reverse: bool = False,
             loader: Callable[[str], FaceEmbedder] = load_model) -> PartMap:
    """Face-part occlusion of the probe crop (or the gallery crop with ``reverse``) and its picture.

    Raises :class:`xai.core.faces.FaceError` when Face Mesh cannot find the face again on the model's crop.
    """
    reference, parts, landmarks = explain_regions(result, reverse=reverse, loader=loader)
    crop = result.gallery_crop if reverse else result.probe_crop
    return PartMap(reverse, contribution_overlay(crop, landmarks, parts, result.same_person), tuple(parts),
                   tuple(supports_decision(p, result.same_person) for p in parts), float(reference))
