"""Possible duplication by name and purpose, on returns built to known answers (one service area,
"Communities", unless said).

| ID | name | purpose | partners | built so |
| --- | --- | --- | --- | --- |
| P-001 | Ashcombe Armed Forces Covenant Partnership | FAIRLY | DWP; MoD; Royal British Legion | |
| P-002 | as P-001 | as P-001 | Royal British Legion; SSAFA | one partner shared, the same name: a pair |
| P-003 | Ashcombe Armed Forces Covenant Steering Group | FAIRLY within more words | DWP; MoD | two partners shared, every purpose word of P-001 in its own: a pair, similarity 1.00 |
| P-004 | Ashcombe Armed Forces Covenant Partnerships | a parade | Town council | its name nearly P-001's and P-002's: a pair with each |
| P-005 | as P-001 | as P-001 | as P-001 | led by Adult Social Care: the same name, a pair with P-001 and P-002; not with P-004, whose name is only nearly the same |
"""

from __future__ import annotations

import html
import json
import re

import pytest
from click.testing import CliRunner
from officer import write_workbook

from pipeline.cli import cli

NAME = "Ashcombe Armed Forces Covenant Partnership"
FAIRLY = "Make sure the armed forces community is treated fairly in local services."
RETURNS = {
    "P-001": (NAME, FAIRLY, "Department for Work and Pensions; Ministry of Defence; Royal British Legion"),
    "P-002": (NAME, FAIRLY, "Royal British Legion; SSAFA"),
    "P-003": (
        "Ashcombe Armed Forces Covenant Steering Group",
        "Working together in Ashcombe to make sure the armed forces community is treated fairly in local "
        "services, joining up services.",
        "Department for Work and Pensions; Ministry of Defence",
    ),
    "P-004": (NAME + "s", "Run the annual veterans' day parade through the town.", "Ashcombe Town Council"),
    "P-005": (NAME, FAIRLY, "Department for Work and Pensions; Ministry of Defence; Royal British Legion"),
}


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    root = tmp_path_factory.mktemp("names")
    for partnership_id, (name, purpose, partners) in RETURNS.items():
        write_workbook(
            root / "returns" / f"{partnership_id}.xlsx",
            partnership_id=partnership_id,
            register={
                "name": name,
                "purpose": purpose,
                "partners": partners,
                "service_area": "Adult Social Care" if partnership_id == "P-005" else "Communities",
            },
        )
    result = CliRunner().invoke(
        cli, ["report", str(root / "returns"), "--out", str(root / "out"), "--as-of", "2026-04-30", "--no-pdf"]
    )
    assert result.exit_code == 0, result.output
    return root / "out"


def _pairs(run) -> dict[tuple[str, ...], list[str]]:
    data = json.loads((run / "results.json").read_text(encoding="utf-8"))
    return {tuple(pair["partnerships"]): pair["evidence"]["reasons"] for pair in data["possible_duplicates"]}


def _section(run) -> str:
    page = (run / "review_pack.html").read_text(encoding="utf-8")
    section = page[
        page.index('id="possible-duplication"') : page.index("</section>", page.index('id="possible-duplication"'))
    ]
    return section


def _text(markup: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", markup)).split())


def test_the_same_name_is_a_pair_whatever_partners_are_shared_each_saying_why(run):
    assert _pairs(run) == {
        ("P-001", "P-002"): ["the same name"],
        ("P-001", "P-003"): ["2 shared organisations and purposes alike (1.00)"],
        ("P-001", "P-004"): ["names nearly the same (0.99)"],
        ("P-002", "P-004"): ["names nearly the same (0.99)"],
        ("P-001", "P-005"): ["the same name"],
        ("P-002", "P-005"): ["the same name"],
    }


def test_one_partnership_returned_by_two_service_areas_is_a_pair_naming_both(run):
    """P-005 has P-001's name, purpose and partners but Adult Social Care leads it: one partnership
    returned by two services under two IDs, the likeliest duplicate of all. It was never listed, because
    pairs were looked for within one service area only; its pair and its group name both areas."""
    data = json.loads((run / "results.json").read_text(encoding="utf-8"))
    pair = next(pair for pair in data["possible_duplicates"] if pair["partnerships"] == ["P-001", "P-005"])
    assert pair["evidence"]["service_area"] == "Adult Social Care; Communities"
    assert pair["evidence"]["purpose_similarity"] == 1.0 and len(pair["evidence"]["shared_organisations"]) == 3
    (group,) = data["possible_duplicate_groups"]
    assert "P-005" in group["partnerships"] and group["service_area"] == "Adult Social Care; Communities"
    assert "Adult Social Care; Communities" in _text(_section(run))


def test_the_pack_lists_each_pair_with_why(run):
    rows = {
        tuple(re.findall(r"P-\d+", _text(cells[0]))): _text(cells[1])
        for cells in (
            re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, flags=re.S)
            for row in re.findall(r"<tr>(.*?)</tr>", _section(run).split('<table class="duplicates">')[1], flags=re.S)
        )
        if cells and cells[0].strip()
    }
    assert rows == {
        (): "Why listed",
        ("P-001", "P-002"): "the same name",
        ("P-001", "P-003"): "2 shared organisations and purposes alike (1.00)",
        ("P-001", "P-004"): "names nearly the same (0.99)",
        ("P-002", "P-004"): "names nearly the same (0.99)",
        ("P-001", "P-005"): "the same name",
        ("P-002", "P-005"): "the same name",
    }


def test_a_similarity_of_one_is_explained_as_what_it_is(run):
    """P-001 and P-003 have purposes of different words, yet a similarity of 1.00: every word of P-001's
    purpose is in P-003's. The pack says so, never that 1 means the same words."""
    note = _text(_section(run))
    assert "1 for the same words" not in note
    assert "1 when every word of one purpose is also in the other, however many more words the other has" in note
    assert "or have nearly the same name (0.90 or more alike" in note and "or have the same name, whichever" in note


def test_pairs_of_one_name_come_first(run):
    """The pairs were ordered by purpose similarity alone: two partnerships of one name came last, and at a
    large batch could fall out of the 25 the pack shows."""
    data = json.loads((run / "results.json").read_text(encoding="utf-8"))
    reasons = [pair["evidence"]["reasons"] for pair in data["possible_duplicates"]]
    assert [("the same name" in each) for each in reasons] == [True, True, True, False, False, False]


def test_names_differing_by_a_point_of_the_compass_are_not_nearly_the_same():
    """'North Kingsmead Community Safety Partnership' and 'South Kingsmead ...' (0.94 alike letter by
    letter) were a pair to check, though they name two areas, as 'Board 1' and 'Board 2' do."""
    from pipeline.portfolio.duplication import near_identical

    names = [
        "North Kingsmead Community Safety Partnership",
        "South Kingsmead Community Safety Partnership",
        "Kingsmead Community Safety Partnerships",
        "Kingsmead Community Safety Partnership",
    ]
    assert list(near_identical(names, 0.9)) == [(2, 3)]


def test_one_shared_organisation_is_said_in_the_singular(tmp_path):
    """With duplication.min_shared_organisations = 1 a reason read '1 shared organisations and purposes alike'."""
    config = tmp_path / "review.toml"
    config.write_text("[duplication]\nmin_shared_organisations = 1\n", encoding="utf-8")
    for partnership_id, (name, purpose, partners) in RETURNS.items():
        if partnership_id in ("P-001", "P-002"):  # one partner shared: the Royal British Legion
            write_workbook(
                tmp_path / "returns" / f"{partnership_id}.xlsx",
                partnership_id=partnership_id,
                register={"name": name, "purpose": purpose, "partners": partners, "service_area": "Communities"},
            )
    result = CliRunner().invoke(
        cli,
        ["report", str(tmp_path / "returns"), "--out", str(tmp_path / "out"), "--as-of", "2026-04-30", "--no-pdf",
         "--config", str(config)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert _pairs(tmp_path / "out") == {
        ("P-001", "P-002"): ["1 shared organisation and purposes alike (1.00)", "the same name"]
    }
