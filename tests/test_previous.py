"""Change since last year: two years' returns built to known answers, reported with `--previous`.

| ID | 2026 | 2027 | built so |
| --- | --- | --- | --- |
| P-001 | Green | Red | 15 questions left blank in 2027 (completeness 100% -> 48%); its open I14 action closed |
| P-002 | Red | Green | 12 questions blank in 2026 (59% -> 100%); of its open actions I05 is closed, I07 still in |
|  |  |  | progress, I14 dropped |
| P-003 | Amber | (not returned) | ended: its High R01 is mitigated |
| P-004 | (new) | Amber | new: R01 rated 5 x 5 (mitigated) |

The strategy's risk R01 is 2x2, 2x2, 4x4 in 2026 (average score 8.0) and 2x2, 2x2, 5x5 in 2027
(11.0, up); R02 is 2x2 everywhere in 2026 (4.0) and 1x1, 2x2, 2x2 in 2027 (3.0, down); R03 stays 4.0.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from contract import RESULTS_PARTNERSHIP_FIELDS
from officer import write_workbook
from year_set import MOVES, write_years_of_moves

from pipeline import catalogue
from pipeline.cli import cli
from pipeline.pack.charts import CHART_TITLES

LOW = {"Likelihood": 2, "Impact": 2}
#: In 2027 the next review is a year on, so no review is overdue.
NEXT_REVIEW = {"next_review": dt.date(2028, 3, 31), "review_completed_on": dt.date(2027, 4, 15)}
BLANK_ACTION = {"Answer": "Yes", "Action": None, "Action owner": None, "Due date": None, "Action status": None}
CHARTS = tuple(CHART_TITLES)


def blank(questions: int) -> dict:
    return {question.ref: {"Status": None, "Evidence": None} for question in catalogue.QUESTIONS[:questions]}


def year_one(folder: Path) -> Path:
    write_workbook(folder / "p1.xlsx", partnership_id="P-001", register={"name": "Harbour Board"}, risks={"R01": LOW})
    write_workbook(
        folder / "p2.xlsx",
        partnership_id="P-002",
        register={"name": "Youth Forum"},
        checklist=blank(12),
        risks={"R01": LOW},
        improvement={
            "I05": {
                "Answer": "No",
                "Action": "Agree the council's role",
                "Action owner": "Ann",
                "Due date": dt.date(2026, 10, 31),
                "Action status": "Not started",
            },
            "I07": {
                "Answer": "No",
                "Action": "Write rules of engagement",
                "Action owner": "Bo",
                "Due date": dt.date(2026, 12, 31),
                "Action status": "In progress",
            },
        },
    )
    write_workbook(folder / "p3.xlsx", partnership_id="P-003", register={"name": "Old Tourism Board"})
    return folder


def year_two(folder: Path) -> Path:
    write_workbook(
        folder / "p1.xlsx",
        partnership_id="P-001",
        register={"name": "Harbour Board", **NEXT_REVIEW},
        checklist=blank(15),
        risks={"R01": LOW, "R02": {"Likelihood": 1, "Impact": 1}},
        improvement={"I14": {"Action status": "Complete"}},
    )
    write_workbook(
        folder / "p2.xlsx",
        partnership_id="P-002",
        register={"name": "Youth Forum", **NEXT_REVIEW},
        risks={"R01": LOW},
        improvement={
            "I05": {
                "Answer": "No",
                "Action": "Agree the council's role",
                "Action owner": "Ann",
                "Due date": dt.date(2026, 10, 31),
                "Action status": "Complete",
            },
            "I07": {
                "Answer": "No",
                "Action": "Write rules of engagement",
                "Action owner": "Bo",
                "Due date": dt.date(2027, 12, 31),
                "Action status": "In progress",
            },
            "I14": BLANK_ACTION,
        },
    )
    write_workbook(
        folder / "p4.xlsx",
        partnership_id="P-004",
        register={"name": "Rural Transport Partnership", **NEXT_REVIEW},
        risks={"R01": {"Likelihood": 5, "Impact": 5}},
        improvement={"I14": {"Due date": dt.date(2027, 9, 30)}},
    )
    return folder


def run(inputs: Path, out: Path, as_of: str, *extra: str):
    return CliRunner().invoke(cli, ["report", str(inputs), "--out", str(out), "--as-of", as_of, *extra])


@pytest.fixture(scope="module")
def years(tmp_path_factory):
    root = tmp_path_factory.mktemp("years")
    first = run(year_one(root / "returns-2026"), root / "2026", "2026-04-30", "--no-pdf")
    assert first.exit_code == 0, first.output
    inputs = year_two(root / "returns-2027")
    compared = run(inputs, root / "2027", "2027-04-30", "--no-pdf", "--previous", str(root / "2026"))
    assert compared.exit_code == 0, compared.output
    alone = run(inputs, root / "2027-alone", "2027-04-30", "--no-pdf")
    assert alone.exit_code == 0, alone.output
    return root


@pytest.fixture(scope="module")
def page(years) -> str:
    return (years / "2027" / "review_pack.html").read_text(encoding="utf-8")


def between(text: str, start: str, end: str) -> str:
    return text[text.index(start) : text.index(end, text.index(start))]


def change_section(pack: Path) -> str:
    """The text of the pack's "Change since" section, as a reader sees it."""
    return plain(between((pack / "review_pack.html").read_text(encoding="utf-8"), 'id="change"', 'id="charts"'))


def plain(html: str) -> str:
    """The text a reader sees: hidden captions and labels (for screen readers) dropped, inline tags
    dropped, others read as a space, spaces collapsed."""
    shown = re.sub(r'<(caption|span) [^>]*class="visually-hidden"[^>]*>.*?</\1>', "", html)
    inline = re.sub(r"</?(?:strong|a|span|code|em)\b[^>]*>", "", shown)
    return " ".join(re.sub(r"<[^>]+>", " ", inline).replace("&#39;", "'").split())


def profile(page: str, anchor: str) -> str:
    start = page.index(f'<article class="profile" id="p-{anchor}-xlsx"')
    return plain(page[start : page.index("</article>", start)])


def test_the_summary_shows_the_rag_split_then_and_now(page):
    change = plain(between(page, 'id="change-at-a-glance"', 'id="change"'))
    assert "Change since 2026" in change
    assert "Rating then (2026) 1 1 1 0 0 3" in change  # Red, Amber, Green, Out of scope, Not assessed, total
    assert "Rating now (2027) 1 1 1 0 0 3" in change


def test_the_summary_names_the_moves_new_and_ended_partnerships(page):
    change = plain(between(page, 'id="change"', 'id="charts"'))
    # Each movement says what changed.
    assert (
        "1 partnership has got worse: Partnership Rating then Rating now What changed Completeness Change "
        "P-001 Harbour Board Green Red Green to Red because checklist completeness 48% is below 60% "
        "100% → 48% -52 points" in change
    )
    assert (
        "1 improved: P-002 Youth Forum (Red to Green; last year's reason: checklist completeness 59% is below 60%)."
        in change
    )
    assert "New this year (1): P-004 Rural Transport Partnership (Amber)." in change
    assert "Returned last year but not this year (1): P-003 Old Tourism Board (was Amber)." in change


def test_the_summary_follows_last_years_open_actions(page):
    change = plain(between(page, 'id="change"', 'id="charts"'))
    # Open in 2026: P-001 I14; P-002 I05, I07, I14; P-003 I14, whose partnership returned nothing this year.
    assert (
        "5 improvement actions were open at last year's review, each accounted for once: "
        "2 now closed (Complete); 1 still open; 1 no longer listed this year without being marked Complete "
        "(not carried over); 1 in partnerships that returned no workbook this year."
    ) in change


def test_each_profile_shows_then_and_now(page):
    worse, better, new = profile(page, "p1"), profile(page, "p2"), profile(page, "p4")
    assert "Change since 2026" in worse and "Rating Green → Red worse" in worse
    assert "Checklist completeness 100% → 48% -52 points" in worse
    assert "I14 Review the governance arrangements with partners In progress Complete Closed" in worse
    assert "Rating Red → Green better" in better
    assert "Checklist completeness 59% → 100% +41 points" in better
    assert "Checklist assurance 100% → 100% no change" in better
    assert "I05 Agree the council's role Not started Complete Closed" in better
    assert "I07 Write rules of engagement In progress In progress Still open" in better
    assert "I14 Review the governance arrangements with partners In progress — Not carried over" in better
    assert "New this year" in new and "Rating" not in between(new, "Change since", "File:")


def test_the_risk_movement_table_is_beside_the_heat_map(page):
    pictures = between(page, 'id="chart-risk_heat_map"', 'id="chart-strategy_risks_ranked"')
    table = plain(between(pictures, 'id="risk-movement"', "</table>"))
    assert "R01 Performance management arrangements" in table
    assert re.search(r"R01 [^0-9]* 8\.0 11\.0 \+3\.0 ▲ up \(worse\)", table)
    assert re.search(r"R02 [^0-9]* 4\.0 3\.0 -1\.0 ▼ down \(better\)", table)
    assert re.search(r"R03 [^0-9]* 4\.0 4\.0 \+0\.0 no change", table)


def test_results_json_records_the_comparison(years):
    record = json.loads((years / "2027" / "results.json").read_text(encoding="utf-8"))["change_since_previous"]
    assert (record["previous_year"], record["previous_as_of"]) == (2026, "2026-04-30")
    assert record["rag_then"] == {"Amber": 1, "Green": 1, "Red": 1} == record["rag_now"]
    assert (record["new"], record["ended"], record["worse"], record["better"]) == (
        ["P-004"],
        ["P-003"],
        ["P-001"],
        ["P-002"],
    )
    assert (
        record["carried_actions"],
        record["carried_actions_closed"],
        record["carried_actions_still_open"],
        record["carried_actions_not_carried_over"],
        record["carried_actions_no_return"],
        record["carried_actions_open_now"],
    ) == (5, 2, 3, 1, 1, 1)
    p3 = next(item for item in record["partnerships"] if item["id"] == "P-003")
    assert [(action["ref"], action["status_now"]) for action in p3["carried_actions"]] == [
        ("I14", "No return this year")
    ]
    p2 = next(item for item in record["partnerships"] if item["id"] == "P-002")
    assert (p2["rag_then"], p2["rag_now"], p2["movement"]) == ("Red", "Green", "better")
    assert [(action["ref"], action["status_now"]) for action in p2["carried_actions"]] == [
        ("I05", "Complete"),
        ("I07", "In progress"),
        ("I14", "Not carried over"),
    ]
    risks = {risk["ref"]: risk for risk in record["risks"]}
    assert (risks["R01"]["then"], risks["R01"]["now"], risks["R01"]["direction"]) == ([2.67, 2.67], [3.0, 3.0], "up")
    assert risks["R02"]["direction"] == "down" and risks["R03"]["direction"] == "no change"
    alone = json.loads((years / "2027-alone" / "results.json").read_text(encoding="utf-8"))
    assert "change_since_previous" not in alone


def test_the_heat_map_marks_the_moves_only_with_previous(years):
    def svg(folder: str, chart: str) -> bytes:
        return (years / folder / "charts" / f"{chart}.svg").read_bytes()

    marked, plain_map = svg("2027", "risk_heat_map").decode(), svg("2027-alone", "risk_heat_map").decode()
    labels = set(re.findall(r"<text[^>]*>([^<]*)</text>", marked))
    assert {risk.ref for risk in catalogue.RISKS} <= labels
    assert "Average in 2026" in labels and "Average now" in labels
    assert not {risk.ref for risk in catalogue.RISKS} & set(re.findall(r"<text[^>]*>([^<]*)</text>", plain_map))
    for chart in CHARTS[1:]:  # every other chart is the same with or without last year
        assert svg("2027", chart) == svg("2027-alone", chart), chart


def test_without_previous_the_heat_map_is_the_chart_of_a_plain_run(years):
    from pipeline.pack.charts import render_charts
    from pipeline.config import Config
    from pipeline.read.batch import load_folder
    from pipeline.check.rules import check
    from pipeline.check.score import score_batch
    from pipeline.pack import tables
    from pipeline.portfolio.leverage import leverage_by_file

    config, as_of = Config(), dt.date(2027, 4, 30)
    batch = load_folder(years / "returns-2027", config)
    scores = score_batch(
        batch.workbooks, check(batch.workbooks, as_of=as_of, config=config), as_of=as_of, config=config
    )
    leverage = leverage_by_file(scores, batch.workbooks)  # the resources chart draws partners' money, as the run
    strategy = tables.strategy_questions(tables.partnerships_frame(scores, leverage), config, scores, leverage)
    charts = render_charts(scores, config, strategy=strategy)
    assert charts == render_charts(scores, config, comparison=None, strategy=strategy)
    for chart in CHARTS:
        assert charts[chart].encode("utf-8") == (years / "2027-alone" / "charts" / f"{chart}.svg").read_bytes()
    page = (years / "2027-alone" / "review_pack.html").read_text(encoding="utf-8")
    assert 'id="change"' not in page and "Risk movement" not in page and "New this year" not in page


def test_the_comparison_is_reproducible(years, tmp_path):
    again = run(years / "returns-2027", tmp_path / "2027", "2027-04-30", "--no-pdf", "--previous", str(years / "2026"))
    assert again.exit_code == 0, again.output
    for name in ("review_pack.html", "results.json", "charts/risk_heat_map.svg"):
        assert (tmp_path / "2027" / name).read_bytes() == (years / "2027" / name).read_bytes(), name


@pytest.mark.slow  # kept out of `make test`'s three minutes; `make slow` (and CI) runs it
def test_the_pdf_shows_the_change(years, tmp_path):
    from pypdf import PdfReader

    result = run(years / "returns-2027", tmp_path / "2027", "2027-04-30", "--previous", str(years / "2026"))
    assert result.exit_code == 0, result.output
    text = "\n".join(page.extract_text() or "" for page in PdfReader(tmp_path / "2027" / "review_pack.pdf").pages)
    assert "Change since 2026" in text and "New this year" in text and "Risk movement" in text


@pytest.mark.parametrize(
    "setup, says",
    [
        (lambda folder: None, "is not a folder"),
        (lambda folder: folder.mkdir(), "has no results.json"),
        (
            lambda folder: (folder.mkdir(), (folder / "results.json").write_text("{broken", encoding="utf-8")),
            "cannot be read: it is cut short or damaged (line 1, character 2)",
        ),
        (  # cut short in a copy: said in words, not with the JSON reader's own ('Unterminated string ...')
            lambda folder: (
                folder.mkdir(),
                (folder / "results.json").write_text('{"year": 2026, "na', encoding="utf-8"),
            ),
            "cannot be read: it is cut short or damaged (line 1, character 16); copy it again",
        ),
        (
            lambda folder: (folder.mkdir(), (folder / "results.json").write_text('{"year": 2026}', encoding="utf-8")),
            "not a results file",
        ),
    ],
)
def test_an_unusable_previous_folder_is_a_one_line_error(years, tmp_path, setup, says):
    previous = tmp_path / "2026"
    setup(previous)
    result = run(years / "returns-2027", tmp_path / "out", "2027-04-30", "--no-pdf", "--previous", str(previous))
    assert result.exit_code == 2  # a usage error, in one line
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: --previous") and says in lines[0], result.output
    assert "Traceback" not in result.output and not (tmp_path / "out").exists()


@pytest.mark.parametrize("previous", [True, False])
def test_last_years_pack_is_never_written_over_by_this_years(years, tmp_path, previous):
    """`--out` naming last year's folder (the same as `--previous`, a slip of the year in the path)
    replaced the 2026 pack, the year's record for audit, with 2027's; it is refused and left whole."""
    import shutil

    last_year = tmp_path / "2026"
    shutil.copytree(years / "2026", last_year)
    before = {path: path.read_bytes() for path in last_year.rglob("*") if path.is_file()}
    extra = ("--previous", str(last_year)) if previous else ()
    result = run(years / "returns-2027", last_year, "2027-04-30", "--no-pdf", *extra)
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "holds the review pack of 2026" in lines[0], result.output
    assert {path: path.read_bytes() for path in last_year.rglob("*") if path.is_file()} == before


def test_last_years_results_with_only_the_contracts_fields_count_their_open_actions(years, tmp_path):
    """Last year's results.json holding only the contract's fields (another tool's, or one cut down),
    which count each partnership's actions by status without listing them: the pack said "No action
    was open at last year's review" (P-001, P-002 and P-003 had 5 open). It now says they cannot be
    followed one by one, with last year's count, in the summary, each profile and results.json."""
    data = json.loads((years / "2026" / "results.json").read_text(encoding="utf-8"))
    data["partnerships"] = [{key: entry[key] for key in RESULTS_PARTNERSHIP_FIELDS} for entry in data["partnerships"]]
    (tmp_path / "2026").mkdir()
    (tmp_path / "2026" / "results.json").write_text(json.dumps(data), encoding="utf-8")
    result = run(
        years / "returns-2027", tmp_path / "2027", "2027-04-30", "--no-pdf", "--previous", str(tmp_path / "2026")
    )
    assert result.exit_code == 0, result.output
    page = (tmp_path / "2027" / "review_pack.html").read_text(encoding="utf-8")
    assert "No action was open" not in plain(page)
    change = plain(between(page, 'id="change"', 'id="charts"'))
    assert (
        "Last year's results.json counts 5 improvement actions open at its review, in 3 partnerships, but does not "
        "list them one by one (it holds only the figures the results' contract names), so they cannot be followed "
        "to this year's."
    ) in change
    assert "Last year's results count 3 open actions for it but do not list them" in profile(page, "p2")
    record = json.loads((tmp_path / "2027" / "results.json").read_text(encoding="utf-8"))["change_since_previous"]
    assert (record["previous_open_actions"], record["carried_actions"], record["carried_actions_closed"]) == (
        5,
        None,
        None,
    )


def test_a_partnership_id_under_another_name_than_last_year_is_pointed_out(tmp_path):
    """The years are matched by Partnership ID: an ID given this year to another partnership (a new one
    registered under a free-looking ID) was compared with last year's as if one partnership, without a
    word. A name that differs from last year's (case and spaces aside) is now pointed out, in the pack
    and in results.json (`names_changed`); a rename is then confirmed, a reused ID given a new one."""
    write_workbook(tmp_path / "2026-in" / "p1.xlsx", partnership_id="P-001", register={"name": "Harbour Board"})
    write_workbook(tmp_path / "2026-in" / "p2.xlsx", partnership_id="P-002", register={"name": "Youth Forum"})
    assert run(tmp_path / "2026-in", tmp_path / "2026", "2026-04-30", "--no-pdf").exit_code == 0
    write_workbook(
        tmp_path / "2027-in" / "p1.xlsx",
        partnership_id="P-001",
        register={"name": "Town Centre Partnership", **NEXT_REVIEW},
    )
    write_workbook(
        tmp_path / "2027-in" / "p2.xlsx", partnership_id="p-002", register={"name": "YOUTH  forum", **NEXT_REVIEW}
    )
    result = run(
        tmp_path / "2027-in", tmp_path / "2027", "2027-04-30", "--no-pdf", "--previous", str(tmp_path / "2026")
    )
    assert result.exit_code == 0, result.output
    change = change_section(tmp_path / "2027")
    assert (
        "P-001 was named Harbour Board last year and is Town Centre Partnership this year: if they are not the same "
        "partnership, give this one a Partnership ID of its own, so that the years compare one partnership."
    ) in change
    assert "P-002 was named" not in change
    record = json.loads((tmp_path / "2027" / "results.json").read_text(encoding="utf-8"))["change_since_previous"]
    assert record["names_changed"] == [{"id": "P-001", "then": "Harbour Board", "now": "Town Centre Partnership"}]


@pytest.mark.parametrize(
    "edit",
    [
        lambda data: data["totals"]["rag"].update(Green="x"),
        lambda data: data.update(totals="x"),
        lambda data: data["partnerships"][0].update(history=-1),
    ],
)
def test_a_previous_results_file_with_a_value_of_another_kind_is_a_one_line_error(years, tmp_path, edit):
    """Valid JSON with a rating count that is text, or a history that is a number (edited by hand, or
    another tool's) ended the run in a Python traceback."""
    import json
    import shutil

    previous = tmp_path / "2026"
    shutil.copytree(years / "2026", previous)
    data = json.loads((previous / "results.json").read_text(encoding="utf-8"))
    edit(data)
    (previous / "results.json").write_text(json.dumps(data), encoding="utf-8")
    result = run(years / "returns-2027", tmp_path / "out", "2027-04-30", "--no-pdf", "--previous", str(previous))
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "--previous: the results.json of 2026 holds a value of another kind" in lines[0]
    assert "Traceback" not in result.output and not (tmp_path / "out").exists()


def test_rating_rules_changed_since_last_year_are_said_beside_the_movements(tmp_path):
    # The same return both years, only Red's threshold moved from 40% to 60%: the pack said the
    # partnership "got worse" and nothing of the change of rules.
    config_then, config_now = tmp_path / "then.toml", tmp_path / "now.toml"
    config_then.write_text("[rag]\nred_completeness_below = 0.4\n", encoding="utf-8")
    config_now.write_text("[rag]\nred_completeness_below = 0.6\n", encoding="utf-8")
    for year, config in ((2026, config_then), (2027, config_now)):
        write_workbook(
            tmp_path / f"{year}-in" / "p1.xlsx",
            partnership_id="P-001",
            checklist=blank(13),  # 16 of 29 answered: 55%, Red only under the new threshold
            register=NEXT_REVIEW if year == 2027 else {},
        )
        write_workbook(  # complete last year, 55% this year: it got worse whatever the rules
            tmp_path / f"{year}-in" / "p2.xlsx",
            partnership_id="P-002",
            checklist=blank(13) if year == 2027 else {},
            register=NEXT_REVIEW if year == 2027 else {},
        )
        extra = ("--previous", str(tmp_path / "2026")) if year == 2027 else ()
        result = run(
            tmp_path / f"{year}-in", tmp_path / str(year), f"{year}-04-30", "--no-pdf", "--config", str(config), *extra
        )
        assert result.exit_code == 0, result.output
    record = json.loads((tmp_path / "2027" / "results.json").read_text(encoding="utf-8"))["change_since_previous"]
    assert record["worse"] == ["P-001", "P-002"]
    assert record["settings_changed"] == [{"setting": "rag.red_completeness_below", "then": "0.4", "now": "0.6"}]
    # Last year's figures under this year's rules: P-001's would be Red too, so its move says more of the
    # rules than of the partnership; P-002's would be Amber, so it got worse.
    then_now = {item["id"]: item["rag_then_under_rules_now"] for item in record["partnerships"]}
    assert then_now == {"P-001": "Red", "P-002": "Amber"}
    change = change_section(tmp_path / "2027")
    assert "; under this year's rules, last year's figures would have been Red too" in change
    assert change.count("last year's figures would have been") == 1
    assert (
        "The rules for the ratings are not 2026's: Red for checklist completeness below 60% (40% in 2026). A "
        "rating below may have moved because of this alone, with nothing changed in the partnership: where "
        "last year's figures would have earned this year's rating under this year's rules, its line says so."
    ) in change


def test_the_published_words_agree_with_what_they_count(tmp_path):
    """Words the committee publishes: 'check whether each has ended' of one partnership; a caption
    saying partnerships are drawn in groups, and only some organisations, when neither is so; 'each
    shared organisation to the 2 partnerships it sits on'; a program's file name on the summary page."""
    for number in (1, 2):
        write_workbook(tmp_path / "2026-in" / f"p{number}.xlsx", partnership_id=f"P-00{number}")
    write_workbook(tmp_path / "2027-in" / "p1.xlsx", partnership_id="P-001", register=NEXT_REVIEW)
    assert run(tmp_path / "2026-in", tmp_path / "2026", "2026-04-30", "--no-pdf").exit_code == 0
    result = run(
        tmp_path / "2027-in", tmp_path / "2027", "2027-04-30", "--no-pdf", "--previous", str(tmp_path / "2026")
    )
    assert result.exit_code == 0, result.output
    first = plain((tmp_path / "2026" / "review_pack.html").read_text(encoding="utf-8"))
    assert "drawn in groups" not in first and "Only the organisations on most" not in first
    assert "joins each shared organisation to the 2 partnerships they sit on" in first
    assert "council funding a year to partnerships in scope and assessed" in first
    change = change_section(tmp_path / "2027")
    assert "Compared with the review of 2026" in change and "results.json" not in change
    assert "Check whether it has ended or its return is missing." in change
    # Read as the browser sets it (tags take no room): the sentence ran on from the list, "(was Amber).Check".
    page = (tmp_path / "2027" / "review_pack.html").read_text(encoding="utf-8")
    assert "(was Amber). Check whether it has ended" in " ".join(re.sub(r"<[^>]+>", "", page).split())


def test_no_new_and_no_ended_partnership_are_said_as_the_section_says_them(tmp_path):
    """The same partnerships both years: the summary's change at a glance said "0 new this year. 0 returned
    last year but not this year."; it now says no partnership is new, as its section does, and leaves out
    the ended when there are none."""
    for year in ("2026", "2027"):
        for number in (1, 2):
            register = {} if year == "2026" else NEXT_REVIEW
            write_workbook(
                tmp_path / f"{year}-in" / f"p{number}.xlsx", partnership_id=f"P-00{number}", register=register
            )
    assert run(tmp_path / "2026-in", tmp_path / "2026", "2026-04-30", "--no-pdf").exit_code == 0
    result = run(
        tmp_path / "2027-in", tmp_path / "2027", "2027-04-30", "--no-pdf", "--previous", str(tmp_path / "2026")
    )
    assert result.exit_code == 0, result.output
    page = (tmp_path / "2027" / "review_pack.html").read_text(encoding="utf-8")
    glance = plain(between(page, 'id="change-at-a-glance"', "names every partnership whose rating"))
    assert "kept their rating. No partnership is new this year. Change since 2026" in glance, glance
    assert "0 new" not in glance and "returned last year" not in glance
    change = change_section(tmp_path / "2027")
    assert "No partnership is new this year." in change
    assert "Every partnership that returned last year returned this year." in change


@pytest.mark.slow  # kept out of `make test`'s three minutes; `make slow` (and CI) runs it
def test_the_change_at_a_glance_is_on_one_page_of_the_pdf(tmp_path):
    """In the PDF of the demo's 30 partnerships compared with the year before, the summary's change at a
    glance split at a page's foot: its heading and ratings then and now on one page, their note and the
    counts on the next. It is now kept on one page."""
    from pypdf import PdfReader

    for year, as_of in (("2025", "2025-05-01"), ("2026", "2026-05-01")):
        made = CliRunner().invoke(cli, ["demo", "--out", str(tmp_path / f"{year}-in"), "--count", "30", "--year", year])
        assert made.exit_code == 0, made.output
        previous = ("--previous", str(tmp_path / "2025")) if year == "2026" else ("--no-pdf",)
        result = run(tmp_path / f"{year}-in", tmp_path / year, as_of, *previous)
        assert result.exit_code == 0, result.output
    pages = [page.extract_text() or "" for page in PdfReader(tmp_path / "2026" / "review_pack.pdf").pages]
    [ratings] = [number for number, text in enumerate(pages) if "Rating then (2025)" in text]
    on_it = " ".join(pages[ratings].split())
    for words in (
        "Change since 2025",  # the heading, then the table's caption (printed unseen) over its own headings
        "Ratings then and now Red Amber Green",
        "Rating now (2026)",
        "Each year's ratings are as its review pack gave them",
        "kept their rating. No partnership is new this year.",
    ):
        assert words in on_it, (words, ratings + 1)


def test_the_enlarged_movement_panel_has_no_band_ground_of_its_own(years):
    """The panel plotted average likelihood and average impact on the heat map's band cells, so a risk
    whose average score is Medium (the ranked risks and the movement table) sat on Low ground; the bands
    are left to the map beside it, whose colours it no longer repeats."""
    from pipeline.pack.palette import BAND_COLOURS

    marked = (years / "2027" / "charts" / "risk_heat_map.svg").read_text(encoding="utf-8").lower()
    alone = (years / "2027-alone" / "charts" / "risk_heat_map.svg").read_text(encoding="utf-8").lower()
    for colour in BAND_COLOURS.values():
        assert marked.count(colour.lower()) == alone.count(colour.lower()) > 0, colour


def test_no_partnership_in_both_years_is_said_not_counted_as_kept(tmp_path):
    """Every partnership new and every one of last year's ended (the IDs typed afresh): the change
    section said "No partnership's rating got worse" and "0 partnerships kept their rating. Each profile
    shows its rating ... then and now", while no profile has a "then"."""
    write_workbook(tmp_path / "2026-in" / "p1.xlsx", partnership_id="P-001")
    write_workbook(tmp_path / "2027-in" / "p1.xlsx", partnership_id="NEW-1", register=NEXT_REVIEW)
    assert run(tmp_path / "2026-in", tmp_path / "2026", "2026-04-30", "--no-pdf").exit_code == 0
    result = run(
        tmp_path / "2027-in", tmp_path / "2027", "2027-04-30", "--no-pdf", "--previous", str(tmp_path / "2026")
    )
    assert result.exit_code == 0, result.output
    change = change_section(tmp_path / "2027")
    assert (
        "No partnership was reviewed both this year and in 2026, so no rating can be compared: check whether "
        "the Partnership IDs were typed as in 2026's returns."
    ) in change
    assert "kept their rating" not in change and "got worse" not in change


def test_last_years_entry_out_of_scope_is_not_ended_in_results_json(tmp_path):
    """An entry out of scope last year with no return this year: the pack keeps it apart ("not
    expected again") but results.json counted it among the partnerships that ended, so a dashboard
    read from it gave two ended where the pack gave one."""
    write_workbook(tmp_path / "2026-in" / "p1.xlsx", partnership_id="P-001")
    write_workbook(tmp_path / "2026-in" / "p2.xlsx", partnership_id="P-002")
    write_workbook(tmp_path / "2026-in" / "p8.xlsx", partnership_id="P-008", register={"scope_outside_body": "Yes"})
    write_workbook(tmp_path / "2027-in" / "p1.xlsx", partnership_id="P-001", register=NEXT_REVIEW)
    assert run(tmp_path / "2026-in", tmp_path / "2026", "2026-04-30", "--no-pdf").exit_code == 0
    result = run(
        tmp_path / "2027-in", tmp_path / "2027", "2027-04-30", "--no-pdf", "--previous", str(tmp_path / "2026")
    )
    assert result.exit_code == 0, result.output
    record = json.loads((tmp_path / "2027" / "results.json").read_text(encoding="utf-8"))["change_since_previous"]
    assert (record["ended"], record["ended_out_of_scope"]) == (["P-002"], ["P-008"])
    assert "Returned last year but not this year (1):" in change_section(tmp_path / "2027")


@pytest.mark.slow  # kept out of `make test`'s three minutes; `make slow` (and CI) runs it
def test_an_id_two_partnerships_shared_then_given_to_one_is_followed_partnership_by_partnership(tmp_path):
    """Last year two partnerships returned P-017, and rollover asked that one be given a new ID; its
    officer used P-041, and P-027's officer typed P-042 by mistake. This year's pack then compared P-017
    with the other partnership's figures (its change table beside a trend of its own figures), told the
    right one to change its ID ("was named Westvale ... last year"), counted P-027's open actions as in
    a partnership with no return though they were followed under P-042, and rollover said so again. Each
    partnership is now followed as the history follows it: by its own return of the ID, and a changed ID
    takes its actions with it."""
    from pipeline.cycle.rollover import write_rollover

    westvale, millford = "Westvale Affordable Warmth", "Millford Employment and Skills Board"
    shaky = {question.ref: {"Status": catalogue.NO} for question in catalogue.QUESTIONS[:6]}
    later = {"review_completed_on": dt.date(2026, 4, 20)}  # Westvale's return counted for P-017
    write_workbook(tmp_path / "2026-in" / "w.xlsx", partnership_id="P-017", register={"name": westvale, **later})
    write_workbook(
        tmp_path / "2026-in" / "m.xlsx", partnership_id="P-017", register={"name": millford}, checklist=shaky
    )
    write_workbook(tmp_path / "2026-in" / "h.xlsx", partnership_id="P-027", register={"name": "Harbour Board"})
    assert run(tmp_path / "2026-in", tmp_path / "2026", "2026-04-30", "--no-pdf").exit_code == 0
    write_workbook(
        tmp_path / "2027-in" / "m.xlsx",
        partnership_id="P-017",
        register={"name": millford, **NEXT_REVIEW},
        checklist={},
    )
    write_workbook(tmp_path / "2027-in" / "w.xlsx", partnership_id="P-041", register={"name": westvale, **NEXT_REVIEW})
    write_workbook(
        tmp_path / "2027-in" / "h.xlsx", partnership_id="P-042", register={"name": "Harbour Board", **NEXT_REVIEW}
    )
    result = run(
        tmp_path / "2027-in", tmp_path / "2027", "2027-04-30", "--no-pdf", "--previous", str(tmp_path / "2026")
    )
    assert result.exit_code == 0, result.output
    results = json.loads((tmp_path / "2027" / "results.json").read_text(encoding="utf-8"))
    change = results["change_since_previous"]
    [p017] = [item for item in results["partnerships"] if item["id"] == "P-017"]
    [then] = [item for item in change["partnerships"] if item["id"] == "P-017" and item["status"] == "continuing"]
    assert then["assurance_then"] == p017["history"][0]["checklist_assurance"] < 1
    assert change["names_changed"] == []
    assert change["ids_changed"] == [{"new": "P-041", "ended": "P-017"}, {"new": "P-042", "ended": "P-027"}]
    # Whether last year's return counted, of each partnership that had one under its ID; none had for P-041.
    # P-041 is followed from P-017 (the ID another keeps), as one partnership: neither new nor ended.
    counted = {(item["id"], item["status"]): item["counted_then"] for item in change["partnerships"]}
    assert (counted["P-017", "continuing"], counted["P-041", "continuing"]) == (False, True)
    assert (change["new"], change["ended"]) == (["P-042"], ["P-027"])
    assert (change["carried_actions"], change["carried_actions_no_return"]) == (3, 0)
    assert sum(change["rag_then"].values()) == 2  # last year's ratings count P-017 once, as last year did
    section = change_section(tmp_path / "2027")
    assert "P-017 was named" not in section and "returned no workbook" not in section
    assert (
        "P-041 Westvale Affordable Warmth took a new Partnership ID this year, as rollover asked: last year it shared "
        "P-017 with Millford Employment and Skills Board, which keeps P-017." in section
    )
    assert "correct its Partnership ID to P-027" in section and "correct its Partnership ID to P-017" not in section
    summary = write_rollover(tmp_path / "2027" / "register.xlsx", tmp_path / "2028-out")
    assert summary.not_returned == ()
    # The partnership under its new ID shows the actions it took with it, as the summary says each profile does.
    p041 = profile((tmp_path / "2027" / "review_pack.html").read_text(encoding="utf-8"), "w")
    assert "Last year under Partnership ID P-017, which it shared with Millford Employment and Skills Board" in p041
    assert "Last year's open actions (1), and how each stands now" in p041


def test_a_figure_just_below_a_threshold_reads_below_it_in_the_years_too(tmp_path):
    """26 of 29 questions answered (89.7%) made a partnership Amber, 'below 90%': its key figures said
    89.7%, but its trend (words, table and chart) and the change tables said 90%, beside the rating
    it was given for being below 90%."""
    write_workbook(tmp_path / "2026-in" / "p1.xlsx", partnership_id="P-001")
    assert run(tmp_path / "2026-in", tmp_path / "2026", "2026-04-30", "--no-pdf").exit_code == 0
    blank = {question.ref: {"Status": None, "Evidence": None} for question in catalogue.QUESTIONS[:3]}
    write_workbook(tmp_path / "2027-in" / "p1.xlsx", partnership_id="P-001", register=NEXT_REVIEW, checklist=blank)
    result = run(
        tmp_path / "2027-in", tmp_path / "2027", "2027-04-30", "--no-pdf", "--previous", str(tmp_path / "2026")
    )
    assert result.exit_code == 0, result.output
    page = (tmp_path / "2027" / "review_pack.html").read_text(encoding="utf-8")
    words = plain(page)
    assert "checklist completeness 100% → 89.7%" in words  # the trend's words
    # The partnerships that got worse, with the change between the figures as shown (it said -10 points:
    # 100% less 89.7% is not 10 points, and the three figures did not add up).
    assert "100% → 89.7% -10.3 points" in plain(change_section(tmp_path / "2027"))
    section = profile(page, "p1")
    assert "Checklist completeness 100% → 89.7% -10.3 points" in section  # then and now
    assert re.search(r"2027 \w+ 89\.7%", section)  # the trend's table
    assert not re.search(r"\b90%", section)
    start = page.index('<article class="profile" id="p-p1-xlsx"')
    assert ">89.7%</text>" in page[start : page.index("</article>", start)]  # the trend chart's label


@pytest.mark.slow  # kept out of `make test`'s three minutes; `make slow` (and CI) runs it
def test_rollover_names_the_partnership_of_a_shared_id_that_sent_nothing_when_the_other_took_a_new_id(tmp_path):
    """Two partnerships shared P-027; this year one returned as P-041 and the other sent nothing, with
    open actions: rollover left both out of its 'no return' line, as the ID had changed."""
    from pipeline.cycle.rollover import write_rollover

    later = {"review_completed_on": dt.date(2026, 4, 20)}
    write_workbook(
        tmp_path / "2026-in" / "a.xlsx", partnership_id="P-027", register={"name": "Ashcombe Board", **later}
    )
    write_workbook(tmp_path / "2026-in" / "t.xlsx", partnership_id="P-027", register={"name": "Thornbury Forum"})
    assert run(tmp_path / "2026-in", tmp_path / "2026", "2026-04-30", "--no-pdf").exit_code == 0
    write_workbook(
        tmp_path / "2027-in" / "t.xlsx", partnership_id="P-041", register={"name": "Thornbury Forum", **NEXT_REVIEW}
    )
    result = run(
        tmp_path / "2027-in", tmp_path / "2027", "2027-04-30", "--no-pdf", "--previous", str(tmp_path / "2026")
    )
    assert result.exit_code == 0, result.output
    summary = write_rollover(tmp_path / "2027" / "register.xlsx", tmp_path / "2028-out")
    assert summary.not_returned == ("P-027 Ashcombe Board (1 open action)",)


@pytest.mark.slow  # kept out of `make test`'s three minutes; `make slow` (and CI) runs it
def test_last_years_ratings_in_results_json_are_last_years_packs_when_a_shared_ids_other_return_counts_now(tmp_path):
    """Two partnerships shared P-027 both years; last year one counted, this year the other: results.json's
    change_since_previous.rag_then lost last year's counted rating (its partnership has no change entry),
    disagreeing with ratings_then and last year's pack."""
    overdue = {"I14": {"Due date": dt.date(2025, 1, 1)}}  # Red at the 2026 review: overdue by over 90 days
    write_workbook(
        tmp_path / "2026-in" / "a.xlsx",
        partnership_id="P-027",
        register={"name": "Ashcombe Board", "review_completed_on": dt.date(2026, 4, 20)},
        improvement=overdue,
    )
    write_workbook(tmp_path / "2026-in" / "t.xlsx", partnership_id="P-027", register={"name": "Thornbury Forum"})
    assert run(tmp_path / "2026-in", tmp_path / "2026", "2026-04-30", "--no-pdf").exit_code == 0
    write_workbook(
        tmp_path / "2027-in" / "a.xlsx", partnership_id="P-027", register={"name": "Ashcombe Board", **NEXT_REVIEW}
    )
    later = {**NEXT_REVIEW, "review_completed_on": dt.date(2027, 4, 20)}
    write_workbook(
        tmp_path / "2027-in" / "t.xlsx", partnership_id="P-027", register={"name": "Thornbury Forum", **later}
    )
    result = run(
        tmp_path / "2027-in", tmp_path / "2027", "2027-04-30", "--no-pdf", "--previous", str(tmp_path / "2026")
    )
    assert result.exit_code == 0, result.output
    last_year = json.loads((tmp_path / "2026" / "results.json").read_text(encoding="utf-8"))["totals"]["rag"]
    change = json.loads((tmp_path / "2027" / "results.json").read_text(encoding="utf-8"))["change_since_previous"]
    assert change["rag_then"] == {name: count for name, count in last_year.items() if count} == {"Red": 1}


def _shared_id_years(tmp_path: Path) -> Path:
    """An Audit Committee reader's two years, cut down: in 2026 P-040 is Ashcombe's (counted) and
    Riverside's (not counted), and P-011 has an action whose status ('Done') cannot be read; rollover asks
    for a new ID, and in 2027 Riverside's officer gives P-060 while Ashcombe keeps P-040."""
    ashcombe, riverside = "Ashcombe Rural Transport Partnership", "Riverside Road Safety Partnership"

    def action(status: str, due: dt.date = dt.date(2026, 10, 31)) -> dict:
        return {
            "Answer": "No",
            "Action": "Agree a plan",
            "Action owner": "Ann",
            "Due date": due,
            "Action status": status,
        }

    def returns(folder: str, rows: list[tuple[str, str, dict, dict]]) -> None:
        for file, partnership_id, register, improvement in rows:
            write_workbook(
                tmp_path / folder / file,
                partnership_id=partnership_id,
                register=register,
                improvement=improvement,
                risks={"R01": LOW},
            )

    later = {"review_completed_on": dt.date(2026, 4, 20)}  # Ashcombe's return counts for P-040
    employment = "Employment Board"
    returns(
        "2026-in",
        [
            ("a.xlsx", "P-040", {"name": ashcombe, **later}, {"I05": action("In progress"), "I14": BLANK_ACTION}),
            (
                "P-060_riverside-road-safety-partnership.xlsx",
                "P-040",
                {"name": riverside},
                {"I01": action("In progress"), "I14": action("Not started")},
            ),
            ("e.xlsx", "P-011", {"name": employment}, {"I03": action("Done"), "I14": BLANK_ACTION}),
        ],
    )
    assert run(tmp_path / "2026-in", tmp_path / "2026", "2026-04-30", "--no-pdf").exit_code == 0
    rolled = CliRunner().invoke(
        cli,
        ["templates", "--out", str(tmp_path / "rolled"), "--from-register", str(tmp_path / "2026" / "register.xlsx")],
    )
    assert rolled.exit_code == 0, rolled.output
    (tmp_path / "rollover.txt").write_text(rolled.output, encoding="utf-8")
    overdue = action("In progress", dt.date(2026, 10, 31))  # more than 90 days overdue on 30 April 2027: Red
    returns(
        "2027-in",
        [
            ("a.xlsx", "P-040", {"name": ashcombe, **NEXT_REVIEW}, {"I05": action("Complete"), "I14": BLANK_ACTION}),
            ("r.xlsx", "P-060", {"name": riverside, **NEXT_REVIEW}, {"I01": action("Complete"), "I14": overdue}),
            ("e.xlsx", "P-011", {"name": employment, **NEXT_REVIEW}, {"I03": action("Complete"), "I14": BLANK_ACTION}),
        ],
    )
    result = run(
        tmp_path / "2027-in", tmp_path / "2027", "2027-04-30", "--no-pdf", "--previous", str(tmp_path / "2026")
    )
    assert result.exit_code == 0, result.output
    return tmp_path


@pytest.mark.slow  # kept out of `make test`'s three minutes; `make slow` (and CI) runs it
def test_a_partnership_given_a_new_id_as_rollover_asked_is_followed_into_it(tmp_path):
    """Two partnerships shared P-040; rollover asked for a new ID and Riverside's officer gave P-060,
    Ashcombe keeping P-040. The pack listed P-040 Riverside as returned last year but not this year and
    P-060 as new, left its fall from Green to Red out of 'got worse', its profile said 'New this year'
    and had no 'Over the years'. It is now one partnership followed from P-040 into P-060."""
    _shared_id_years(tmp_path)
    results = json.loads((tmp_path / "2027" / "results.json").read_text(encoding="utf-8"))
    change = results["change_since_previous"]
    assert (change["new"], change["ended"], change["worse"]) == ([], [], ["P-060"])
    assert change["ids_changed"] == [{"new": "P-060", "ended": "P-040"}]
    [p060] = [item for item in change["partnerships"] if item["id"] == "P-060"]
    assert (p060["status"], p060["id_then"], p060["rag_then"], p060["rag_now"]) == (
        "continuing",
        "P-040",
        "Green",
        "Red",
    )
    [riverside] = [item for item in results["partnerships"] if item["id"] == "P-060"]
    assert [(entry["year"], entry["rag"]) for entry in riverside["history"]] == [(2026, "Green"), (2027, "Red")]
    section = change_section(tmp_path / "2027")
    assert "Every partnership that returned last year returned this year." in section
    assert "No partnership is new this year." in section
    assert "P-060 Riverside Road Safety Partnership Green Red" in section  # among those that got worse
    assert (
        "P-060 Riverside Road Safety Partnership took a new Partnership ID this year, as rollover asked: last year "
        "it shared P-040 with Ashcombe Rural Transport Partnership, which keeps P-040. It is compared with its own "
        "return of last year, and its earlier years are in earlier packs under P-040."
    ) in section
    page = (tmp_path / "2027" / "review_pack.html").read_text(encoding="utf-8")
    p060_profile = profile(page, "r")
    assert "New this year" not in p060_profile and "Over the years" in p060_profile
    assert (
        "Last year under Partnership ID P-040, which it shared with Ashcombe Rural Transport Partnership"
        in p060_profile
    )
    assert "Last year's open actions (2), and how each stands now: 1 closed, 1 not closed." in p060_profile


@pytest.mark.slow  # kept out of `make test`'s three minutes; `make slow` (and CI) runs it
def test_last_years_open_actions_say_what_they_count_beyond_last_years_pack(tmp_path):
    """'4 improvement actions were open at last year's review' where last year's pack showed 1 open: the
    other 3 were the uncounted second return's and one whose status could not be read. The figure now
    says what it holds beyond last year's pack."""
    _shared_id_years(tmp_path)
    section = change_section(tmp_path / "2027")
    assert "4 improvement actions were open at last year's review" in section
    assert (
        "Last year's pack counted 1 open (not started or in progress); these 4 also hold 2 of a return not counted "
        "there (a second return of its Partnership ID) and 1 whose status could not be read ('Done'). Each profile"
    ) in section


@pytest.mark.slow  # kept out of `make test`'s three minutes; `make slow` (and CI) runs it
def test_rollover_names_the_workbook_it_writes_for_a_partnership_sharing_an_id(tmp_path):
    """templates --from-register named last year's return of Riverside
    (P-060_riverside-road-safety-partnership.xlsx) as 'its own workbook', where the workbook it wrote
    for it was P-040_riverside-road-safety-partnership.xlsx."""
    _shared_id_years(tmp_path)
    said = (tmp_path / "rollover.txt").read_text(encoding="utf-8")
    assert (tmp_path / "rolled" / "P-040_riverside-road-safety-partnership.xlsx").is_file()
    assert (
        "P-040 is the ID of 2 partnerships, each with its own workbook: 'Riverside Road Safety Partnership' in "
        "P-040_riverside-road-safety-partnership.xlsx (from last year's P-060_riverside-road-safety-partnership.xlsx) "
        "and 'Ashcombe Rural Transport Partnership' in P-040_ashcombe-rural-transport-partnership.xlsx (from last "
        "year's a.xlsx); give one of them a new ID"
    ) in said


# --- A year of many moves: the summary says how many, its own section lists them all ---------------


@pytest.fixture(scope="module")
def many_moves(tmp_path_factory) -> str:
    """The 2027 pack of tests/year_set.py's MOVES: 20 partnerships got worse, 8 of them now Red."""
    root = tmp_path_factory.mktemp("moves")
    first, second = write_years_of_moves(root)
    assert run(first, root / "2026", "2026-04-30", "--no-pdf").exit_code == 0
    result = run(second, root / "2027", "2027-04-30", "--no-pdf", "--previous", str(root / "2026"))
    assert result.exit_code == 0, result.output
    return (root / "2027" / "review_pack.html").read_text(encoding="utf-8")


@pytest.mark.slow  # kept out of `make test`'s three minutes; `make slow` (and CI) runs it
def test_a_year_of_many_moves_gives_the_summary_the_counts_and_the_worst_few(many_moves):
    """A big council's second year listed every move in the executive summary (158 partnerships got worse:
    7,468 px at 1280 px). The summary now counts them and names at most a few of those now Red."""
    summary_html = between(many_moves, 'id="summary"', 'id="change"')
    summary = plain(summary_html)
    assert f"{MOVES['worse']} partnerships got worse, {MOVES['now_red']} of them now Red" in summary
    from pipeline.pack.context import WORST_MOVES_NAMED

    named = re.findall(r"P-0\d\d Partnership \d+ \(Green to Red", summary)
    assert len(named) == WORST_MOVES_NAMED < MOVES["now_red"]
    assert f"and {MOVES['now_red'] - WORST_MOVES_NAMED} more now Red" in summary
    assert f"{MOVES['better']} improved" in summary and f"{MOVES['kept']} kept their rating" in summary
    assert f"{MOVES['new']} new this year" in summary
    assert f"{MOVES['ended']} returned last year but not this year" in summary
    assert "Rating then (2026) 0 2 28 0 0 30" in summary  # the ratings then and now stay at a glance
    assert 'id="moves-worse"' not in summary_html and "Partnership 9 " not in summary  # Green to Amber
    assert '<a href="#change">' in summary_html


@pytest.mark.slow  # kept out of `make test`'s three minutes; `make slow` (and CI) runs it
def test_a_year_of_many_moves_lists_every_one_in_its_own_section(many_moves):
    section = between(many_moves, '<section class="change" id="change"', "</section>")
    assert re.search(r"<h2>Change since 2026</h2>", section)
    assert section.count('<tr class="worse">') == MOVES["worse"]
    text = plain(section)
    for number in range(1, MOVES["worse"] + 1):
        assert f"P-{number:03} Partnership {number} Green " in text, number
    assert f"{MOVES['better']} improved: P-027 Partnership 27 (" in text
    assert "New this year (2): P-031 Partnership 31 (Green); P-032 Partnership 32 (Green)." in text
    assert "Returned last year but not this year (1): P-029 Partnership 29 (was Green)." in text


@pytest.mark.slow  # kept out of `make test`'s three minutes; `make slow` (and CI) runs it
def test_the_change_section_is_in_the_contents_after_the_summary(many_moves):
    contents = between(many_moves, 'class="contents"', "</nav>")
    lines = re.findall(r'<li><a href="#([a-z-]+)"[^>]*>([^<]+)</a>', contents)
    assert lines[:3] == [
        ("summary", "Executive summary"),
        ("change", "Change since 2026"),
        ("charts", "The year in pictures"),
    ]


@pytest.mark.slow  # kept out of `make test`'s three minutes; `make slow` (and CI) runs it
def test_the_change_section_has_a_bookmark_and_starts_a_page_of_the_pdf(years, tmp_path):
    from pypdf import PdfReader

    result = run(years / "returns-2027", tmp_path / "2027", "2027-04-30", "--previous", str(years / "2026"))
    assert result.exit_code == 0, result.output
    reader = PdfReader(tmp_path / "2027" / "review_pack.pdf")
    bookmarks = [item.title for item in reader.outline if not isinstance(item, list)]
    assert bookmarks[:3] == ["Executive summary", "Change since 2026", "The year in pictures"]
    pages = [page.extract_text() or "" for page in reader.pages]
    starts = [index for index, text in enumerate(pages) if text.startswith("Change since 2026\n")]
    assert len(starts) == 1 and reader.get_destination_page_number(reader.outline[1]) == starts[0]
    contents = pages[1]
    assert re.search(rf"Change since 2026[ .]*?{starts[0] + 1}\s*$", contents, flags=re.M), contents
