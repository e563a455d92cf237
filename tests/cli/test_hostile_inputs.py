"""Hostile inputs: every decoder path and every CLI command answers with a clear message and keeps working."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.hostile_inputs import SAMPLES, face_image, five_faces, hostile_files, no_face, tiny_face
from xai.cli.main import main as cli_main
from xai.core.faces import largest_face
from xai.core.images import ImageInputError, decode_image

CASES = hostile_files()
REJECTED = [name for name, (_f, _b, expect) in CASES.items() if expect == "reject"]
ACCEPTED = [name for name, (_f, _b, expect) in CASES.items() if expect == "accept"]


@pytest.mark.parametrize("name", REJECTED)
def test_unusable_files_are_refused_with_a_plain_message(name):
    with pytest.raises(ImageInputError) as info:
        decode_image(CASES[name][1])
    message = str(info.value)
    assert message and "Traceback" not in message and len(message) < 200


@pytest.mark.parametrize("name", ACCEPTED)
def test_unusual_but_valid_files_decode_to_upright_rgb(name):
    array = decode_image(CASES[name][1])
    assert array.dtype == np.uint8 and array.ndim == 3 and array.shape[2] == 3
    upright = np.asarray(face_image())
    if name != "animated_gif":
        assert array.shape == upright.shape  # EXIF-rotated: shown and processed upright
        grey = lambda a: a.astype(np.float32).mean(axis=2)  # noqa: E731
        assert np.abs(grey(array) - grey(upright)).mean() < 12  # same picture, not a blank or a rotation


def test_the_bomb_and_oversized_files_are_refused_before_decoding():
    with pytest.raises(ImageInputError, match="megapixels"):
        decode_image(CASES["bomb_png"][1])
    big = CASES["cmyk_jpeg"][1]
    with pytest.raises(ImageInputError, match="limit"):
        decode_image(big, max_bytes=len(big) - 1)
    with pytest.raises(ImageInputError, match="megapixels"):
        decode_image(big, max_pixels=1000)


def _write(tmp_path, name: str, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def test_every_cli_command_refuses_each_bad_file_then_still_works(tmp_path, capsys):
    good = _write(tmp_path, "good.jpg", (SAMPLES / "obama.jpg").read_bytes())
    commands = {
        "spoof": lambda path: ["spoof", path, "--steps", "2"],
        "verify": lambda path: ["verify", path, good, "--explainer", "none"],
        "gates": lambda path: ["gates", path],
        "idcard": lambda path: ["idcard", path, "--json"],
    }
    for name in REJECTED:
        path = _write(tmp_path, CASES[name][0], CASES[name][1])
        for command, argv in commands.items():
            code = cli_main(argv(path))
            out = capsys.readouterr()
            assert code != 0, f"{command} accepted {name}"
            assert "Traceback" not in out.err + out.out
            assert (out.err + out.out).strip(), f"{command} said nothing about {name}"
    for command, argv in commands.items():  # the same process keeps working on a good photo
        assert cli_main(argv(good)) == 0, command
        capsys.readouterr()


@pytest.mark.parametrize("maker, expected", [(no_face, "no face"), (tiny_face, "face")])
def test_no_face_and_a_tiny_face_get_a_clear_message_everywhere(tmp_path, capsys, maker, expected):
    path = _write(tmp_path, "face.jpg", maker())
    assert cli_main(["spoof", path, "--steps", "2"]) != 0
    assert expected in capsys.readouterr().err.lower()
    assert cli_main(["verify", path, path, "--explainer", "none"]) != 0
    assert expected in capsys.readouterr().err.lower()
    assert cli_main(["gates", path]) != 0
    response = json.loads(capsys.readouterr().out)
    assert response["ok"] is False and expected in response["message"].lower()


def test_five_faces_choose_the_biggest_and_report_the_count(tmp_path, capsys):
    data = five_faces()
    face, count = largest_face(decode_image(data))
    assert count == 5
    centre = ((face.box[0] + face.box[2]) / 2, (face.box[1] + face.box[3]) / 2)
    assert centre[0] < 420 and centre[1] < 525  # the big portrait pasted at the top left
    path = _write(tmp_path, "group.jpg", data)
    assert cli_main(["spoof", path, "--steps", "2", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["faces_found"] == 5


def test_rotated_upload_is_processed_upright(tmp_path, capsys):
    path = _write(tmp_path, "rotated.jpg", CASES["exif_rotated"][1])
    assert cli_main(["spoof", path, "--steps", "2", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["faces_found"] == 1  # sideways, Face Mesh would find none


def test_the_rotated_case_really_is_stored_sideways():
    stored = Image.open(io.BytesIO(CASES["exif_rotated"][1]))
    assert stored.size == face_image().size[::-1] and stored.getexif()[0x0112] == 8


def test_a_face_photo_on_the_id_card_command_and_a_card_on_the_face_commands(tmp_path, capsys):
    from xai.idcard.synth import demo_pair

    face = _write(tmp_path, "face.jpg", (SAMPLES / "obama.jpg").read_bytes())
    assert cli_main(["idcard", face, "--json"]) == 0
    location = json.loads(capsys.readouterr().out)["location"]
    assert location["method"] != "quadrilateral"  # no card outline in a portrait, and the output says so
    card = tmp_path / "card.png"
    Image.fromarray(demo_pair("biden.jpg")[0].image).save(card)
    for argv in (["spoof", str(card), "--steps", "2"], ["gates", str(card)]):
        code = cli_main(argv)
        out = capsys.readouterr()
        assert code in (0, 1, 2) and "Traceback" not in out.err + out.out
        assert (out.err + out.out).strip()


def test_batch_explain_lists_each_bad_file_as_a_failure_and_reports_the_good_one(tmp_path, capsys):
    import csv

    folder = tmp_path / "batch"
    folder.mkdir()
    for name in REJECTED:
        file_name, data, _ = CASES[name]
        (folder / f"{name}{Path(file_name).suffix}").write_bytes(data)
    (folder / "good.jpg").write_bytes((SAMPLES / "obama.jpg").read_bytes())
    out = tmp_path / "out"
    code = cli_main(["explain", "--task", "gates", "--input", str(folder), "--out", str(out), "--no-pdf", "--quiet"])
    printed = capsys.readouterr()
    assert code == 1 and "Traceback" not in printed.out + printed.err
    with open(out / "summary.csv", newline="") as fh:
        rows = {Path(r["inputs"]).stem: r for r in csv.DictReader(fh)}
    assert rows["good"]["status"] == "ok" and (out / "good" / "report.html").is_file()
    bad = [stem for stem in rows if stem != "good"]
    assert bad and all(rows[s]["status"] == "failed" and rows[s]["error"] for s in bad)


def test_evaluate_and_replay_refuse_bad_inputs_clearly(tmp_path, capsys):
    labelled = tmp_path / "labelled"
    for label in ("bona_fide", "attack"):
        (labelled / label).mkdir(parents=True)
    (labelled / "bona_fide" / "good.jpg").write_bytes((SAMPLES / "obama.jpg").read_bytes())
    (labelled / "bona_fide" / "also-good.jpg").write_bytes((SAMPLES / "obama2.jpg").read_bytes())
    for name in REJECTED:
        file_name, data, _ = CASES[name]
        (labelled / "attack" / f"{name}{Path(file_name).suffix}").write_bytes(data)
    code = cli_main(["evaluate", "spoof", "--data", str(labelled)])
    printed = capsys.readouterr()
    assert "Traceback" not in printed.out + printed.err
    said = printed.out + printed.err
    assert code != 0 and "both bona fide and attack" in said  # every attack file was unusable: no metrics
    for name in REJECTED:
        assert f"skipped attack/{name}{Path(CASES[name][0]).suffix}: ImageInputError" in said
    for payload in (b"", b"{not json", b'{"task": "spoof"}', CASES["bomb_png"][1]):
        report = tmp_path / "report.json"
        report.write_bytes(payload)
        assert cli_main(["report", "--replay", str(report)]) == 2
        printed = capsys.readouterr()
        assert printed.err.startswith("error: cannot replay") and "Traceback" not in printed.err
