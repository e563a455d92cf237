"""CAM maps of the shipped spoof models on real sample crops, against pytorch-grad-cam run its own way."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
import torch
from pytorch_grad_cam.utils.model_targets import ClassifierOutputTarget

from models.registry import load_model
from xai.core.crops import model_crop
from xai.explain.cam import CAM_METHODS, ScoreModule
from xai.spoof.explain import spoof_cam

ROOT = Path(__file__).resolve().parents[2]
SPOOF_MODELS = ["resnet18-cbam-full_face", "resnet18-cbam-mouth", "human-antispoof", "human-liveness"]


def crop_batch(model, sample_images, sample_faces, files=("obama.jpg", "astronaut.png")):
    return model.to_batch([model_crop(model, sample_images[f], sample_faces[f]) for f in files])


def package_maps(model, x, classes, method, score_cam_batch=32):
    """The reference: pytorch-grad-cam's own class, with its own hooks and its backward through every parameter."""
    module = ScoreModule(model.two_class_logits, model.module_for_cam())
    cam = CAM_METHODS[method](model=module, target_layers=[model.cam_layer()], reshape_transform=model.cam_reshape)
    try:
        cam.batch_size = score_cam_batch
        with torch.enable_grad():
            return cam(input_tensor=x.permute(0, 3, 1, 2).clone().requires_grad_(True),
                       targets=[ClassifierOutputTarget(c) for c in classes])
    finally:
        cam.activations_and_grads.release()


@pytest.mark.parametrize("name", SPOOF_MODELS)
def test_grad_cam_equals_the_package_grad_cam(name, sample_images, sample_faces):
    model = load_model(name)
    x = crop_batch(model, sample_images, sample_faces)
    with torch.no_grad():
        logits = model.two_class_logits(x)
    predicted = logits.argmax(dim=1).tolist()
    ours = spoof_cam(model, x)  # None: each crop's predicted class
    reference = package_maps(model, x, predicted, "grad-cam")
    assert ours.maps.shape == reference.shape == (2, x.shape[1], x.shape[2])
    np.testing.assert_allclose(ours.maps, reference, atol=1e-5)
    assert ours.targets == tuple(predicted)
    torch.testing.assert_close(ours.outputs, logits, atol=1e-5, rtol=0)  # the logits of the same forward pass


@pytest.mark.parametrize(("name", "method"), [("resnet18-cbam-full_face", "grad-cam++"),
                                              ("resnet18-cbam-full_face", "layer-cam"),
                                              ("resnet18-cbam-full_face", "eigen-cam"),
                                              ("human-antispoof", "grad-cam++"),
                                              ("human-liveness", "score-cam"),
                                              ("human-antispoof", "score-cam")])
def test_package_methods_give_exactly_the_package_maps(name, method, sample_images, sample_faces):
    model = load_model(name)
    x = crop_batch(model, sample_images, sample_faces)
    ours = spoof_cam(model, x, [1, 0], method).maps
    np.testing.assert_array_equal(ours, package_maps(model, x, [1, 0], method))


@pytest.mark.parametrize("method", list(CAM_METHODS))
def test_every_method_gives_a_non_constant_map_in_0_1(method, sample_images, sample_faces):
    model = load_model("resnet18-cbam-full_face")
    x = crop_batch(model, sample_images, sample_faces, ("obama.jpg",))
    maps = spoof_cam(model, x, 1, method).maps
    assert maps.shape == (1, 224, 224) and maps.dtype == np.float32
    assert maps.min() >= 0.0 and maps.max() <= 1.0 + 1e-6
    assert maps.max() - maps.min() > 0.5  # min-max scaled and not constant


def test_no_hook_survives_a_cam_call(sample_images, sample_faces):
    model = load_model("human-antispoof")
    x = crop_batch(model, sample_images, sample_faces, ("obama.jpg",))
    spoof_cam(model, x, 1)
    spoof_cam(model, x, 1, "grad-cam++")
    for name, module in model.module_for_cam().named_modules():
        assert not module._forward_hooks and not module._backward_hooks, name


def test_selectable_target_layer_changes_the_map_resolution(sample_images, sample_faces):
    model = load_model("resnet18-cbam-full_face")
    x = crop_batch(model, sample_images, sample_faces, ("obama.jpg",))
    coarse = spoof_cam(model, x, 1, "grad-cam", "layer4.1").maps[0]
    fine = spoof_cam(model, x, 1, "grad-cam", "layer2.1").maps[0]
    # a 7×7 map upsampled to 224 varies more smoothly than a 28×28 one: lower total variation
    def total_variation(m):
        return np.abs(np.diff(m, axis=0)).sum() + np.abs(np.diff(m, axis=1)).sum()

    assert total_variation(coarse) < total_variation(fine)
    with pytest.raises(AttributeError):
        spoof_cam(model, x, 1, "grad-cam", "layer9")


def test_the_cam_module_is_the_only_caller_of_pytorch_grad_cam():
    # bench/bench_cam.py times the package's own GradCAM as the reference, as these tests compare with it
    importing = re.compile(r"^\s*(from|import)\s+pytorch_grad_cam\b", re.MULTILINE)
    callers = sorted(str(p.relative_to(ROOT)) for folder in ("xai", "models", "pages", "ui", "scripts")
                     for p in (ROOT / folder).rglob("*.py") if importing.search(p.read_text(encoding="utf-8")))
    assert callers == ["xai/explain/cam.py"]
