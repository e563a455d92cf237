"""ui.models: one cached loader for every page; it holds bare models, never hooked ones."""

from __future__ import annotations

from models.registry import load_model
from ui.models import cached_model
from xai.spoof.explain import explain_spoof
from xai.verify.maps import pair_map
from xai.verify.pipeline import verify_pair


def hooks(module) -> int:
    return sum(len(m._forward_hooks) + len(m._forward_pre_hooks) + len(m._backward_hooks)
               + len(getattr(m, "_full_backward_hooks", None) or {}) for m in module.modules())


def test_the_loader_returns_one_model_per_name():
    assert cached_model("faceres") is cached_model("faceres")
    assert type(cached_model("faceres")) is type(load_model("faceres"))


def test_explanations_through_the_cached_loader_leave_no_hook_behind(sample_images):
    result = verify_pair(sample_images["obama.jpg"], sample_images["obama2.jpg"], "faceres", loader=cached_model)
    pair_map(result, "cam", 0, loader=cached_model)  # similarity Grad-CAM hooks the embedder's layer
    assert hooks(cached_model("faceres").module_for_cam()) == 0
    explain_spoof(sample_images["obama.jpg"], family="resnet18-cbam-regions", loader=cached_model)
    for region in ("full_face", "eyes", "nose", "mouth"):
        assert hooks(cached_model(f"resnet18-cbam-{region}").module_for_cam()) == 0


def test_pages_load_models_and_cache_results_only_through_the_two_helpers():
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    owners = {"ui/models.py": {"cache_resource", "load_model"}, "ui/result_cache.py": {"cache_resource"}}
    for path in sorted([root / "app.py", *(root / "pages").glob("*.py"), *(root / "ui").glob("*.py")]):
        names = {node.attr if isinstance(node, ast.Attribute) else node.id
                 for node in ast.walk(ast.parse(path.read_text())) if isinstance(node, (ast.Attribute, ast.Name))}
        used = names & {"cache_resource", "cache_data", "load_model"}
        assert used <= owners.get(str(path.relative_to(root)), set()), f"{path.relative_to(root)} uses {used}"
