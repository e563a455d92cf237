"""AppTest of the Quality gates page: it renders a sample's checklist, decision, evidence and a valid JSON."""

from __future__ import annotations

import json

from app_pages import run_page

from xai.gates import validate_response


def test_gates_page_shows_the_decision_checklist_and_a_valid_json():
    at = run_page("pages/gates.py", title="Quality gates")
    # obama.jpg's face (241×298 px) is below the seed's 300×300 minimum: the decision must be a doubt that says so
    banner = at.warning[0].value
    assert "Decision: doubt" in banner and "25203" in banner and "minimum face size" in banner
    checks = at.dataframe[0].value
    assert {"Sharpness", "Contrast", "Brightness", "Liveness score", "Face size"} <= set(checks["check"])
    response = json.loads(at.code[-1].value)
    validate_response(response)
    assert response["job"]["result"]["code"] == "25203"
    assert response["job"]["result"]["result"][0]["face_size_check"]["pass_min_face_size"] is False

    # Lowering the minimum face size below the sample's face lets the face-size requirement pass.
    at.sidebar.number_input[0].set_value(200)
    at.sidebar.number_input[1].set_value(200).run()
    assert not at.exception, at.exception
    response = json.loads(at.code[-1].value)
    validate_response(response)
    assert response["job"]["result"]["result"][0]["face_size_check"]["pass_min_face_size"] is True
    assert not any("minimum face size" in r for r in response["explanations"]["decision"]["reasons"])
