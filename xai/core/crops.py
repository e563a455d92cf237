"""The one place a model's :class:`~models.base.CropSpec` is applied: a face detected once → the model's input crop.

Models only declare their crop (plain data in ``models/``); this module makes it from an image and an
already-detected :class:`~xai.core.faces.DetectedFace`, so no model runs Face Mesh itself:

* "aligned": :func:`~xai.core.faces.align_five_points` of the face's 5 points;
* "box": :func:`~xai.core.faces.square_crop` around the face's landmark box;
* "region": the seed 000 pipeline's region crop (:func:`~xai.core.regions.run_face_pipeline`), taken from a
  pipeline result the caller already has, or computed here from ``face`` without meshing again;
* "model": the model's own cropping from the face box (:meth:`~models.base.PretrainedModel.own_crop`, e.g. dlib).
* "image": the whole image resized to (S, S) (user models that see the full frame).
"""

from __future__ import annotations

import cv2
import numpy as np

from models.base import PretrainedModel
from xai.core.faces import DetectedFace, align_five_points, square_crop
from xai.core.regions import FacePipelineResult, run_face_pipeline


def model_crop(model: PretrainedModel, image: np.ndarray, face: DetectedFace,
               regions: FacePipelineResult | None = None) -> np.ndarray:
    """(S, S, 3) uint8 RGB crop of ``face`` as ``model`` expects it, S = ``model.crop_spec.size``.

    Args:
        model: any face model (its ``crop_spec`` says which crop).
        image: (H, W, 3) uint8 RGB photo ``face`` was detected in.
        face: the face to crop, in ``image``'s pixels.
        regions: "region" models only: the seed 000 pipeline result of ``image`` for ``face``, if the caller has
            it; None = build it from ``face`` (Face Mesh is not run again).

    Raises:
        ValueError: the model's crops are not made from a face (ID-card models), or ``image`` is not (H, W, 3)
            uint8.
        xai.core.faces.FaceError: "region" models: the face is too small for the region crops.
    """
    if not isinstance(image, np.ndarray) or image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
        shape = getattr(image, "shape", None)
        raise ValueError(f"expected an (H, W, 3) uint8 RGB image, got {shape} {getattr(image, 'dtype', type(image))}")
    spec = model.crop_spec
    if spec.kind == "aligned":
        return align_five_points(image, face.five_points, spec.size, spec.zoom)
    if spec.kind == "box":
        return square_crop(image, face.box, spec.size, spec.enlarge)
    if spec.kind == "region":
        if regions is None:
            regions = run_face_pipeline(image, faces=[face])
        return regions.crops[spec.region].image
    if spec.kind == "model":
        return model.own_crop(image, face.box)
    if spec.kind == "image":
        interpolation = cv2.INTER_AREA if min(image.shape[:2]) > spec.size else cv2.INTER_LINEAR
        return cv2.resize(image, (spec.size, spec.size), interpolation=interpolation)
    raise ValueError(f"{getattr(model, 'name', type(model).__name__)} takes {spec.kind!r} crops, not face crops: "
                     "its task makes them (xai.idcard for ID cards)")

