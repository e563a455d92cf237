"""Region occlusion: replace each labelled region of an image by a fill and record the change of the score.

The regions are given as captum's ``feature_mask`` (an (H, W) integer segment-id image) or as named (H, W)
boolean masks; the algorithm knows nothing of faces or cards. For regions r = 1 … R with masks M_r, an image x,
a fill f (Gaussian blur of x, its mean colour, or zero) and x[M ← f] = x with the pixels of M replaced by f:

    Δ_r       = s(x[M_r ← f]) − s(x)                              (region r hidden, the others intact)
    Δ_alone_r = s(x[(∪M) \\ M_r ← f]) − s(x[∪M ← f])              (only region r shown among the regions)

A negative Δ_r means region r supported the score. Face-part contributions (xai.verify.parts, seed 001 §III.D)
and card-zone occlusion (xai.idcard.explain, seed 003) are both this function.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from xai.explain.score import ScoreFn, scores_of

FILLS = ("blur", "mean", "zero")
DEFAULT_BLUR_SIGMA = 6.0


@dataclass(frozen=True, slots=True)
class RegionOcclusion:
    """Scores of one image with its regions occluded.

    Attributes:
        regions: (R,) region names, in the order the regions were given.
        reference: score of the unoccluded image.
        occluded: (R,) float64 score with region r filled, the other regions intact.
        delta: (R,) float64 ``occluded − reference`` (negative: the region supported the score).
        area: (R,) float64 share of the image's pixels in region r, in [0, 1].
        baseline: score with every region filled (None unless ``alone=True``).
        alone: (R,) float64 score with region r intact and every other region filled, or None.
        delta_alone: (R,) float64 ``alone − baseline``, or None.
    """

    regions: tuple[str, ...]
    reference: float
    occluded: np.ndarray
    delta: np.ndarray
    area: np.ndarray
    baseline: float | None = None
    alone: np.ndarray | None = None
    delta_alone: np.ndarray | None = None


def region_masks(regions: Mapping[str, np.ndarray] | np.ndarray, shape: tuple[int, int],
                 names: Sequence[str] | None = None) -> dict[str, np.ndarray]:
    """Named (H, W) bool masks from named masks or from an (H, W) integer segment-id image.

    Args:
        regions: name → (H, W) bool mask, or (H, W) integer ids where id i ≥ 1 labels region i and 0 labels
            pixels that belong to no region (never filled).
        shape: (H, W) of the image.
        names: with segment ids, ``names[i - 1]`` names id i (ids 1 … len(names), present or not); default
            ids 1 … max id, named "1", "2", ….
    """
    if isinstance(regions, Mapping):
        if names is not None:
            raise ValueError("names apply to a segment-id image; named masks already carry their names")
        masks = {str(name): np.asarray(mask) for name, mask in regions.items()}
        for name, mask in masks.items():
            if mask.shape != shape or mask.dtype != bool:
                raise ValueError(f"region {name!r} must be an (H, W) = {shape} bool mask, got {mask.shape} "
                                 f"{mask.dtype}")
    else:
        segments = np.asarray(regions)
        if segments.shape != shape or not np.issubdtype(segments.dtype, np.integer):
            raise ValueError(f"segment ids must be an (H, W) = {shape} integer image, got {segments.shape} "
                             f"{segments.dtype}")
        if segments.min(initial=0) < 0:
            raise ValueError("segment ids must be ≥ 0 (0 = no region)")
        count = len(names) if names is not None else int(segments.max(initial=0))
        labels = list(names) if names is not None else [str(i) for i in range(1, count + 1)]
        masks = {label: segments == i + 1 for i, label in enumerate(labels)}
    if not masks:
        raise ValueError("no regions to occlude")
    return masks


def fill_image(image: np.ndarray, fill: str, sigma: float = DEFAULT_BLUR_SIGMA) -> np.ndarray:
    """(H, W, 3) float32 replacement pixels: a Gaussian blur (σ px, in the image's dtype), the mean colour or 0."""
    if fill == "blur":
        return cv2.GaussianBlur(image, (0, 0), sigma).astype(np.float32)
    if fill == "mean":
        return np.broadcast_to(image.reshape(-1, 3).mean(axis=0).astype(np.float32), image.shape)
    if fill == "zero":
        return np.zeros(image.shape, np.float32)
    raise ValueError(f"unknown fill {fill!r}; choose one of: {', '.join(FILLS)}")


def occlude_regions(image: np.ndarray, regions: Mapping[str, np.ndarray] | np.ndarray, score_fn: ScoreFn,
                    fill: str = "mean", sigma: float = DEFAULT_BLUR_SIGMA, names: Sequence[str] | None = None,
                    alone: bool = False, reference: float | None = None,
                    batch_size: int | None = None) -> RegionOcclusion:
    """Score ``image`` with each region replaced by ``fill`` (and, with ``alone``, with each shown alone).

    Args:
        image: (H, W, 3) uint8 or float RGB in [0, 255].
        regions: name → (H, W) bool mask, or an (H, W) integer segment-id image (see :func:`region_masks`).
        score_fn: (B, H, W, 3) float32 RGB [0, 255] → (B,) scores (:mod:`xai.explain.score`).
        fill: "blur" (Gaussian, ``sigma`` px: keeps colours, removes texture), "mean" (the image's mean colour)
            or "zero".
        names: region names of a segment-id image.
        alone: also score the image with every region filled but one (Δ_alone).
        reference: score of ``image`` when already known; else it is scored with the occluded images.
        batch_size: images per call of ``score_fn`` (None: all in one batch); the results do not depend on it
            beyond the score function's own batch arithmetic.
    """
    if image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(f"expected an (H, W, 3) RGB image, got shape {image.shape}")
    if batch_size is not None and batch_size < 1:
        raise ValueError("batch_size must be >= 1")
    if fill not in FILLS:
        raise ValueError(f"unknown fill {fill!r}; choose one of: {', '.join(FILLS)}")
    masks = region_masks(regions, image.shape[:2], names)
    filled, original = fill_image(image, fill, sigma), image.astype(np.float32)
    every = np.any(np.stack(list(masks.values())), axis=0)

    def images() -> Iterator[np.ndarray]:  # built lazily, one batch at a time
        if reference is None:
            yield original
        for mask in masks.values():
            yield np.where(mask[..., None], filled, original)
        if alone:
            yield np.where(every[..., None], filled, original)
            for mask in masks.values():
                yield np.where((every & ~mask)[..., None], filled, original)

    scores = _scores_in_batches(score_fn, images(), batch_size)
    n = len(masks)
    if reference is None:
        reference, scores = float(scores[0]), scores[1:]
    occluded = scores[:n]
    area = np.array([float(mask.mean()) for mask in masks.values()])
    if not alone:
        return RegionOcclusion(tuple(masks), float(reference), occluded, occluded - reference, area)
    baseline, shown = float(scores[n]), scores[n + 1:]
    return RegionOcclusion(tuple(masks), float(reference), occluded, occluded - reference, area, baseline, shown,
                           shown - baseline)


def _scores_in_batches(score_fn: ScoreFn, images: Iterator[np.ndarray], batch_size: int | None) -> np.ndarray:
    batch, parts = [], []
    for image in images:
        batch.append(image)
        if batch_size is not None and len(batch) == batch_size:
            parts.append(scores_of(score_fn, batch))
            batch = []
    if batch:
        parts.append(scores_of(score_fn, batch))
    return np.concatenate(parts)
