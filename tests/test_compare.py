"""Change since last year, on two years' results built to known answers."""

import json

import pytest

from pipeline.cycle.compare import PreviousError, compare, load_previous


def partnership(id, rag, completeness, assurance, actions=(), risks=()):
    return {
        "id": id,
        "name": f"Partnership {id}",
        "rag": rag,
        "checklist_completeness": completeness,
        "checklist_assurance": assurance,
        "action_items": [{"ref": ref, "action": f"Fix {ref}", "status": status} for ref, status in actions],
        "risks": [{"ref": ref, "likelihood": lk, "impact": im, "score": lk * im} for ref, lk, im in risks],
    }


LAST_YEAR = {
    "year": 2025,
    "as_of": "2025-04-30",
    "partnerships": [
        partnership(
            "P-001",
            "Red",
            0.5,
            0.6,
            actions=[("I03", "Not started"), ("I05", "Complete"), ("I07", None)],
            risks=[("R01", 4, 4), ("R04", 2, 2)],
        ),
        partnership("P-002", "Green", 1.0, 0.9, risks=[("R01", 2, 2)]),
        partnership("P-003", "Amber", 0.8, 0.8),
    ],
}
THIS_YEAR = {
    "year": 2026,
    "as_of": "2026-04-30",
    "partnerships": [
        partnership(
            " p-001",
            "Amber",
            0.85,
            0.7,
            actions=[("I03", "Complete"), ("I07", "In progress")],
            risks=[("R01", 2, 3), ("R04", 3, 3)],
        ),
        partnership("P-002", "Green", 1.0, 0.95, risks=[("R01", 2, 2)]),
        partnership("P-004", "Green", 0.95, 0.9),
    ],
}


@pytest.fixture(scope="module")
def comparison():
    return compare(THIS_YEAR, LAST_YEAR)


def test_partnerships_are_matched_by_id_ignoring_case_and_spaces(comparison):
    assert [(c.id, c.status, c.rag_then, c.rag_now) for c in comparison.partnerships] == [
        (" p-001", "continuing", "Red", "Amber"),
        ("P-002", "continuing", "Green", "Green"),
        ("P-003", "ended", "Amber", None),
        ("P-004", "new", None, "Green"),
    ]
    assert [c.id for c in comparison.new] == ["P-004"] and [c.id for c in comparison.ended] == ["P-003"]


def test_completeness_and_assurance_change(comparison):
    first = comparison.partnerships[0]
    assert (first.completeness_change, first.assurance_change) == (0.35, 0.1)
    assert comparison.partnerships[3].completeness_change is None


def test_open_actions_are_followed_to_closure(comparison):
    carried = comparison.partnerships[0].carried_actions
    assert [(a.ref, a.status_then, a.status_now, a.still_open) for a in carried] == [
        ("I03", "Not started", "Complete", False),
        ("I07", "Not started", "In progress", True),
    ]
    assert (comparison.carried_actions, comparison.carried_still_open) == (2, 1)


def test_risk_movement_by_average_score(comparison):
    moves = {risk.ref: risk for risk in comparison.risks}
    assert (moves["R01"].score_then, moves["R01"].score_now, moves["R01"].direction) == (10.0, 5.0, "down")
    assert (moves["R01"].then, moves["R01"].now) == ((3.0, 3.0), (2.0, 2.5))
    assert moves["R04"].direction == "up"
    assert moves["R09"].direction == "not comparable"


def test_the_record_for_results_json_is_plain_data(comparison):
    record = comparison.as_dict()
    assert json.loads(json.dumps(record, sort_keys=True)) == record
    assert (record["rag_then"], record["rag_now"]) == ({"Amber": 1, "Green": 1, "Red": 1}, {"Amber": 1, "Green": 2})
    assert (record["new"], record["ended"], record["carried_actions_still_open"]) == (["P-004"], ["P-003"], 1)


@pytest.mark.parametrize(
    "setup, says",
    [
        (lambda folder: None, "not a folder"),
        (lambda folder: folder.mkdir(), "has no results.json"),
        (lambda folder: (folder.mkdir(), (folder / "results.json").write_text("{not json")), "cannot be read"),
        (lambda folder: (folder.mkdir(), (folder / "results.json").write_text("[1, 2]")), "not a results file"),
    ],
)
def test_unusable_previous_folder_is_a_one_line_error(tmp_path, setup, says):
    folder = tmp_path / "2025"
    setup(folder)
    with pytest.raises(PreviousError) as error:
        load_previous(folder)
    assert says in str(error.value) and "\n" not in str(error.value)


def test_a_partnership_with_no_return_last_year_but_an_earlier_one_is_back_not_new():
    """Its history in this year's results (pipeline.cycle.history) holds a review before last year's."""
    back = {**partnership("P-005", "Red", 0.5, 0.6), "history": [{"year": 2024}, {"year": 2026}]}
    fresh = {**partnership("P-006", "Green", 1.0, 1.0), "history": [{"year": 2026}]}
    record = compare({**THIS_YEAR, "partnerships": [*THIS_YEAR["partnerships"], back, fresh]}, LAST_YEAR).as_dict()
    assert (record["new"], record["back"]) == (["P-004", "P-006"], ["P-005"])
    assert [(item["id"], item["status"], item["last_review"]) for item in record["partnerships"][-3:]] == [
        ("P-004", "new", None),
        ("P-005", "back", 2024),
        ("P-006", "new", None),
    ]


def test_a_rating_that_got_better_gives_last_years_reasons_in_a_sentence():
    # It read "Amber to Green: no longer review was due on 20 July 2025".
    then = {**partnership("P-001", "Amber", 1.0, 1.0), "rag_reasons": ["The review was due on 20 July 2025"]}
    now = partnership("P-001", "Green", 1.0, 1.0)
    (change,) = compare({**THIS_YEAR, "partnerships": [now]}, {**LAST_YEAR, "partnerships": [then]}).partnerships
    assert change.what_changed == "Amber to Green; last year's reason: the review was due on 20 July 2025"


def test_risk_movement_counts_each_partnership_id_once_as_the_ranked_risks_do():
    # The second return of a Partnership ID was averaged in: R06 5.1 in the movement table, 5.3 ranked.
    counted = partnership("P-001", "Green", 1.0, 1.0, risks=[("R06", 2, 2)])
    second = {**partnership("P-001", "Amber", 0.9, 0.9, risks=[("R06", 5, 5)]), "counted": False}
    comparison = compare({**THIS_YEAR, "partnerships": [counted, second]}, {**LAST_YEAR, "partnerships": [counted]})
    r06 = next(risk for risk in comparison.risks if risk.ref == "R06")
    assert (r06.now, r06.score_now) == ((2, 2), 4)
