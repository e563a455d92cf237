"""The tree is the architecture: which package may import which (every import, top-level or inside a function).

models/                 nothing from xai/, ui/, pages/
xai/core/               models, xai.core
xai/explain/            models, xai.core, xai.explain
xai/evaluation/, report models, xai.core, xai.explain, xai.evaluation, xai.report
xai/<task>/             the above and its own package, never another task
xai/batch/              models, xai.core, xai.evaluation, xai.report, xai.batch (the generic batch engine)
xai/tasks.py            every task (the composition root); xai/cli/ and xai/batch/jobs.py (the batch wiring) too
no xai/ or models/ module imports Streamlit, ui/ or pages/
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TASKS = ("spoof", "verify", "gates", "idcard")
SHARED = ("models", "xai.core", "xai.explain", "xai.evaluation", "xai.report")
ALLOWED: dict[str, tuple[str, ...]] = {
    "models": ("models",),
    "xai.core": ("models", "xai.core"),
    "xai.explain": ("models", "xai.core", "xai.explain"),
    "xai.evaluation": SHARED,
    "xai.report": SHARED,
    **{f"xai.{task}": (*SHARED, f"xai.{task}") for task in TASKS},
    "xai.batch": (*SHARED, "xai.batch"),
}
#: wiring modules inside a layer's folder: they may import every task; nothing else in their layer imports them
WIRING = ("xai.batch.jobs",)
FIRST_PARTY = ("xai", "models", "ui", "pages", "streamlit")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path, module: str | None = None) -> set[str]:
    """Absolute names of every first-party (and Streamlit) module ``path`` imports, anywhere in the file."""
    found: set[str] = set()
    package = (module or module_name(path)).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[:len(package) - node.level + 1]
                found.add(".".join(base + ([node.module] if node.module else [])))
            elif node.module:
                found.add(node.module)
    return {name for name in found if name.split(".")[0] in FIRST_PARTY}


def layer_of(module: str) -> str | None:
    for layer in sorted(ALLOWED, key=len, reverse=True):
        if module == layer or module.startswith(layer + "."):
            return layer
    return None


def library_files() -> list[Path]:
    return sorted(p for folder in ("models", "xai") for p in (ROOT / folder).rglob("*.py"))


def test_every_library_file_belongs_to_a_layer_or_the_composition_root():
    loose = [module_name(p) for p in library_files()
             if layer_of(module_name(p)) is None
             and module_name(p) not in ("xai", "xai.__main__", "xai.tasks")
             and not module_name(p).startswith("xai.cli")]
    assert loose == [], f"modules outside the architecture's folders: {loose}"


@pytest.mark.parametrize("path", library_files(), ids=lambda p: module_name(p))
def test_imports_follow_the_layers(path: Path):
    module = module_name(path)
    used = imports_of(path)
    assert not {m for m in used if m.split(".")[0] in ("streamlit", "ui", "pages")}, \
        f"{module} imports Streamlit or the app"
    layer = layer_of(module)
    if layer is None or module in WIRING:  # xai.tasks, xai.cli, xai.__main__, the batch wiring: may wire everything
        return
    assert not [m for m in used if m in WIRING], f"{module} ({layer}) may not import the wiring {WIRING}"
    wrong = sorted(m for m in used if not any(m == a or m.startswith(a + ".") for a in ALLOWED[layer]))
    assert wrong == [], f"{module} ({layer}) may not import {wrong}"


def test_the_checker_sees_a_forbidden_import(tmp_path):
    # the rule itself can fail: a core module that imports a task inside a function, relatively, is reported
    probe = tmp_path / "probe.py"
    probe.write_text("def f():\n    from ..spoof.explain import explain_spoof\n")
    used = imports_of(probe, "xai.core.probe")
    assert used == {"xai.spoof.explain"}
    assert not any(m.startswith(a) for m in used for a in ALLOWED[layer_of("xai.core.probe")])
