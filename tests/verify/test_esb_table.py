"""ESB Table I arithmetic on a small generated protocol, against hand-computed values."""

from __future__ import annotations

import math

import pytest

from xai.verify.esb import EsbRecord, esb_table, fv_category


def test_fv_categories():
    assert [fv_category(True, True), fv_category(True, False), fv_category(False, True),
            fv_category(False, False)] == ["FV-TP", "FV-FN", "FV-FP", "FV-TN"]


def test_table_by_hand():
    records = [
        # FV-TP: two faces, gender right twice; ages off by 2 and 4 → MAE 3
        EsbRecord("FV-TP", "m", "male", 42, "male", 40), EsbRecord("FV-TP", "m", "female", 26, "female", 30),
        # FV-FN: one face, gender wrong; age off by 10
        EsbRecord("FV-FN", "m", "male", 60, "female", 50),
        # FV-TN: gender right, age unknown
        EsbRecord("FV-TN", "m", "male", 33, "male", None),
        # FV-FP: no ground truth at all
        EsbRecord("FV-FP", "m", "female", 20, None, None),
    ]
    cells = {c.group: c for c in esb_table(records)}
    assert cells["FV-TP"].gender_accuracy == 100.0 and cells["FV-TP"].age_mae == 3.0
    assert cells["FV-FN"].gender_accuracy == 0.0 and cells["FV-FN"].age_mae == 10.0
    # FV Match = TP + FN: genders 2 of 3 right, ages |2|,|4|,|10| → MAE 16/3
    assert cells["FV Match"].gender_accuracy == pytest.approx(200 / 3) and cells["FV Match"].age_mae == pytest.approx(16 / 3)
    assert cells["FV Non-Match"].gender_n == 1 and cells["FV Non-Match"].age_n == 0
    assert math.isnan(cells["FV Non-Match"].age_mae) and math.isnan(cells["FV-FP"].gender_accuracy)


def test_protocol_csv_end_to_end(tmp_path):
    import shutil
    from pathlib import Path

    from xai.verify.esb import evaluate_esb

    samples = Path(__file__).resolve().parents[2] / "assets" / "samples"
    for name in ("obama.jpg", "obama2.jpg", "biden.jpg", "astronaut.png"):
        shutil.copy(samples / name, tmp_path / name)
    (tmp_path / "pairs.csv").write_text(
        "probe,gallery,same,probe_gender,gallery_gender\n"
        "obama.jpg,obama2.jpg,1,male,male\n"
        "astronaut.png,biden.jpg,0,female,male\n"
        "obama.jpg,nowhere.jpg,1,,\n")
    cells, pairs = evaluate_esb(str(tmp_path / "pairs.csv"))
    assert [p.get("category") for p in pairs[:2]] == ["FV-TP", "FV-TN"] and "error" in pairs[2]
    by_key = {(c.estimator, c.group): c for c in cells}
    # every estimator gets all four genders right on these faces (see test_models), two per pair
    assert by_key[("faceres-agegender", "FV-TP")].gender_accuracy == 100.0
    assert by_key[("faceres-agegender", "FV-TP")].gender_n == 2 and by_key[("ssrnet", "FV-TN")].gender_n == 2
    assert by_key[("gear", "FV Match")].age_n == 0  # no true ages given
