"""DLC-2021 test protocol loader (Polevoy et al. 2022; seed 003 §4.1, §4.4).

The screen-recapture test split is fixed by two official list files in the data set's root:
``screen_positive_test.lst`` (spoof, "re" captures: label 1, positive) and ``screen_negative_test.lst``
(genuine, "or" captures: label 0). Each non-empty line that does not start with ``#`` names one image, relative to
the root (extra whitespace-separated fields after the path are ignored).

The crops are centred at the annotated card centroid when an annotation is found next to the image: a JSON file
``<image>.json`` or ``<image stem>.json`` holding the document's four corners under "quad", "document_quad" or
"points" (a list of four [x, y]). Otherwise the card is located automatically (:func:`localise_card`), and the
number of such frames is reported. The data set is not shipped; pass its root with ``--dlc``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from models.idcard import OUTPUT_GENUINE, OUTPUT_SPOOF
from xai.idcard.crops import card_crops
from xai.idcard.data import CropSet
from xai.idcard.localise import localise_card

POSITIVE_LIST, NEGATIVE_LIST = "screen_positive_test.lst", "screen_negative_test.lst"
QUAD_KEYS = ("quad", "document_quad", "points")


class DlcError(ValueError):
    """The DLC-2021 folder or its lists are not usable; the message says what is missing."""


@dataclass(frozen=True, slots=True)
class DlcItem:
    """One test image: ``path`` (absolute), ``label`` (1 spoof / 0 genuine), ``centroid`` (x, y) or None."""

    path: Path
    label: int
    centroid: tuple[float, float] | None


def read_list(path: Path) -> list[str]:
    """Relative image paths of one ``.lst`` file (comments and blank lines skipped)."""
    if not path.is_file():
        raise DlcError(f"{path} is missing: the DLC-2021 root must contain {POSITIVE_LIST} and {NEGATIVE_LIST}")
    entries = []
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            entries.append(line.split()[0])
    return entries


def annotated_centroid(image_path: Path) -> tuple[float, float] | None:
    """The mean of the four annotated corners from ``<image>.json`` or ``<stem>.json``; None without one."""
    for candidate in (image_path.with_name(image_path.name + ".json"), image_path.with_suffix(".json")):
        if not candidate.is_file():
            continue
        try:
            data = json.loads(candidate.read_text())
        except json.JSONDecodeError as exc:
            raise DlcError(f"{candidate} is not valid JSON ({exc})") from exc
        for key in QUAD_KEYS:
            if key in data:
                quad = np.asarray(data[key], dtype=np.float64)
                if quad.shape != (4, 2):
                    raise DlcError(f"{candidate}: '{key}' must be four [x, y] points, got shape {quad.shape}")
                return float(quad[:, 0].mean()), float(quad[:, 1].mean())
    return None


def protocol_items(root: Path, limit: int | None = None) -> list[DlcItem]:
    """The protocol's test items: positives (spoof) then negatives (genuine), each list truncated to ``limit``."""
    root = Path(root)
    if not root.is_dir():
        raise DlcError(f"{root} is not a folder; pass the DLC-2021 root that holds {POSITIVE_LIST}")
    items = []
    for list_name, label in ((POSITIVE_LIST, OUTPUT_SPOOF), (NEGATIVE_LIST, OUTPUT_GENUINE)):
        entries = read_list(root / list_name)
        for rel in entries[:limit] if limit else entries:
            path = root / rel
            if not path.is_file():
                raise DlcError(f"{list_name} names {rel}, which is not under {root}")
            items.append(DlcItem(path, label, annotated_centroid(path)))
    if not items:
        raise DlcError(f"{root}: both list files are empty")
    return items


def dlc_cropset(root: Path, limit: int | None = None, progress: Callable[[str], None] | None = None) -> CropSet:
    """L1/L2 crops and labels of the DLC-2021 test lists under ``root`` (see the module doc)."""
    from xai.core.images import read_image_file

    l1, l2, labels, names, located = [], [], [], [], 0
    items = protocol_items(root, limit)
    for i, item in enumerate(items):
        image = read_image_file(str(item.path))
        centroid = item.centroid
        if centroid is None:
            centroid = localise_card(image).centroid
            located += 1
        crops = card_crops(image, centroid)
        l1.append(crops.l1.image)
        l2.append(crops.l2.image)
        labels.append(item.label)
        names.append(str(item.path.relative_to(root)))
        if progress and (i + 1) % 100 == 0:
            progress(f"cropped {i + 1}/{len(items)} DLC-2021 test images")
    if progress and located:
        progress(f"{located} of {len(items)} images had no annotation: card located automatically")
    return CropSet(np.stack(l1), np.stack(l2), np.asarray(labels, np.int64), names)
