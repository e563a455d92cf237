"""Every registered model on the real sample portraits: loads, runs a batch, behaves as its card says."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch

from models.base import FaceEmbedder, SoftBiometricEstimator, SpoofClassifier
from models.registry import REGISTRY, entry, load_model, names, verification_embedders
from xai.core.crops import model_crop

# ID-card recapture models take card crops, not faces: tests/idcard/test_idcard_heldout.py runs them on real cards
REQUIRED = [e.name for e in REGISTRY if not e.optional and e.role != "recapture"]
IDENTITY = {"obama.jpg": "obama", "obama2.jpg": "obama", "obama3.jpg": "obama", "biden.jpg": "biden",
            "astronaut.png": "collins"}


def crops_for(model, sample_images, sample_faces, files):
    return model.to_batch([model_crop(model, sample_images[f], sample_faces[f]) for f in files])


@pytest.mark.parametrize("name", REQUIRED)
def test_model_loads_and_runs_a_batch_of_two(name, sample_images, sample_faces):
    model = load_model(name)
    x = crops_for(model, sample_images, sample_faces, ["obama.jpg", "astronaut.png"])
    assert x.shape == (2, model.crop_spec.size, model.crop_spec.size, 3)
    assert all(len(h) == 64 for h in model.file_hashes().values())
    with torch.no_grad():
        if isinstance(model, FaceEmbedder):
            e = model.embed(x)
            assert e.shape[0] == 2 and torch.isfinite(e).all()
            assert torch.allclose(e.norm(dim=1), torch.ones(2), atol=1e-5)
        elif isinstance(model, SpoofClassifier):
            p = model.bona_fide_probability(x)
            assert p.shape == (2,) and ((p >= 0) & (p <= 1)).all()
        else:
            assert isinstance(model, SoftBiometricEstimator)
            results = model.estimate(x)
            assert len(results) == 2 and all(r.gender in ("female", "male") for r in results)


@pytest.mark.parametrize("name", verification_embedders())
def test_same_person_scores_beat_every_different_person_pair(name, sample_images, sample_faces):
    model = load_model(name)
    files = list(IDENTITY)
    with torch.no_grad():
        d = model.descriptors(crops_for(model, sample_images, sample_faces, files))
    same, different = [], []
    for i, j in itertools.combinations(range(len(files)), 2):
        score = float(model.native_score(d[i:i + 1], d[j:j + 1]))
        (same if IDENTITY[files[i]] == IDENTITY[files[j]] else different).append(score)
    if model.native_metric == "euclidean":  # a distance: same-person pairs must be closer
        assert max(same) < min(different), (same, different)
        assert max(same) < model.threshold < min(different)
    else:
        assert min(same) > max(different), (same, different)
        assert max(different) < model.threshold < min(same)


def test_mobilefacenet_is_kept_out_of_verification_because_it_does_not_separate(sample_images, sample_faces):
    assert "mobilefacenet" not in verification_embedders()
    model = load_model("mobilefacenet")
    with torch.no_grad():
        e = model.embed(crops_for(model, sample_images, sample_faces, ["obama.jpg", "biden.jpg"]))
    assert float(model.similarity(e[:1], e[1:])) > 0.99  # the finding its card reports


@pytest.mark.parametrize("name", [n for n in names("estimator") if not entry(n).optional])
def test_age_and_gender_are_plausible_on_the_samples(name, sample_images, sample_faces):
    model = load_model(name)
    files = ["obama.jpg", "obama2.jpg", "obama3.jpg", "biden.jpg", "astronaut.png"]
    with torch.no_grad():
        results = dict(zip(files, model.estimate(crops_for(model, sample_images, sample_faces, files)), strict=True))
    assert results["astronaut.png"].gender == "female"
    assert all(results[f].gender == "male" for f in files[:4])
    assert all(18 <= r.age <= 85 for r in results.values())
    assert results["biden.jpg"].age > results["astronaut.png"].age  # Biden ~65+ vs Collins ~40 in these photos


def test_embedding_does_not_depend_on_batch_composition(sample_images, sample_faces):
    model = load_model("faceres")
    x = crops_for(model, sample_images, sample_faces, ["obama.jpg", "biden.jpg", "astronaut.png"])
    with torch.no_grad():
        together = model.embed(x)
        alone = torch.cat([model.embed(x[i:i + 1]) for i in range(3)])
    assert torch.allclose(together, alone, atol=1e-5)


def test_spoof_probabilities_are_the_graph_outputs_for_the_real_class(sample_images, sample_faces):
    # Human's antispoof.ts / liveness.ts read data()[0] as `real` / `live` (tests/models/test_human_feed.py).
    for name, real_index in (("human-antispoof", 0), ("human-liveness", 0)):
        model = load_model(name)
        x = crops_for(model, sample_images, sample_faces, ["obama.jpg", "biden.jpg"])
        with torch.no_grad():
            graph_out = model.run(x, ["Identity"])["Identity"][:, real_index]
            assert torch.allclose(model.bona_fide_probability(x), graph_out, atol=1e-5), name


def test_grad_cam_hooks_a_graph_layer_with_a_similarity_target(sample_images, sample_faces):
    from pytorch_grad_cam import GradCAM

    from models.tfjs_graph import nhwc_to_nchw
    from xai.explain.cam import ScoreModule

    model = load_model("faceres")
    probe, gallery = crops_for(model, sample_images, sample_faces, ["obama.jpg", "obama2.jpg"])
    with torch.no_grad():
        reference = model.embed(gallery[None])
    wrapper = ScoreModule(lambda x: model.similarity(model.embed(x), reference), model.graph)
    layer = model.graph.layer(model.target_layer)
    with GradCAM(model=wrapper, target_layers=[layer], reshape_transform=nhwc_to_nchw) as cam:
        heatmap = cam(input_tensor=probe[None].permute(0, 3, 1, 2).requires_grad_(True),
                      targets=[lambda out: out[0]])[0]
    assert heatmap.shape == (224, 224)
    assert np.isfinite(heatmap).all() and heatmap.max() > heatmap.min()
    assert not layer._forward_hooks, "GradCAM left a hook on the layer"


@pytest.mark.parametrize("name", names("spoof"))
def test_two_class_logits_follow_the_one_label_order(name, sample_images, sample_faces):
    from models.labels import GENUINE, SPOOF

    assert (SPOOF, GENUINE) == (0, 1)  # seed 000's labels, shared by every task
    model = load_model(name)
    x = crops_for(model, sample_images, sample_faces, ["obama.jpg", "astronaut.png"])
    with torch.no_grad():
        logits = model.two_class_logits(x)
        assert torch.allclose(torch.softmax(logits, -1)[:, GENUINE], model.bona_fide_probability(x), atol=1e-5)
        assert torch.allclose(logits[:, GENUINE] - logits[:, SPOOF], model.bona_fide_logit(x), atol=1e-4)


def test_idcard_head_order_is_mapped_to_the_one_label_order_where_its_logits_are_read():
    from models.idcard import OUTPUT_GENUINE, OUTPUT_LABELS, OUTPUT_SPOOF, label_probabilities, spoof_probability
    from models.labels import GENUINE, SPOOF

    # the trained head: output 0 = genuine, 1 = spoof (DLC-2021), the reverse of models.labels
    assert OUTPUT_LABELS == (GENUINE, SPOOF) and (OUTPUT_GENUINE, OUTPUT_SPOOF) == (0, 1)
    logits = torch.tensor([[0.0, float(np.log(3.0))], [float(np.log(4.0)), 0.0]])  # softmax (1/4, 3/4), (4/5, 1/5)
    assert torch.allclose(spoof_probability(logits), torch.tensor([0.75, 0.2]))
    by_label = label_probabilities(logits)
    assert torch.allclose(by_label[:, SPOOF], torch.tensor([0.75, 0.2]))
    assert torch.allclose(by_label[:, GENUINE], torch.tensor([0.25, 0.8]))
    model = load_model("idcard-vgg-only")  # the shipped weights keep their order; the model maps it
    crops = torch.from_numpy(np.random.default_rng(0).normal(0, 1, (2, 3, 224, 224)).astype(np.float32))
    with torch.no_grad():
        expected = torch.softmax(model.net(crops, None), dim=1)[:, OUTPUT_SPOOF]
        assert torch.allclose(model.spoof_probability(crops, None), expected)
