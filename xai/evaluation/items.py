"""Labelled sets: the items an evaluation scores, read from a folder, a CSV or a ZIP held in memory.

Label convention of :mod:`xai.core.metrics`: **1 = bona fide** (genuine presentation, same-person pair, genuine card),
**0 = attack** (presentation attack, impostor pair, screen recapture). A set has one of two layouts
(:data:`LAYOUTS`): ``"images"`` (one image per item: ``bona_fide/`` and ``attack/`` sub-folders, or a CSV
``image,label``) or ``"pairs"`` (two images per item: a CSV ``probe,gallery,same``). Tasks say which layout they read.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from xai.core.metrics import GENUINE, SPOOF

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp", ".bmp")
BONA_FIDE_DIRS = ("bona_fide", "bonafide", "bona-fide", "genuine", "real", "live")
ATTACK_DIRS = ("attack", "attacks", "spoof", "fake", "recapture")
_TRUE = ("1", "true", "yes", "same", "bona_fide", "bonafide", "bona fide", "genuine", "real", "live")
_FALSE = ("0", "false", "no", "different", "attack", "spoof", "fake", "impostor", "recapture")
IMAGES, PAIRS = "images", "pairs"
#: the layouts of a labelled set: one image per item, or a probe/gallery pair per item
LAYOUTS = (IMAGES, PAIRS)


@dataclass(frozen=True, slots=True)
class LabelledItem:
    """One item to score: ``paths`` (one image, or probe and gallery) and its label (1 bona fide, 0 attack).

    ``data`` holds the files' bytes when the item lives in memory (an uploaded ZIP, the demo set); ``paths`` are
    then only names.
    """

    name: str
    paths: tuple[Path, ...]
    label: int
    data: tuple[bytes, ...] = ()

    def images(self) -> list[np.ndarray]:
        """The (H, W, 3) uint8 RGB images, decoded with the size limits of :mod:`xai.core.images`."""
        from xai.core.images import decode_image, read_image_file

        if self.data:
            return [decode_image(d) for d in self.data]
        return [read_image_file(str(p)) for p in self.paths]


def _check_layout(layout: str) -> None:
    if layout not in LAYOUTS:
        raise ValueError(f"unknown layout {layout!r}; choose one of: {', '.join(LAYOUTS)}")


def parse_label(value: str, where: str) -> int:
    """1 (bona fide) or 0 (attack) from a label cell; ``where`` names the cell in the error message."""
    text = str(value).strip().lower()
    if text in _TRUE:
        return GENUINE
    if text in _FALSE:
        return SPOOF
    raise ValueError(f"{where}: label {value!r} is neither bona fide (1, bona_fide, genuine, same) nor attack "
                     "(0, attack, spoof, impostor)")


def images_in(folder: Path) -> list[Path]:
    """Every image file (:data:`IMAGE_SUFFIXES`) under ``folder``, sorted."""
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)


def png_bytes(image: np.ndarray) -> bytes:
    """(H, W, 3) uint8 RGB ``image`` encoded as PNG (items built in memory)."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="PNG")
    return buffer.getvalue()


def labelled_folder(root: str | Path) -> list[LabelledItem]:
    """Items of a folder with ``bona_fide/`` and ``attack/`` sub-folders (also genuine/real/live, spoof/fake).

    Raises:
        ValueError: the folder or both class sub-folders are missing, or they hold no image.
    """
    root = Path(root)
    if not root.is_dir():
        raise ValueError(f"{root} is not a folder")
    items: list[LabelledItem] = []
    found = []
    for label, candidates in ((GENUINE, BONA_FIDE_DIRS), (SPOOF, ATTACK_DIRS)):
        for name in candidates:
            folder = root / name
            if folder.is_dir():
                found.append(name)
                items += [LabelledItem(str(p.relative_to(root)), (p,), label) for p in images_in(folder)]
    if not found:
        raise ValueError(f"{root} has neither a bona_fide/ nor an attack/ sub-folder (labelled folder layout: "
                         "DIR/bona_fide/*.jpg and DIR/attack/*.jpg)")
    if not items:
        raise ValueError(f"{root}: no image ({', '.join(IMAGE_SUFFIXES)}) in {', '.join(found)}")
    return items


def _read_csv(path: Path, required: Sequence[str]) -> list[dict]:
    with open(path, newline="") as fh:
        rows = list(csv.DictReader(fh))
    if not rows:
        raise ValueError(f"{path} has no rows")
    missing = set(required) - set(rows[0])
    if missing:
        raise ValueError(f"{path} lacks the column(s) {sorted(missing)}; expected {', '.join(required)}")
    return rows


def image_csv(path: str | Path) -> list[LabelledItem]:
    """Items of a CSV with columns ``image,label`` (paths relative to the CSV's folder)."""
    path = Path(path)
    rows = _read_csv(path, ("image", "label"))
    return [LabelledItem(r["image"], (path.parent / r["image"],), parse_label(r["label"], f"{path} row {i + 2}"))
            for i, r in enumerate(rows)]


def pairs_csv(path: str | Path) -> list[LabelledItem]:
    """Pairs of a CSV with columns ``probe,gallery,same`` (1 = same person; paths relative to the CSV)."""
    path = Path(path)
    rows = _read_csv(path, ("probe", "gallery", "same"))
    return [LabelledItem(f"{r['probe']} | {r['gallery']}", (path.parent / r["probe"], path.parent / r["gallery"]),
                         parse_label(r["same"], f"{path} row {i + 2}")) for i, r in enumerate(rows)]


def load_items(source: str | Path, layout: str = IMAGES) -> list[LabelledItem]:
    """Items of ``source``: a labelled folder or an image CSV (``"images"``), a pair CSV (``"pairs"``).

    Raises:
        ValueError: unknown layout, a folder given for pairs, or what the readers raise.
    """
    _check_layout(layout)
    source = Path(source)
    if layout == PAIRS:
        if source.is_dir():
            raise ValueError("verification needs a CSV with columns probe,gallery,same")
        return pairs_csv(source)
    return labelled_folder(source) if source.is_dir() else image_csv(source)


def zip_items(data: bytes, layout: str = IMAGES) -> list[LabelledItem]:
    """Items of a ZIP file read in memory (nothing is extracted to disk): a CSV inside it (``image,label`` or, for
    ``"pairs"``, ``probe,gallery,same``; paths relative to the CSV), else (``"images"`` only) the labelled-folder
    layout (any folder named bona_fide/…, attack/… at any depth).

    Raises:
        ValueError: unknown layout, not a ZIP, or no usable layout.
    """
    import zipfile

    _check_layout(layout)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise ValueError("the upload is not a ZIP file") from exc
    with archive:
        members = {n: n for n in archive.namelist() if not n.endswith("/")}
        read = archive.read
        csvs = sorted(n for n in members if n.lower().endswith(".csv"))
        if csvs:
            base = str(Path(csvs[0]).parent)
            rows = list(csv.DictReader(io.StringIO(read(csvs[0]).decode("utf-8-sig"))))
            columns = ("probe", "gallery", "same") if layout == PAIRS else ("image", "label")
            if not rows or set(columns) - set(rows[0]):
                raise ValueError(f"{csvs[0]} in the ZIP needs the columns {', '.join(columns)}")

            def member(name: str) -> bytes:
                key = name if base in ("", ".") else f"{base}/{name}"
                if key not in members:
                    raise ValueError(f"{name} is listed in {csvs[0]} but not in the ZIP")
                return read(key)

            if layout == PAIRS:
                return [LabelledItem(f"{r['probe']} | {r['gallery']}", (Path(r["probe"]), Path(r["gallery"])),
                                     parse_label(r["same"], f"{csvs[0]} row {i + 2}"),
                                     (member(r["probe"]), member(r["gallery"]))) for i, r in enumerate(rows)]
            return [LabelledItem(r["image"], (Path(r["image"]),), parse_label(r["label"], f"{csvs[0]} row {i + 2}"),
                                 (member(r["image"]),)) for i, r in enumerate(rows)]
        if layout == PAIRS:
            raise ValueError("a verification ZIP needs a CSV with columns probe,gallery,same")
        items = []
        for name in sorted(members):
            if Path(name).suffix.lower() not in IMAGE_SUFFIXES:
                continue
            folders = [part.lower() for part in Path(name).parts[:-1]]
            label = next((GENUINE if f in BONA_FIDE_DIRS else SPOOF for f in reversed(folders)
                          if f in BONA_FIDE_DIRS or f in ATTACK_DIRS), None)
            if label is not None:
                items.append(LabelledItem(name, (Path(name),), label, (read(name),)))
    if not items:
        raise ValueError("the ZIP holds no image under a bona_fide/ or attack/ folder, and no CSV")
    return items


# ------------------------------------------------------------------------------------------------- batches

BatchItem = tuple[str, list[Path]]
"""(item name, input paths) of a batch to explain (unlabelled)."""


def image_batch(source: Path) -> list[BatchItem]:
    """One item per image: ``source`` itself (a file) or every image under it (names ``a__b`` for ``a/b.jpg``)."""
    if source.is_file():
        return [(source.stem, [source])]
    if not source.is_dir():
        raise ValueError(f"{source} is neither a folder nor a file")
    images = images_in(source)
    if not images:
        raise ValueError(f"no image ({', '.join(IMAGE_SUFFIXES)}) under {source}")
    return [(str(p.relative_to(source).with_suffix("")).replace("/", "__"), [p]) for p in images]


def pair_batch(source: Path) -> list[BatchItem]:
    """One item per row of a CSV ``probe,gallery`` (``source`` itself or ``source/pairs.csv``; paths relative to it).

    Raises:
        ValueError: no such CSV, or it lacks the columns.
    """
    path = source / "pairs.csv" if source.is_dir() else source
    if not path.is_file():
        raise ValueError(f"verify batches need a CSV with columns probe,gallery (given {source}; looked for "
                         f"{path})")
    with open(path, newline="") as fh:
        rows = list(csv.DictReader(fh))
    if not rows or not {"probe", "gallery"} <= set(rows[0]):
        raise ValueError(f"{path} needs the columns probe,gallery")
    return [(f"{Path(r['probe']).stem}__{Path(r['gallery']).stem}",
             [path.parent / r["probe"], path.parent / r["gallery"]]) for r in rows]


def batch_fields(source: Path, items: Sequence[BatchItem]) -> list[dict]:
    """The protocol's other columns of each batch item, in ``items`` order (what a batch records beside a result).

    Pairs read from a CSV (:func:`pair_batch`) get that row's columns other than probe and gallery (e.g. ``same``,
    ``probe_age``, ``gallery_gender``), plus ``label`` (1 same person, 0 not) when ``same`` parses. A single image
    under a ``bona_fide/``-like or ``attack/``-like folder of ``source`` gets its ``label``. Others get ``{}``.
    """
    path = source / "pairs.csv" if source.is_dir() else source
    rows: list[dict] = []
    if path.is_file() and path.suffix.lower() == ".csv":
        with open(path, newline="") as fh:
            rows = list(csv.DictReader(fh))
    out = []
    for index, (_name, paths) in enumerate(items):
        fields: dict = {}
        if len(rows) == len(items) and len(paths) == 2 and {"probe", "gallery"} <= set(rows[index]):
            fields = {k: v for k, v in rows[index].items() if k not in ("probe", "gallery") and k is not None}
            if "same" in fields:
                try:
                    fields["label"] = parse_label(fields["same"], f"{path} row {index + 2}")
                except ValueError:
                    pass
        elif len(paths) == 1 and source.is_dir():
            folders = [part.lower() for part in paths[0].relative_to(source).parts[:-1]]
            label = next((GENUINE if f in BONA_FIDE_DIRS else SPOOF for f in reversed(folders)
                          if f in BONA_FIDE_DIRS or f in ATTACK_DIRS), None)
            fields = {} if label is None else {"label": label}
        out.append(fields)
    return out
