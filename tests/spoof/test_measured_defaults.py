"""The spoof defaults follow the held-out measurements (issue 16 item 5): the gates' liveness model and the
anti-spoofing page's family are the ones the cards rank best, and a weak model's decision carries its numbers."""

from __future__ import annotations

import pytest
from app_pages import run_page

from models.base import CARDS_DIR, ModelCard
from models.heldout import DEMO_BPCER_LIMIT, best_measured, demo_warning, heldout_measure
from models.registry import REGISTRY
from xai.gates import DEFAULT_LIVENESS_MODELS
from xai.spoof.defaults import default_family
from xai.spoof.explain import SPOOF_FAMILIES
from xai.spoof.heldout import parse_heldout_table

SHIPPED_SPOOF = [e for e in REGISTRY if e.role == "spoof"]


def _table_rates(name: str, card_file: str) -> tuple[float, float, int, int]:
    """(BPCER, APCER, bona fide, attacks) from the card's measured table, read without models.heldout."""
    row = parse_heldout_table((CARDS_DIR / card_file).read_text())[name]
    (b_err, b_n), (a_err, a_n) = row["bpcer"], row["apcer"]
    return b_err / b_n, a_err / a_n, b_n, a_n


@pytest.mark.parametrize("entry", SHIPPED_SPOOF, ids=lambda e: e.name)
def test_every_shipped_spoof_card_header_states_its_measured_table(entry):
    measure = heldout_measure(entry.name)
    assert measure is not None, f"{entry.card_file} states no heldout_* header for {entry.name}"
    bpcer, apcer, bona_fide, attacks = _table_rates(entry.name, entry.card_file)
    assert measure.bpcer == pytest.approx(bpcer, abs=5e-5) and measure.apcer == pytest.approx(apcer, abs=5e-5)
    assert (measure.bona_fide, measure.attacks) == (bona_fide, attacks)


def test_the_gates_default_liveness_model_has_the_lowest_held_out_hter():
    hter = {e.name: sum(_table_rates(e.name, e.card_file)[:2]) / 2 for e in SHIPPED_SPOOF}
    assert DEFAULT_LIVENESS_MODELS == (min(hter, key=hter.get),)
    assert hter[DEFAULT_LIVENESS_MODELS[0]] < min(hter["human-antispoof"], hter["human-liveness"])


def test_the_spoof_page_default_family_is_the_one_whose_deciding_model_measured_best():
    hter = {family: sum(_table_rates(units[0][1], "resnet18-cbam-regions.md" if family.startswith("resnet")
                                     else f"{family}.md")[:2]) / 2
            for family, units in SPOOF_FAMILIES.items()}
    assert default_family() == min(hter, key=hter.get)


def test_ranking_puts_unmeasured_models_last_and_refuses_an_empty_choice():
    assert best_measured(["resnet18-cbam-mouth", "faceres"]) == "resnet18-cbam-mouth"  # faceres: no pool numbers
    assert best_measured(["faceres", "gear"]) == "faceres"  # nothing measured: the order given
    with pytest.raises(ValueError, match="no model"):
        best_measured([])


def test_warnings_name_the_measured_rates_only_when_a_rate_is_above_the_limit():
    for entry in SHIPPED_SPOOF:
        measure = heldout_measure(entry.name)
        warning = demo_warning(entry.name)
        weak = max(measure.bpcer, measure.apcer) > DEMO_BPCER_LIMIT
        assert bool(warning) == weak
        if weak:
            assert f"{measure.bpcer:.0%} of {measure.bona_fide}" in warning and f"{measure.apcer:.0%}" in warning
    assert demo_warning("faceres") == "" and demo_warning("no-such-model") == ""


def test_the_spoof_page_shows_the_deciding_models_held_out_rates_next_to_its_decision():
    at = run_page("pages/spoof.py", title="Face anti-spoofing")
    assert at.selectbox(key="spoof-family").value == default_family()
    deciding = SPOOF_FAMILIES[default_family()][0][1]
    fields = ModelCard.load(next(e.card_file for e in SHIPPED_SPOOF if e.name == deciding)).fields
    bpcer = float(fields.get(f"heldout_bpcer.{deciding}", fields.get("heldout_bpcer")))
    warnings = [w.value for w in at.warning if w.value.startswith("Demonstration model")]
    assert warnings == [demo_warning(deciding)] and f"{bpcer:.0%} of" in warnings[0]
