"""Sessions computing CAMs on one shared model at the same moment get exactly the maps they get alone.

The shipped models are cached once per process (``load_model``, ``st.cache_resource``) and shared by every
browser session. A hook that recorded every thread's forward pass through the layer (pytorch-grad-cam's
do) hands one session the other's activations or gradients; these tests run two threads on one real model
object with different inputs, many rounds, and compare every map with the one computed alone.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import numpy as np
import pytest
import torch

from models.registry import load_model
from xai.core.crops import model_crop
from xai.idcard.data import branch_inputs
from xai.idcard.explain import branch_cams
from xai.idcard.synth import demo_pair
from xai.spoof.explain import spoof_cam
from xai.verify.pipeline import similarity_cam, verify_pair

ROUNDS = 20


def run_together(jobs: list[Callable[[], object]], rounds: int = ROUNDS) -> list[list[object]]:
    """Run each job ``rounds`` times, all jobs at once on their own thread; re-raise the first failure."""
    barrier = threading.Barrier(len(jobs))
    results: list[list[object]] = [[] for _ in jobs]
    errors: list[BaseException] = []

    def work(i: int) -> None:
        try:
            barrier.wait(timeout=60)
            for _ in range(rounds):
                results[i].append(jobs[i]())
        except BaseException as exc:  # re-raised below, in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(jobs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=600)
    if errors:
        raise errors[0]
    assert all(len(r) == rounds for r in results), "a thread did not finish"
    return results


def assert_all_equal(results: list[list[np.ndarray]], alone: list[np.ndarray]) -> None:
    for job, (maps, reference) in enumerate(zip(results, alone, strict=True)):
        wrong = [i for i, m in enumerate(maps) if not np.allclose(m, reference, atol=1e-6)]
        assert not wrong, f"job {job}: rounds {wrong} got another session's map"


def spoof_crops(model, sample_images, sample_faces, files=("obama.jpg", "astronaut.png")):
    return [model.to_batch(model_crop(model, sample_images[f], sample_faces[f])[None]) for f in files]


@pytest.mark.parametrize("method", ["grad-cam", "grad-cam++"])
def test_two_sessions_explaining_one_spoof_model_get_their_own_maps(method, sample_images, sample_faces):
    model = load_model("human-antispoof")
    crops = spoof_crops(model, sample_images, sample_faces)
    alone = [spoof_cam(model, x, None, method).maps for x in crops]
    assert not np.allclose(alone[0], alone[1], atol=1e-3)  # different inputs, different maps
    results = run_together([lambda x=x: spoof_cam(model, x, None, method).maps for x in crops])
    assert_all_equal(results, alone)


def test_a_cam_is_not_disturbed_by_another_session_scoring_the_same_model(sample_images, sample_faces):
    model = load_model("human-antispoof")
    explained, scored = spoof_crops(model, sample_images, sample_faces)
    alone = spoof_cam(model, explained, 1, "grad-cam++").maps

    def score() -> np.ndarray:  # what RISE, occlusion or the faithfulness curves do meanwhile
        with torch.no_grad():
            return model.two_class_logits(scored).numpy()

    cams, _ = run_together([lambda: spoof_cam(model, explained, 1, "grad-cam++").maps, score])
    assert_all_equal([cams], [alone])


def test_two_sessions_explaining_one_verification_pair_get_their_own_maps(sample_images):
    pair = verify_pair(sample_images["obama.jpg"], sample_images["obama2.jpg"], "faceres")  # differentiable
    alone = [similarity_cam(pair, "grad-cam", reverse=reverse) for reverse in (False, True)]
    assert not np.allclose(alone[0], alone[1], atol=1e-3)
    results = run_together([lambda reverse=reverse: similarity_cam(pair, "grad-cam", reverse=reverse)
                            for reverse in (False, True)], rounds=10)
    assert_all_equal(results, alone)


def test_two_sessions_explaining_one_id_card_model_get_their_own_maps():
    from xai.idcard.crops import card_crops

    net = load_model("idcard-vgg16-fft").net
    inputs = []
    for sample in demo_pair("obama.jpg"):
        crops = card_crops(sample.image, sample.centroid)
        inputs.append(branch_inputs(crops.l1.image[None], crops.l2.image[None], net.config.variant))

    def cams(rgb, second) -> np.ndarray:
        return np.stack(branch_cams(net, rgb, second, 1))

    alone = [cams(*x) for x in inputs]
    assert not np.allclose(alone[0], alone[1], atol=1e-3)
    results = run_together([lambda x=x: cams(*x) for x in inputs], rounds=3)
    assert_all_equal(results, alone)
