"""``python -m xai models``: the registered models, and the user's own models added and removed.

* ``models [--json]``: every registered model, loaded or missing with the fix (exit 1 if a required one is missing);
* ``models add SPEC [--force] [--json]``: validate a user model (spec, model file, checks on a real sample face),
  write its card and register it in the user model folder (``$FACE_XAI_MODELS``); a bad spec or model file prints
  one ``error: ...`` line, exits 2 and registers nothing;
* ``models list [--json]``: shipped and user models with their source and calibration state (nothing is loaded);
* ``models remove NAME``: unregister a user model (shipped models cannot be removed).
"""

from __future__ import annotations

import argparse
import math
import sys

from xai.cli.output import print_json

#: Exit status of a refused ``add`` / ``remove`` (bad spec, bad model file, failed check, unknown name).
EXIT_REFUSED = 2


def _cmd_models(args: argparse.Namespace) -> int:
    from models.registry import all_status

    statuses = all_status()
    if args.json:
        print_json([s.as_dict() for s in statuses])
    else:
        width = max(len(s.name) for s in statuses)
        for s in statuses:
            state = "loaded" if s.loaded else ("optional, not enabled" if s.optional else "MISSING")
            print(f"{s.name:<{width}}  {s.role:<9}  {state:<21}  {s.summary}")
            if not s.loaded:
                print(f"{'':<{width}}  fix: {s.message}")
    required_missing = [s.name for s in statuses if not s.loaded and not s.optional]
    return 1 if required_missing else 0


def _refuse(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return EXIT_REFUSED


def _cmd_add(args: argparse.Namespace) -> int:
    from models.registry import REGISTRY
    from models.spec import SpecError, load_spec
    from models.user import ModelFileError, build_user_model, read_model_bytes
    from models.user_store import remove_user_model, save_user_model, user_models_dir
    from xai.core.model_card import calibration_state, render_model_card
    from xai.core.model_checks import ModelCheckError, check_model

    try:
        spec = load_spec(args.spec)
        if spec.name in {e.name for e in REGISTRY}:
            raise SpecError(f"{args.spec}: {spec.name!r} is the name of a shipped model; give the user model "
                            "another name")
        folder = user_models_dir() / spec.name
        if folder.exists() and not args.force:
            raise SpecError(f"a user model called {spec.name!r} is already registered in {folder}; add --force to "
                            f"replace it, or remove it first (`python -m xai models remove {spec.name}`)")
        model_bytes = read_model_bytes(spec)
        model = build_user_model(spec, model_bytes)
        checks = check_model(model)
    except (SpecError, ModelFileError, ModelCheckError, FileNotFoundError) as exc:
        return _refuse(str(exc))
    sha256 = model.sha256
    calibration = calibration_state(spec)
    card = render_model_card(spec, sha256, checks, calibration)
    if folder.exists():  # --force: the new model passed every check; only now is the old one removed
        remove_user_model(spec.name)
    try:
        record = save_user_model(spec, model_bytes, card, checks.to_dict())
    except (SpecError, ModelFileError) as exc:
        return _refuse(str(exc))
    summary = {"name": record.name, "role": spec.role, "format": spec.format, "folder": str(record.folder),
               "card": str(record.card_file), "sha256": sha256, "checks": checks.to_dict(),
               "calibration": calibration.to_dict(), "cam_unavailable_reason": model.cam_unavailable_reason}
    if args.json:
        print_json(summary)
        return 0
    print(f"registered {record.name} ({spec.role}, {spec.format}) in {record.folder}")
    print(f"  SHA-256: {sha256}")
    for line in checks.lines():
        print(f"  {line}")
    print(f"  calibration: {calibration.description}")
    reason = model.cam_unavailable_reason
    print(f"  CAM: {reason}" if reason else f"  CAM: gradient CAMs available at node {spec.cam_layer}")
    print(f"  card: {record.card_file}")
    return 0


def _calibration_of(name: str, role: str, own_threshold: float | None) -> dict:
    """Calibration state of a model without loading it: {"calibrated": bool | None, "text": str}."""
    if role != "embedder" or own_threshold is None:
        return {"calibrated": None, "text": "no verification threshold (not an embedder)"}
    from xai.verify.calibration import CalibrationError, decision_threshold

    try:
        origin = decision_threshold(name, own_threshold)
    except CalibrationError as exc:
        return {"calibrated": False, "text": f"calibration file unusable: {exc}"}
    return {"calibrated": origin.calibrated, "text": origin.text}


def list_rows() -> list[dict]:
    """One JSON-ready row per model, shipped then user: name, role, source, title, state, calibration."""
    from models.registry import REGISTRY, model_class
    from models.user_store import list_user_models

    rows = []
    for e in REGISTRY:
        own = getattr(model_class(e.name), "threshold", None) if e.role == "embedder" else None
        rows.append({"name": e.name, "role": e.role, "source": "shipped", "title": e.name, "state": "shipped",
                     "error": "", "sha256": "", "calibration": _calibration_of(e.name, e.role, own)})
    for record in list_user_models():
        spec = record.spec
        own = None
        if spec is not None and spec.role == "embedder":
            own = math.nan if spec.needs_calibration else float(spec.threshold)
        state = "unusable" if record.error else "registered"
        rows.append({"name": record.name, "role": record.role or "unknown", "source": "user",
                     "title": record.title, "state": state, "error": record.error, "sha256": record.sha256,
                     "folder": str(record.folder),
                     "calibration": _calibration_of(record.name, record.role, own) if not record.error else
                     {"calibrated": None, "text": "unusable model"}})
    return rows


def _cmd_list(args: argparse.Namespace) -> int:
    rows = list_rows()
    if args.json:
        print_json(rows)
        return 0
    width = max(len(r["name"]) for r in rows)
    for r in rows:
        calibrated = {True: "calibrated", False: "not calibrated", None: "-"}[r["calibration"]["calibrated"]]
        print(f"{r['name']:<{width}}  {r['role']:<9}  {r['source']:<7}  {r['state']:<10}  {calibrated}")
        if r["error"]:
            print(f"{'':<{width}}  error: {r['error']}")
        elif r["calibration"]["calibrated"] is not None:
            print(f"{'':<{width}}  calibration: {r['calibration']['text']}")
    return 0


def _cmd_remove(args: argparse.Namespace) -> int:
    from models.user_store import remove_user_model

    try:
        folder = remove_user_model(args.name)
    except ValueError as exc:
        return _refuse(str(exc))
    print(f"removed user model {args.name} ({folder} deleted)")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("models", help="list every registered model: loaded, or missing with the fix; add, "
                                           "list and remove your own models")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.set_defaults(func=_cmd_models)
    actions = parser.add_subparsers(dest="models_command", metavar="{add,list,remove}")
    add = actions.add_parser("add", help="validate a user model (ONNX or TorchScript) from its TOML spec, check it "
                                         "on a sample face, write its card and register it")
    add.add_argument("spec", help="the model spec (TOML; see schemas/model_spec.schema.json, examples/specs/)")
    add.add_argument("--force", action="store_true", help="replace a user model of the same name")
    add.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="machine-readable output")
    add.set_defaults(func=_cmd_add)
    listing = actions.add_parser("list", help="shipped and user models, their source and calibration state")
    listing.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="machine-readable output")
    listing.set_defaults(func=_cmd_list)
    remove = actions.add_parser("remove", help="unregister a user model (its folder is deleted)")
    remove.add_argument("name", help="the user model's name")
    remove.set_defaults(func=_cmd_remove)
