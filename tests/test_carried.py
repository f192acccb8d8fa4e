"""Every improvement action open at last year's review is accounted for exactly once this year
(issue 13, item 3): closed, still open, dropped from the workbook, in a partnership that returned no
workbook, or in a workbook that could not be assessed. Two years of real workbooks through
`partnerships report --previous`."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from officer import write_workbook
from pipeline import catalogue
from pipeline.cli import cli


def action(text: str, status: str = "In progress") -> dict:
    return {
        "Answer": "No",
        "Action": text,
        "Action owner": "Ann",
        "Due date": dt.date(2027, 9, 30),
        "Action status": status,
    }


def run(inputs: Path, out: Path, as_of: str, *extra: str) -> dict:
    result = CliRunner().invoke(
        cli, ["report", str(inputs), "--out", str(out), "--as-of", as_of, "--no-pdf", *extra], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    return json.loads((out / "results.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def years(tmp_path_factory):
    root = tmp_path_factory.mktemp("carried")
    last, now = root / "in-2026", root / "in-2027"
    last.mkdir()
    now.mkdir()
    # 2026: P-001 returned twice, p1.xlsx counting (I14 and I03 open) and a draft under the same name
    # (I14 and I05 open), P-002 and P-003 once. Rollover sends P-001 the counted return's actions alone.
    write_workbook(
        last / "p1.xlsx",
        partnership_id="P-001",
        improvement={"I14": action("Refresh the board"), "I03": action("Publish the aims", "Not started")},
    )
    write_workbook(
        last / "p1-copy.xlsx",
        partnership_id="P-001",
        register={"review_completed_on": dt.date(2026, 4, 1)},
        improvement={"I05": action("Draft action never agreed", "Not started")},
    )
    write_workbook(last / "p2.xlsx", partnership_id="P-002", improvement={"I14": action("Agree the budget")})
    write_workbook(
        last / "p3.xlsx",
        partnership_id="P-003",
        improvement={"I14": action("Name a lead"), "I05": action("Set targets", "Done")},
    )
    # 2027: P-001 closes I14 and drops I03; P-002 returns nothing; P-003's workbook cannot be assessed.
    later = {"review_completed_on": dt.date(2027, 4, 15), "next_review": dt.date(2028, 3, 31)}
    write_workbook(
        now / "p1.xlsx",
        partnership_id="P-001",
        register=later,
        improvement={"I14": action("Refresh the board", "Complete")},
    )
    write_workbook(
        now / "p3.xlsx",
        partnership_id="P-003",
        register=later,
        edit=lambda book: book.remove(book[catalogue.RISKS_SHEET.name]),
    )
    first = run(last, root / "2026", "2026-04-30")
    second = run(now, root / "2027", "2027-04-30", "--previous", str(root / "2026"))
    return first, second, (root / "2027" / "review_pack.html").read_text(encoding="utf-8"), root


def test_every_action_open_last_year_has_exactly_one_outcome(years):
    """Each action rollover sent is followed. The draft's (a second return of P-001 under the same name,
    which did not count) were never sent: next year's pack said its I05 was dropped "without being marked
    Complete", blaming the officer for an action the tool left out."""
    first, second, _, _ = years
    open_last_year = sum(
        1
        for item in first["partnerships"]
        if item["counted"]
        for line in item["action_items"]
        if line["status"] != "Complete"
    )
    record = second["change_since_previous"]
    assert open_last_year == record["carried_actions"] == 5
    assert (
        record["carried_actions_closed"]
        + record["carried_actions_open_now"]
        + record["carried_actions_not_carried_over"]
        + record["carried_actions_no_return"]
        + record["carried_actions_not_assessed"]
    ) == 5
    outcomes = sorted(
        (item["id"], action["ref"], action["status_now"])
        for item in record["partnerships"]
        for action in item["carried_actions"]
    )
    assert outcomes == [
        ("P-001", "I03", "Not carried over"),
        ("P-001", "I14", "Complete"),
        ("P-002", "I14", "No return this year"),
        ("P-003", "I05", "Not assessed this year"),
        ("P-003", "I14", "Not assessed this year"),
    ]


def test_the_pack_accounts_for_each_of_them(years):
    _, _, html, _ = years
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    assert (
        "5 improvement actions were open at last year's review, each accounted for once: 1 now closed "
        "(Complete); 1 no longer listed this year without being marked Complete (not carried over); "
        "1 in partnerships that returned no workbook this year; 2 in workbooks that could not be assessed "
        "this year."
    ) in text


def test_actions_of_partnerships_with_no_profile_are_listed(years):
    """The change section said of last year's open actions "Each profile lists them", but P-002 (no
    return) and P-003 (not assessed) have no profile this year: their actions were listed nowhere in
    the pack. They are now listed under the sentence, each with its partnership and outcome."""
    _, _, html, _ = years
    change = html[html.index("Actions carried over from last year") : html.index('id="charts"')]
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", change))
    assert "Each profile lists them." not in text
    assert "Each profile lists its own; those of the 2 partnerships with no profile this year are these:" in text
    rows = [
        " ".join(re.sub(r"<[^>]+>", " ", row).split())
        for row in re.findall(r"<tr>.*?</tr>", change[change.index("<tbody>") : change.index("</tbody>")], flags=re.S)
    ]
    assert rows == [
        "P-002 Safer Communities Partnership P-002 I14 Agree the budget In progress No return",
        "P-003 Safer Communities Partnership P-003 I05 Set targets “Done” (not one of Not started, In progress or "
        "Complete) Not assessed",
        "P-003 Safer Communities Partnership P-003 I14 Name a lead In progress Not assessed",
    ]


def test_rollover_names_the_partnerships_with_no_return_this_year(years, tmp_path):
    """P-002 sent no return in 2027: next year's workbooks, rolled over from 2027's register, left it
    out without a word, with its open action, never sent again. The summary names it (from the
    results.json beside the register) and says where its actions are."""
    from pipeline.cycle.rollover import write_rollover

    root = years[3]
    lines = write_rollover(root / "2027" / "register.xlsx", tmp_path / "2028").summary_lines()
    assert (
        "Not rolled over, no return for the 2027 review: P-002 Safer Communities Partnership P-002 (1 open "
        "action). Their open actions and own risks are in the 2026 register.xlsx: for any still running, "
        "roll over from it too."
    ) in lines
    # A register without its results.json beside it (copied elsewhere) rolls over as before.
    alone = tmp_path / "alone"
    alone.mkdir()
    (alone / "register.xlsx").write_bytes((root / "2027" / "register.xlsx").read_bytes())
    assert not any(
        "no return" in line for line in write_rollover(alone / "register.xlsx", tmp_path / "x").summary_lines()
    )


@pytest.mark.slow  # kept out of `make test`'s three minutes; `make slow` (and CI) runs it
def test_an_action_written_over_with_another_is_shown_with_what_it_now_reads(tmp_path):
    """Rollover puts last year's open action on its area's row; the officer finished it and wrote this
    year's new action over it, Not started. The profile showed last year's action "In progress ->
    Not started, still open", as if it had gone backwards, with nothing of the new action. The row now
    says what the area's action reads this year."""
    last, now = tmp_path / "in-2026", tmp_path / "in-2027"
    write_workbook(
        last / "p1.xlsx", improvement={"I07": action("Write down the rules of engagement in a partnership agreement")}
    )
    write_workbook(
        now / "p1.xlsx",
        register={"review_completed_on": dt.date(2027, 4, 15), "next_review": dt.date(2028, 3, 31)},
        improvement={
            "I07": action("Write down the rules of engagement in a partnership agreement", "Complete"),
            "I14": action("Review the partnership agreement each year", "Not started"),
        },
    )
    write_workbook(
        tmp_path / "in-2027b" / "p1.xlsx",
        register={"review_completed_on": dt.date(2027, 4, 15), "next_review": dt.date(2028, 3, 31)},
        improvement={"I07": action("Review the partnership agreement each year", "Not started")},
    )
    run(last, tmp_path / "2026", "2026-04-30")
    kept = run(now, tmp_path / "2027", "2027-04-30", "--previous", str(tmp_path / "2026"))
    replaced = run(tmp_path / "in-2027b", tmp_path / "2027b", "2027-04-30", "--previous", str(tmp_path / "2026"))

    def i07(record):
        [item] = record["change_since_previous"]["partnerships"]
        return next(entry for entry in item["carried_actions"] if entry["ref"] == "I07")

    assert i07(kept)["action_now"] == ""  # the same action, now Complete
    assert i07(replaced)["action_now"] == "Review the partnership agreement each year"
    html = (tmp_path / "2027b" / "review_pack.html").read_text(encoding="utf-8")
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html[html.index('class="carried"') :]))
    assert (
        "I07 Write down the rules of engagement in a partnership agreement (this year the area's action reads: "
        "Review the partnership agreement each year) In progress Not started Still open"
    ) in text


@pytest.mark.slow  # kept out of `make test`'s three minutes; `make slow` (and CI) runs it
def test_the_actions_of_a_second_partnership_on_a_shared_id_follow_it_while_the_id_stays_shared(tmp_path):
    """Alpha and Beta both returned S-1 in 2026 (Alpha's later review counted) and kept it in 2027.
    Rollover carried Beta's two open actions into Beta's workbook, where its officer closed one; next
    year's pack counted neither (carried_actions 0), and Beta's profile and the change section said
    nothing of them. Each partnership's actions now follow it, as they do once one takes a new ID."""
    from pipeline.cycle.rollover import write_rollover

    later = {"review_completed_on": dt.date(2026, 4, 20)}  # Alpha's return counts for S-1
    alpha, beta = {"name": "Alpha Partnership"}, {"name": "Beta Partnership"}
    last, now = tmp_path / "in-2026", tmp_path / "in-2027"
    none = {"I14": {"Answer": "Yes", "Action": None, "Action owner": None, "Due date": None, "Action status": None}}
    write_workbook(last / "alpha.xlsx", partnership_id="S-1", register={**alpha, **later}, improvement=none)
    write_workbook(
        last / "beta.xlsx",
        partnership_id="S-1",
        register=beta,
        improvement={"I14": action("Refresh the board"), "I03": action("Publish the aims", "Not started")},
    )
    run(last, tmp_path / "2026", "2026-04-30")
    lines = write_rollover(tmp_path / "2026" / "register.xlsx", tmp_path / "rolled").summary_lines()
    assert "Carried 2 open actions into the Improvement sheets of 1 workbook." in lines
    year = {"review_completed_on": dt.date(2027, 4, 15), "next_review": dt.date(2028, 3, 31)}
    write_workbook(
        now / "alpha.xlsx",
        partnership_id="S-1",
        register={**alpha, **year, "review_completed_on": dt.date(2027, 4, 20)},
        improvement=none,
    )
    write_workbook(
        now / "beta.xlsx",
        partnership_id="S-1",
        register={**beta, **year},
        improvement={"I14": action("Refresh the board", "Complete"), "I03": action("Publish the aims")},
    )
    record = run(now, tmp_path / "2027", "2027-04-30", "--previous", str(tmp_path / "2026"))["change_since_previous"]
    assert (
        record["carried_actions"],
        record["carried_actions_closed"],
        record["carried_actions_open_now"],
        record["carried_actions_still_open"],
    ) == (2, 1, 1, 1)
    followed = sorted(
        (item["name"], action["ref"], action["status_now"])
        for item in record["partnerships"]
        for action in item["carried_actions"]
    )
    assert followed == [("Beta Partnership", "I03", "In progress"), ("Beta Partnership", "I14", "Complete")]
    entries = {(item["name"], item["status"], item["counted_now"], item["file"]) for item in record["partnerships"]}
    assert entries == {
        ("Alpha Partnership", "continuing", True, "alpha.xlsx"),
        ("Beta Partnership", "continuing", False, "beta.xlsx"),
    }
    html = (tmp_path / "2027" / "review_pack.html").read_text(encoding="utf-8")
    text = " ".join(re.sub(r"<[^>]+>", " ", html).split())
    assert (
        "2 improvement actions were open at last year's review, each accounted for once: 1 now closed "
        "(Complete); 1 still open. Last year's pack counted 0 open (not started or in progress); these 2 also "
        "hold 2 of a return not counted there (a second return of its Partnership ID). Each profile lists them."
    ) in text

    def profile(anchor: str) -> str:
        start = html.index(f'<article class="profile" id="p-{anchor}-xlsx"')
        return " ".join(re.sub(r"<[^>]+>", " ", html[start : html.index("</article>", start)]).split())

    assert "Last year's open actions (2), and how each stands now: 1 closed, 1 not closed." in profile("beta")
    assert "No action was open at last year's review." in profile("alpha")
    # The action still open is in this year's register and goes on into Beta's next workbook.
    lines = write_rollover(tmp_path / "2027" / "register.xlsx", tmp_path / "rolled-2028").summary_lines()
    assert "Carried 1 open action into the Improvement sheets of 1 workbook." in lines


@pytest.mark.slow  # kept out of `make test`'s three minutes; `make slow` (and CI) runs it
def test_the_moves_of_the_year_add_up_when_an_id_is_still_shared(tmp_path):
    """Alpha (counted) and Beta shared S-1 in both years, and P-2 came both years; Beta got worse. The
    pack said "2 partnerships have got worse" (P-2 and Beta) and "1 partnership kept its rating", 3
    moves against the 2 partnerships its ratings table counts (each ID once). The moves are those of
    the returns that count, as the ratings are; Beta's own actions still follow it."""
    alpha, beta = {"name": "Alpha Partnership"}, {"name": "Beta Partnership"}
    blank = {question.ref: {"Status": None} for question in catalogue.QUESTIONS[:20]}  # Red: incomplete
    none = {"I14": {"Answer": "Yes", "Action": None, "Action owner": None, "Due date": None, "Action status": None}}
    for year, folder in ((2026, "in-2026"), (2027, "in-2027")):
        review = {"review_completed_on": dt.date(year, 4, 15), "next_review": dt.date(year + 1, 3, 31)}
        inputs = tmp_path / folder
        write_workbook(
            inputs / "alpha.xlsx",
            partnership_id="S-1",
            register={**alpha, **review, "review_completed_on": dt.date(year, 4, 20)},
            improvement=none,
        )
        write_workbook(
            inputs / "beta.xlsx",
            partnership_id="S-1",
            register={**beta, **review},
            checklist=blank if year == 2027 else None,
            improvement=none,
        )
        write_workbook(
            inputs / "p2.xlsx",
            partnership_id="P-2",
            register=review,
            checklist=blank if year == 2027 else None,
            improvement=none,
        )
    run(tmp_path / "in-2026", tmp_path / "2026", "2026-04-30")
    record = run(tmp_path / "in-2027", tmp_path / "2027", "2027-04-30", "--previous", str(tmp_path / "2026"))
    change = record["change_since_previous"]
    html = (tmp_path / "2027" / "review_pack.html").read_text(encoding="utf-8")
    text = " ".join(re.sub(r"<[^>]+>", " ", html).split())
    moves = text[text.index("got worse") - 60 :][:200] if "got worse" in text else text[-2000:]
    assert "1 partnership has got worse" in text, moves
    assert "1 partnership kept its rating" in text
    assert sum(change["rag_now"].values()) == 2


@pytest.mark.slow  # kept out of `make test`'s three minutes; `make slow` (and CI) runs it
def test_the_actions_of_a_partnership_back_after_years_without_a_return_are_followed(tmp_path):
    """P-001 had I03, I05 and I14 open in 2024, no return in 2025, was rolled over from the 2024 register
    into 2026 and returned: its 2026 entry followed none of them (`carried_actions` []), and its profile
    said only "No return last year, but one in 2024". P-003, back in 2027 after two years without a
    return, the same. Each now follows the actions open at its last review, carried from year to year by
    results.json's `history.no_return`, apart from last year's open actions."""
    review = {
        year: {"review_completed_on": dt.date(year, 4, 15), "next_review": dt.date(year + 1, 3, 31)}
        for year in range(2024, 2028)
    }
    returned = {2024: ("P-001", "P-002", "P-003"), 2025: ("P-002",), 2026: ("P-001", "P-002"), 2027: ("P-002", "P-003")}
    opened = {"I03": action("Publish the aims", "Not started"), "I05": action("Set targets")}
    for year, ids in returned.items():
        for partnership_id in ids:
            improvement = opened if year == 2024 else {}
            if year > 2024 and partnership_id != "P-002":  # back: I03 closed, I05 still open, I14 as it was
                improvement = {"I03": action("Publish the aims", "Complete"), "I05": action("Set targets")}
            write_workbook(
                tmp_path / f"in-{year}" / f"{partnership_id}.xlsx",
                partnership_id=partnership_id,
                register=review[year],
                improvement=improvement,
            )
        extra = ("--previous", str(tmp_path / str(year - 1))) if year > 2024 else ()
        run(tmp_path / f"in-{year}", tmp_path / str(year), f"{year}-04-30", *extra)

    def entry(year: int, partnership_id: str) -> dict:
        data = json.loads((tmp_path / str(year) / "results.json").read_text(encoding="utf-8"))
        [found] = [item for item in data["change_since_previous"]["partnerships"] if item["id"] == partnership_id]
        return found

    for year, partnership_id in ((2026, "P-001"), (2027, "P-003")):
        back = entry(year, partnership_id)
        assert (back["status"], back["last_review"], back["carried_actions"]) == ("back", 2024, [])
        assert [(item["ref"], item["status_then"], item["status_now"]) for item in back["actions_at_last_review"]] == [
            ("I03", "Not started", "Complete"),
            ("I05", "In progress", "In progress"),
            ("I14", "In progress", "In progress"),
        ]
        html = (tmp_path / str(year) / "review_pack.html").read_text(encoding="utf-8")
        start = html.index(f'<article class="profile" id="p-{partnership_id.lower()}-xlsx"')
        profile = " ".join(re.sub(r"<[^>]+>", " ", html[start : html.index("</article>", start)]).split())
        assert "No return last year , but one in 2024 (its last review before this one)." in profile
        assert "Open actions at its 2024 review (3), and how each stands now: 1 closed, 2 not closed." in profile
        assert "I03 Publish the aims Not started Complete Closed" in profile
    # Last year's open actions are P-002's I14 alone, each year: those of a partnership back are apart.
    assert entry(2026, "P-002")["carried_actions"][0]["ref"] == "I14"
    record = json.loads((tmp_path / "2026" / "results.json").read_text(encoding="utf-8"))["change_since_previous"]
    assert record["carried_actions"] == 1
