"""ID-card recapture classifiers with one image input (a user's own model, issue 15): crop, score and Grad-CAM.

The shipped detectors (:mod:`models.zoo.idcard_recapture`) take the seed's two branch inputs (the L1 crop and the
FFT of the L2 crop, :func:`xai.idcard.data.branch_inputs`). A user's recapture model takes **one image** and keeps
any FFT branch inside its own graph; its spec's crop says which image:

* ``crop = "image"``: the whole card photo resized to S × S (aspect not kept, ``cv2.INTER_AREA``);
* ``crop = "card"``: the seed's L1 = 1120 px square at the card centroid resized to S × S, what the shipped models'
  RGB branch sees (:func:`xai.idcard.crops.square_crop`).

It follows the two-class contract of spoof classifiers: ``two_class_logits`` (B, 2) in :mod:`models.labels` order
(spoof = screen recapture, bona fide = genuine card) and ``spoof_probability`` (B,) p(recapture).
"""

from __future__ import annotations

import cv2
import numpy as np
import torch

from models.labels import GENUINE, SPOOF
from xai.explain.cam import cam_maps
from xai.explain.score import ScoreFn
from xai.idcard.crops import L1, square_crop


def takes_one_image(detector: object) -> bool:
    """True for a recapture model of the one-image contract (a user's), False for a shipped two-branch detector."""
    return not hasattr(detector, "net") and hasattr(detector, "spoof_probability")


def model_input(detector, image: np.ndarray, centroid: tuple[float, float]) -> np.ndarray:
    """(S, S, 3) uint8 RGB: what ``detector`` sees of the (H, W, 3) uint8 RGB photo ``image`` (see the module)."""
    size = detector.crop_spec.size
    if detector.spec.crop == "card":
        return square_crop(image, centroid, L1, size).image
    interpolation = cv2.INTER_AREA if min(image.shape[:2]) >= size else cv2.INTER_LINEAR
    return cv2.resize(image, (size, size), interpolation=interpolation)


def predict_one_image(detector, frames: list[np.ndarray], centroid: tuple[float, float]) -> np.ndarray:
    """(N,) float32 p(recapture) in [0, 1] of (H, W, 3) uint8 frames (cropped at ``centroid`` for crop "card")."""
    crops = detector.to_batch([model_input(detector, f, centroid) for f in frames])
    with torch.no_grad():
        return detector.spoof_probability(crops).numpy().astype(np.float32)


def one_image_score_function(detector, centroid: tuple[float, float]) -> ScoreFn:
    """Score function: (B, H, W, 3) float32 RGB [0, 255] frames → (B,) p(recapture) (as :mod:`xai.idcard.score`)."""
    def score(frames: torch.Tensor) -> torch.Tensor:
        pixels = frames.detach().round().clamp(0, 255).to(torch.uint8).numpy()  # crops are taken from uint8
        return torch.from_numpy(predict_one_image(detector, list(pixels), centroid))
    return score


def one_image_cam(detector, crop: np.ndarray, spoof: bool, method: str = "grad-cam") -> np.ndarray:
    """CAM (:func:`xai.explain.cam.cam_maps`) of the decided class's two-class logit at the spec's cam_layer.

    Args:
        crop: (S, S, 3) uint8 RGB model input (:func:`model_input`).
        spoof: True to explain "recapture", False "genuine".

    Returns:
        (S, S) float32 in [0, 1] over ``crop``.

    Raises:
        NotImplementedError: the model does not convert for CAM (``detector.cam_unavailable_reason`` says why).
    """
    if not detector.differentiable:
        raise NotImplementedError(f"{detector.name}: {detector.cam_unavailable_reason}")
    cam = cam_maps(detector.two_class_logits, detector.module_for_cam(), detector.cam_layer(),
                   detector.to_batch(crop[None]), SPOOF if spoof else GENUINE, method, detector.cam_reshape)
    return cam.maps[0]
