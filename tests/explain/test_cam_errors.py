"""CAM errors surface with a precise message, and no hook outlives a CAM call, failed or not.

pytorch-grad-cam's ``BaseCAM.__exit__`` prints an ``IndexError`` and returns True: inside its context manager a
target out of range made ``similarity_cam`` return None and ``package_cam`` fail later with an unrelated
``UnboundLocalError``. :func:`xai.explain.cam.cam_maps` never enters that context manager.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from models.registry import load_model
from xai.core.crops import model_crop
from xai.explain.cam import CAM_METHODS, GRADIENT_METHODS, CamError, cam_maps
from xai.spoof.explain import spoof_cam
from xai.verify.pipeline import similarity_cam, verify_pair

HOOK_TABLES = ("_forward_hooks", "_forward_pre_hooks", "_backward_hooks", "_backward_pre_hooks",
               "_full_backward_hooks")


def hooks_on(module: nn.Module) -> list[tuple[str, str]]:
    """(submodule, hook table) for every hook registered anywhere in ``module``, and the global ones."""
    found = [(name, table) for name, sub in module.named_modules() for table in HOOK_TABLES
             if getattr(sub, table, None)]
    from torch.nn.modules import module as torch_module

    found += [("<global>", table) for table in ("_global_forward_hooks", "_global_forward_pre_hooks",
                                                "_global_backward_hooks", "_global_backward_pre_hooks")
              if getattr(torch_module, table, None)]
    return found


@pytest.fixture(scope="module")
def antispoof(sample_images, sample_faces):
    model = load_model("human-antispoof")
    return model, model.to_batch(model_crop(model, sample_images["obama.jpg"], sample_faces["obama.jpg"])[None])


@pytest.mark.parametrize("method", list(CAM_METHODS))
def test_a_target_out_of_range_raises_and_leaves_no_hook(method, antispoof):
    model, x = antispoof
    assert hooks_on(model.module_for_cam()) == []
    with pytest.raises(ValueError, match=r"target 2 is out of range for a score function with 2 output\(s\)"):
        spoof_cam(model, x, 2, method)
    with pytest.raises(ValueError, match="target -1 is out of range"):
        spoof_cam(model, x, -1, method)
    assert hooks_on(model.module_for_cam()) == []


def test_one_target_per_image_is_checked(antispoof):
    model, x = antispoof
    with pytest.raises(ValueError, match="2 targets given for 1 images"):
        spoof_cam(model, x, [1, 0])


@pytest.mark.parametrize("method", list(CAM_METHODS))
def test_an_index_error_in_the_score_function_propagates_and_leaves_no_hook(method, antispoof):
    model, x = antispoof

    def broken(crops: torch.Tensor) -> torch.Tensor:
        logits = model.two_class_logits(crops)
        return logits[:, [0, 3]]  # no column 3: IndexError, the kind BaseCAM.__exit__ swallows

    with pytest.raises(IndexError):
        cam_maps(broken, model.module_for_cam(), model.cam_layer(), x, 1, method, model.cam_reshape)
    assert hooks_on(model.module_for_cam()) == []


def test_an_index_error_while_score_cam_scores_its_masked_images_propagates(antispoof):
    model, x = antispoof
    calls = []

    def fails_on_the_masked_batches(crops: torch.Tensor) -> torch.Tensor:
        calls.append(len(crops))
        if len(calls) > 1:  # the forward pass succeeded; Score-CAM's own forward passes come next
            raise IndexError("masked batch out of range")
        return model.two_class_logits(crops)

    with pytest.raises(IndexError, match="masked batch out of range"):
        cam_maps(fails_on_the_masked_batches, model.module_for_cam(), model.cam_layer(), x, 1, "score-cam",
                 model.cam_reshape)
    assert len(calls) == 2 and hooks_on(model.module_for_cam()) == []


def test_success_leaves_no_hook_on_any_submodule(antispoof, sample_images):
    model, x = antispoof
    for method in CAM_METHODS:
        spoof_cam(model, x, 1, method)
    assert hooks_on(model.module_for_cam()) == []
    pair = verify_pair(sample_images["obama.jpg"], sample_images["obama2.jpg"], "faceres")
    similarity_cam(pair, "grad-cam++")
    assert hooks_on(load_model("faceres").module_for_cam()) == []


def test_unknown_method_and_malformed_inputs_are_value_errors(antispoof):
    model, x = antispoof
    with pytest.raises(ValueError, match="unknown CAM method 'gradcam'; choose one of: grad-cam, grad-cam"):
        spoof_cam(model, x, 1, "gradcam")
    with pytest.raises(ValueError, match=r"expected \(B, S, S, 3\) crops"):
        spoof_cam(model, x[0], 1)
    with pytest.raises(ValueError, match=r"expected \(B, H, W, C\) images"):
        cam_maps(model.two_class_logits, model.module_for_cam(), model.cam_layer(), x.numpy(), 1)

    def one_score_for_the_batch(crops: torch.Tensor) -> torch.Tensor:
        return model.two_class_logits(crops).sum()

    with pytest.raises(ValueError, match=r"the score function returned \(\) for 1 images"):
        cam_maps(one_score_for_the_batch, model.module_for_cam(), model.cam_layer(), x, reshape=model.cam_reshape)
    assert hooks_on(model.module_for_cam()) == []


def test_a_layer_the_score_function_never_runs_is_a_cam_error(antispoof):
    model, x = antispoof
    elsewhere = nn.Conv2d(3, 3, 1)
    with pytest.raises(CamError, match="never ran the CAM layer"):
        cam_maps(model.two_class_logits, model.module_for_cam(), elsewhere, x, 1)
    assert not elsewhere._forward_hooks


@pytest.mark.parametrize("method", sorted(GRADIENT_METHODS))
def test_a_score_without_gradients_is_a_cam_error_for_gradient_methods(method, antispoof):
    model, x = antispoof

    def no_grad_logits(crops: torch.Tensor) -> torch.Tensor:
        with torch.no_grad():
            return model.two_class_logits(crops)

    with pytest.raises(CamError, match="carries no gradient"):
        cam_maps(no_grad_logits, model.module_for_cam(), model.cam_layer(), x, 1, method, model.cam_reshape)
    # Eigen-CAM needs activations only: the same score function is fine
    maps = cam_maps(no_grad_logits, model.module_for_cam(), model.cam_layer(), x, 1, "eigen-cam",
                    model.cam_reshape).maps
    assert np.isfinite(maps).all() and hooks_on(model.module_for_cam()) == []
