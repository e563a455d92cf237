"""Class activation maps of a score function: one entry point, :func:`cam_maps`, for every task and method.

Grad-CAM (Selvaraju et al. 2017, https://arxiv.org/abs/1610.02391; seed 000 eqs. 7–8):
``α_k = mean_ij ∂y^c/∂A^k_ij``, ``L = ReLU(Σ_k α_k A^k)``, upsampled to the input and min-max scaled to [0, 1].
Grad-CAM++, Score-CAM, Eigen-CAM and LayerCAM are pytorch-grad-cam's own map formulas (``get_cam_image``).

The pipeline is pytorch-grad-cam's ``BaseCAM.forward``, run here so that three things hold:

* **One forward pass, gradients to the layer only.** The explained outputs are differentiated with
  ``torch.autograd.grad`` down to the hooked activation instead of ``backward()`` through every parameter: the
  same gradient in about half the time (``bench/bench_cam.py``), and no ``.grad`` written on the shared model.
* **Thread safety.** The shipped models are cached once per process (``st.cache_resource``) and shared by every
  browser session. The one hook this module registers keeps only the forward passes of the thread that
  registered it, and the gradient is taken on that call's own graph (no module backward hook at all), so two
  sessions computing CAMs on one model at the same moment never see each other's activations or gradients.
  The hook handle is removed in ``__exit__``, also when the CAM fails. As in pytorch-grad-cam, the gradient is
  taken at the layer's output and the activation is read after the forward pass (:class:`ThreadActivation`).
* **Errors surface.** pytorch-grad-cam's context manager swallows ``IndexError`` (``BaseCAM.__exit__`` prints
  it and returns True) and is never entered: any exception in the score function or in a method's formula
  propagates, and inputs and targets are validated first with a precise ``ValueError``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from pytorch_grad_cam import EigenCAM, GradCAM, GradCAMPlusPlus, LayerCAM, ScoreCAM
from pytorch_grad_cam.utils.image import scale_cam_image
from pytorch_grad_cam.utils.model_targets import ClassifierOutputTarget
from torch import nn

#: name → pytorch-grad-cam class whose map formula the method uses; "grad-cam" is computed here (same map).
CAM_METHODS = {
    "grad-cam": GradCAM,
    "grad-cam++": GradCAMPlusPlus,
    "score-cam": ScoreCAM,
    "eigen-cam": EigenCAM,
    "layer-cam": LayerCAM,
}
CAM_LABELS = {"grad-cam": "Grad-CAM", "grad-cam++": "Grad-CAM++", "score-cam": "Score-CAM",
              "eigen-cam": "Eigen-CAM", "layer-cam": "LayerCAM"}
#: Methods whose map needs ∂(explained output)/∂(activation); Eigen-CAM and Score-CAM use activations only.
GRADIENT_METHODS = frozenset({"grad-cam", "grad-cam++", "layer-cam"})

Reshape = Callable[[torch.Tensor], torch.Tensor]


class CamError(RuntimeError):
    """The model and layer given cannot produce a CAM (the layer did not run, or is not differentiable)."""


@dataclass(frozen=True, slots=True)
class CamMaps:
    """CAM maps of a batch and the outputs of the forward pass they explain.

    Attributes:
        maps: (B, H, W) float32 in [0, 1], each map min-max scaled, over the inputs' H × W.
        outputs: (B, K) float32 detached score-function outputs of the same forward pass (K = 1 for a (B,) score).
        targets: (B,) explained output index per image, each in [0, K).
    """

    maps: np.ndarray
    outputs: torch.Tensor
    targets: tuple[int, ...]


class ScoreModule(nn.Module):
    """A score function as the NCHW module pytorch-grad-cam's methods drive: (B, C, H, W) → (B, K).

    ``forward(x)`` calls ``score_fn`` on the (B, H, W, C) view of ``x`` (the layout of :mod:`xai.explain.score`)
    and returns a (B,) score as (B, 1), so class-index targets serve a score and a K-class model alike.

    Args:
        score_fn: (B, H, W, C) float32 → (B,) scores or (B, K) logits.
        model: the module ``score_fn`` runs; registered so that ``parameters()`` (pytorch-grad-cam reads the
            device from them) and ``modules()`` see it.
    """

    def __init__(self, score_fn: Callable[[torch.Tensor], torch.Tensor], model: nn.Module) -> None:
        super().__init__()
        self.score_fn = score_fn
        self.model = model

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        scores = self.score_fn(x.permute(0, 2, 3, 1))
        if not isinstance(scores, torch.Tensor) or scores.dim() not in (1, 2) or scores.shape[0] != x.shape[0]:
            shape = tuple(scores.shape) if isinstance(scores, torch.Tensor) else type(scores).__name__
            raise ValueError(f"the score function returned {shape} for {x.shape[0]} images; "
                             "expected (B,) scores or (B, K) logits")
        return scores[:, None] if scores.dim() == 1 else scores


class ThreadActivation:
    """Forward hook on ``layer`` that keeps the outputs of the forward passes run by the thread that entered it.

    A context manager: ``__enter__`` registers the hook, ``__exit__`` removes it (also on an exception).
    ``outputs`` holds, in call order, ``(output, seen)``: the layer's own output (graph attached: the gradient is
    taken at it) and the copy that the rest of that forward pass ran on, so that an in-place op after the layer
    (VGG's ``ReLU(inplace=True)`` after conv3_3) changes ``seen`` but leaves ``output`` in the graph, exactly as
    pytorch-grad-cam's tensor hook plus aliased activation saw it.
    """

    def __init__(self, layer: nn.Module) -> None:
        self.layer = layer
        self.outputs: list[tuple[torch.Tensor, torch.Tensor]] = []
        self._thread: int | None = None
        self._handle: torch.utils.hooks.RemovableHandle | None = None

    def __enter__(self) -> ThreadActivation:
        self._thread = threading.get_ident()
        self._handle = self.layer.register_forward_hook(self._keep)
        return self

    def _keep(self, _module: nn.Module, _inputs: tuple, output: torch.Tensor) -> torch.Tensor | None:
        # The layer belongs to a model shared by every session: another thread's forward pass is not ours.
        if threading.get_ident() != self._thread:
            return None
        if not isinstance(output, torch.Tensor):
            self.outputs.append((output, output))
            return None
        seen = output.clone()
        self.outputs.append((output, seen))
        return seen

    def __exit__(self, *_exc: object) -> None:
        if self._handle is not None:
            self._handle.remove()
            self._handle = None


def _targets(target: int | Sequence[int] | None, outputs: torch.Tensor) -> tuple[int, ...]:
    """One explained output index per image, each checked against the K outputs."""
    batch, k = outputs.shape
    if target is None:
        chosen = outputs.detach().argmax(dim=1).tolist()
    elif isinstance(target, (int, np.integer)) and not isinstance(target, bool):
        chosen = [int(target)] * batch
    else:
        chosen = [int(t) for t in target]
        if len(chosen) != batch:
            raise ValueError(f"{len(chosen)} targets given for {batch} images")
    for t in chosen:
        if not 0 <= t < k:
            raise ValueError(f"target {t} is out of range for a score function with {k} output(s): "
                             f"choose 0..{k - 1}")
    return tuple(chosen)


def _layer_activation(hook: ThreadActivation, layer: nn.Module) -> tuple[torch.Tensor, torch.Tensor]:
    """(the layer's output, graph attached; its values after the forward pass, detached)."""
    if not hook.outputs:
        raise CamError(f"the forward pass never ran the CAM layer ({type(layer).__name__}): "
                       "it must be a submodule of the model the score function runs")
    output, seen = hook.outputs[0]  # a layer run twice is explained at its first call, as pytorch-grad-cam does
    if not isinstance(output, torch.Tensor):
        raise CamError(f"the CAM layer ({type(layer).__name__}) returned {type(output).__name__}, not a tensor")
    return output, seen.detach()


def _package_cam_image(method: str, module: ScoreModule, layer: nn.Module, x: torch.Tensor,
                       targets: tuple[int, ...], activations: torch.Tensor, gradients: torch.Tensor | None,
                       score_cam_batch: int) -> np.ndarray:
    """(B, h, w) map of a pytorch-grad-cam method from our activations and gradients (before ReLU and scaling)."""
    # No target layers: the package registers no hook of its own; its method only supplies the formula.
    cam = CAM_METHODS[method](model=module, target_layers=[])
    if method == "score-cam":
        cam.batch_size = score_cam_batch
    grads = None if gradients is None else gradients.numpy()
    return cam.get_cam_image(x, layer, [ClassifierOutputTarget(t) for t in targets], activations.numpy(), grads,
                             False)


def cam_maps(score_fn: Callable[[torch.Tensor], torch.Tensor], model: nn.Module, layer: nn.Module | str,
             inputs: torch.Tensor, target: int | Sequence[int] | None = None, method: str = "grad-cam",
             reshape: Reshape | None = None, score_cam_batch: int = 32) -> CamMaps:
    """CAM maps of ``score_fn`` at ``layer`` for a batch of images, by any method of :data:`CAM_METHODS`.

    Args:
        score_fn: (B, H, W, C) float32 → (B,) scores (higher = more support for the decision,
            :mod:`xai.explain.score`) or (B, K) logits; differentiable for :data:`GRADIENT_METHODS`.
        model: the ``nn.Module`` that ``score_fn`` runs and that holds ``layer``.
        layer: the module to hook, or its name in ``model`` (``model.get_submodule``).
        inputs: (B, H, W, C) float32; RGB in [0, 255] (C = 3) for the score functions of :mod:`xai.explain.score`.
        target: the output explained: one index for every image, one per image, or None for each image's
            largest output (a (B,) score has one output, index 0).
        method: a key of :data:`CAM_METHODS`.
        reshape: maps the layer's activation (and gradient) to (B, K, h, w), e.g.
            ``models.tfjs_graph.nhwc_to_nchw`` for TF.js graph layers; None if it already is.
        score_cam_batch: masked images per forward pass of Score-CAM (does not change its result).

    Returns:
        :class:`CamMaps`: (B, H, W) float32 maps in [0, 1], the (B, K) outputs and the explained targets.

    Raises:
        ValueError: unknown method, inputs not (B, H, W, C), scores not (B,) or (B, K), a target out of range.
        AttributeError: ``layer`` names no submodule of ``model``.
        CamError: the forward pass did not run ``layer``, or its activation carries no gradient.
    """
    if method not in CAM_METHODS:
        raise ValueError(f"unknown CAM method {method!r}; choose one of: {', '.join(CAM_METHODS)}")
    if not isinstance(inputs, torch.Tensor) or inputs.dim() != 4:
        shape = tuple(inputs.shape) if isinstance(inputs, torch.Tensor) else type(inputs).__name__
        raise ValueError(f"expected (B, H, W, C) images as a float tensor, got {shape}")
    if isinstance(layer, str):
        layer = model.get_submodule(layer)
    module = ScoreModule(score_fn, model)
    # requires_grad on the input: the hooked activation joins the graph even when the weights are frozen.
    x = inputs.detach().float().permute(0, 3, 1, 2).clone().requires_grad_(True)
    with ThreadActivation(layer) as hook, torch.enable_grad():
        outputs = module(x)
    targets = _targets(target, outputs)
    output, activations = _layer_activation(hook, layer)
    gradients = None
    if method in GRADIENT_METHODS:
        if not output.requires_grad:
            raise CamError(f"the activation of the CAM layer ({type(layer).__name__}) carries no gradient: "
                           f"{CAM_LABELS[method]} needs a differentiable score function")
        explained = outputs[torch.arange(len(targets)), torch.tensor(targets)].sum()
        (gradients,) = torch.autograd.grad(explained, output)
    if reshape is not None:
        activations = reshape(activations)
        gradients = None if gradients is None else reshape(gradients)
    if activations.dim() != 4:
        raise CamError(f"the CAM layer's activation is {tuple(activations.shape)}, not (B, K, h, w): "
                       "pass the reshape that makes it so")
    if method == "grad-cam":
        weights = gradients.mean(dim=(2, 3), keepdim=True)  # α_k, eq. 7
        cam = torch.relu((weights * activations).sum(dim=1)).numpy()  # eq. 8
    else:
        cam = np.maximum(_package_cam_image(method, module, layer, x, targets, activations, gradients,
                                            score_cam_batch), 0)
    size = (x.shape[3], x.shape[2])  # (width, height) for cv2.resize
    maps = scale_cam_image(np.maximum(scale_cam_image(cam, size), 0))
    return CamMaps(np.asarray(maps, dtype=np.float32), outputs.detach(), targets)
