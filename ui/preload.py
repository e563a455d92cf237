"""Import what the pages import once per server process, one thread at a time, before any page runs.

Streamlit runs each browser session's script in its own thread. When two people open pages at the same moment,
the first imports of the heavy libraries race. A package with an import cycle then fails in one of the threads:
torchvision (``transforms`` → ``torchvision`` → ``models`` → ``transforms._presets`` → ``transforms``) raises
"cannot import name … from partially initialized module" or ``_DeadlockError``, because Python breaks a
cross-thread import deadlock by handing one thread the half-built module. Importing everything under one lock
first removes the race; later calls return at once.

Besides the pages' own top-level imports this loads the libraries that ``xai/`` and ``models/`` import inside
functions (:data:`LAZY_LIBRARIES`) and every registered model's module, which a page imports on first use.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import threading
from pathlib import Path

PAGES_DIR = Path(__file__).resolve().parent.parent / "pages"

#: libraries imported inside functions on a page's path (drawing, PDF export, statistics, MediaPipe)
#: and the runtimes of user models ("Add your model": onnxruntime through models.user, onnx2torch for their CAMs)
LAZY_LIBRARIES = ("matplotlib.pyplot", "fpdf", "scipy.stats", "mediapipe", "pytorch_grad_cam", "models.user",
                  "onnx2torch")

_LOCK = threading.Lock()
_loaded: set[Path] = set()


def page_imports(pages_dir: Path = PAGES_DIR) -> list[str]:
    """Dotted names of the modules the page files import at their top level (``from a import b`` → ``a``, and
    ``a.b`` where ``b`` is a submodule), sorted, without duplicates."""
    names: set[str] = set()
    for page in sorted(pages_dir.glob("*.py")):
        for node in ast.parse(page.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0 and node.module != "__future__":
                names.add(node.module)
                names.update(f"{node.module}.{alias.name}" for alias in node.names
                             if _is_submodule(node.module, alias.name))
    return sorted(names)


def _is_submodule(package: str, name: str) -> bool:
    spec = importlib.util.find_spec(package)
    if spec is None or spec.submodule_search_locations is None:
        return False
    return any((Path(location) / name).with_suffix(".py").exists() or (Path(location) / name).is_dir()
               for location in spec.submodule_search_locations)


def preload_page_imports(pages_dir: Path = PAGES_DIR) -> None:
    """Import the modules of :func:`page_imports`, :data:`LAZY_LIBRARIES` and the registry's model modules under a
    process-wide lock (once per ``pages_dir``); raises whatever the first failing import raises."""
    with _LOCK:
        if pages_dir in _loaded:
            return
        from models.registry import REGISTRY

        model_modules = [e.factory.partition(":")[0] for e in REGISTRY]
        importlib.import_module("matplotlib").use("Agg")  # the server draws off-screen, as xai.spoof.panel does
        for name in [*page_imports(pages_dir), *LAZY_LIBRARIES, *model_modules]:
            importlib.import_module(name)
        _loaded.add(pages_dir)
