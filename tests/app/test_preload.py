"""Two sessions opening pages at once: the pages' imports are loaded once, under one lock, before any page runs."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

from ui.preload import page_imports

ROOT = Path(__file__).resolve().parents[2]


def test_page_imports_reads_top_level_imports_and_submodules(tmp_path):
    (tmp_path / "one.py").write_text(textwrap.dedent("""
        from __future__ import annotations
        import json
        import plotly.graph_objects as go
        from PIL import Image
        from xai.verify.pipeline import explain_pair
        from . import sibling

        def later():
            import zipfile
    """))
    (tmp_path / "two.py").write_text("import json\nfrom xai.idcard import fft\n")
    assert page_imports(tmp_path) == ["PIL", "PIL.Image", "json", "plotly.graph_objects", "xai.idcard",
                                      "xai.idcard.fft", "xai.verify.pipeline"]


def test_concurrent_preload_loads_the_cyclic_libraries_once_without_error():
    # a fresh interpreter, so nothing is imported yet; four threads start the preload at the same moment
    script = textwrap.dedent("""
        import json, sys, threading
        from ui.preload import LAZY_LIBRARIES, page_imports, preload_page_imports
        from models.registry import REGISTRY
        barrier, errors = threading.Barrier(4), []
        def visit():
            barrier.wait()
            try:
                preload_page_imports()
            except Exception as error:
                errors.append(repr(error))
        threads = [threading.Thread(target=visit) for _ in range(4)]
        [t.start() for t in threads]
        [t.join() for t in threads]
        wanted = [*page_imports(), *LAZY_LIBRARIES, *(e.factory.split(":")[0] for e in REGISTRY),
                  "torchvision.transforms", "torchvision.models"]
        print(json.dumps({"errors": errors, "missing": [m for m in wanted if m not in sys.modules]}))
    """)
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=300,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report == {"errors": [], "missing": []}
