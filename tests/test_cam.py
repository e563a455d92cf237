"""CAM maps of the shipped spoof models on real sample crops."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from models.registry import load_model
from xai.cam import CAM_METHODS, cam_maps, fast_grad_cam, package_cam

SPOOF_MODELS = ["resnet18-cbam-full_face", "resnet18-cbam-mouth", "human-antispoof", "human-liveness"]


def crop_batch(model, sample_images, sample_faces, files=("obama.jpg", "astronaut.png")):
    return model.to_batch([model.crop(sample_images[f], sample_faces[f]) for f in files])


@pytest.mark.parametrize("name", SPOOF_MODELS)
def test_fast_grad_cam_equals_the_package_grad_cam(name, sample_images, sample_faces):
    model = load_model(name)
    x = crop_batch(model, sample_images, sample_faces)
    with torch.no_grad():
        predicted = model.two_class_logits(x).argmax(dim=1).tolist()
    ours = fast_grad_cam(model, x, predicted)
    reference = package_cam(model, x, predicted, "grad-cam")
    assert ours.shape == reference.shape == (2, x.shape[1], x.shape[2])
    np.testing.assert_allclose(ours, reference, atol=1e-5)


@pytest.mark.parametrize("method", list(CAM_METHODS))
def test_every_method_gives_a_non_constant_map_in_0_1(method, sample_images, sample_faces):
    model = load_model("resnet18-cbam-full_face")
    x = crop_batch(model, sample_images, sample_faces, ("obama.jpg",))
    maps = cam_maps(model, x, 1, method)
    assert maps.shape == (1, 224, 224) and maps.dtype == np.float32
    assert maps.min() >= 0.0 and maps.max() <= 1.0 + 1e-6
    assert maps.max() - maps.min() > 0.5  # min-max scaled and not constant


def test_no_hook_survives_a_cam_call(sample_images, sample_faces):
    model = load_model("human-antispoof")
    layer = model.cam_layer()
    x = crop_batch(model, sample_images, sample_faces, ("obama.jpg",))
    fast_grad_cam(model, x, 1)
    package_cam(model, x, 1, "grad-cam++")
    assert not layer._forward_hooks and not layer._backward_hooks


def test_selectable_target_layer_changes_the_map_resolution(sample_images, sample_faces):
    model = load_model("resnet18-cbam-full_face")
    x = crop_batch(model, sample_images, sample_faces, ("obama.jpg",))
    coarse = fast_grad_cam(model, x, 1, "layer4.1")[0]
    fine = fast_grad_cam(model, x, 1, "layer2.1")[0]
    # a 7×7 map upsampled to 224 varies more smoothly than a 28×28 one: lower total variation
    def total_variation(m):
        return np.abs(np.diff(m, axis=0)).sum() + np.abs(np.diff(m, axis=1)).sum()

    assert total_variation(coarse) < total_variation(fine)
    with pytest.raises(AttributeError):
        fast_grad_cam(model, x, 1, "layer9")
