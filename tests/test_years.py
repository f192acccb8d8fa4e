"""The years side by side: three years' returns built to known answers, reported with `--previous`.

| ID | 2025 | 2026 | 2027 | built so |
| --- | --- | --- | --- | --- |
| P-001 | Red | Red | Red | 15 questions blank every year (completeness 48%): Red at 3 reviews running |
| P-002 | Green | Amber | Green | 5 questions blank in 2026 (83%) |
| P-003 | Red | Green | Red | Red twice, but not running: not listed |
| P-004 | - | - | Red | new in 2027: one review |

Money and time are the template's (£25,000 council funding, 40 officer days, £65,000 from partners)
but in 2025 (council funding £10,000, £20,000, £30,000) and 2026 (P-002 gives no council funding,
P-003 no officer days), so each year's summary gives other figures.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from officer import write_workbook
from tagged_pdf import figure_placements

from pipeline import catalogue
from pipeline.cli import cli

RATINGS = {
    2025: {"P-001": "Red", "P-002": "Green", "P-003": "Red"},
    2026: {"P-001": "Red", "P-002": "Amber", "P-003": "Green"},
    2027: {"P-001": "Red", "P-002": "Green", "P-003": "Red", "P-004": "Red"},
}
BLANKS = {"Red": 15, "Amber": 5, "Green": 0}
REGISTER = {
    2025: {"P-001": {"funding": 10000}, "P-002": {"funding": 20000}, "P-003": {"funding": 30000}},
    2026: {"P-002": {"funding": None}, "P-003": {"officer_days": None}},
    2027: {},
}


def returns(folder: Path, year: int) -> Path:
    dates = {"review_completed_on": dt.date(year, 4, 15), "next_review": dt.date(year + 1, 3, 31)}
    for partnership_id, rag in RATINGS[year].items():
        blank = {question.ref: {"Status": None, "Evidence": None} for question in catalogue.QUESTIONS[: BLANKS[rag]]}
        write_workbook(
            folder / f"{partnership_id}.xlsx",
            partnership_id=partnership_id,
            register={"name": f"Partnership {partnership_id[-1]}", **dates, **REGISTER[year].get(partnership_id, {})},
            checklist=blank,
            improvement={"I14": {"Due date": dt.date(year, 9, 30)}},
            risks={"R01": {"Likelihood": 2, "Impact": 2}},
        )  # no High risk: Green when complete
    return folder


def run(inputs: Path, out: Path, year: int, *previous: Path):
    args = ["report", str(inputs), "--out", str(out), "--as-of", f"{year}-04-30", "--no-pdf"]
    for folder in previous:
        args += ["--previous", str(folder)]
    return CliRunner().invoke(cli, args)


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    root = tmp_path_factory.mktemp("years")
    for year in RATINGS:
        returns(root / f"returns-{year}", year)
    for year, previous in ((2025, ()), (2026, (root / "packs" / "2025",))):
        result = run(root / f"returns-{year}", root / "packs" / str(year), year, *previous)
        assert result.exit_code == 0, result.output
    return root


def history(out: Path) -> dict:
    data = json.loads((out / "results.json").read_text(encoding="utf-8"))
    return {
        item["id"]: [(entry["year"], entry["rag"]) for entry in item["history"]] for item in data["partnerships"]
    }, data


@pytest.mark.parametrize("how", ["each year", "a folder of years", "last year alone, carrying its history"])
def test_every_way_of_giving_the_years_gives_the_same_history(root, tmp_path, how):
    packs = root / "packs"
    given = {
        "each year": (packs / "2025", packs / "2026"),
        "a folder of years": (packs,),
        "last year alone, carrying its history": (packs / "2026",),
    }[how]
    result = run(root / "returns-2027", tmp_path / "2027", 2027, *given)
    assert result.exit_code == 0, result.output
    found, data = history(tmp_path / "2027")
    assert found == {
        partnership_id: [(year, RATINGS[year][partnership_id]) for year in RATINGS if partnership_id in RATINGS[year]]
        for partnership_id in RATINGS[2027]
    }
    [p1] = [item for item in data["partnerships"] if item["id"] == "P-001"]
    assert p1["history"][0] == {
        "year": 2025,
        "rag": "Red",
        "checklist_completeness": round(14 / 29, 6),
        "checklist_assurance": 1.0,
    }
    assert data["history"]["red_for_two_reviews_or_more"] == ["P-001"]
    assert [
        (row["year"], row["rag"]["Red"], row["rag"]["Amber"], row["rag"]["Green"]) for row in data["history"]["years"]
    ] == [(2025, 2, 0, 1), (2026, 1, 1, 1), (2027, 3, 0, 1)]
    # The change since last year still compares with the latest earlier year.
    assert data["change_since_previous"]["previous_year"] == 2026


def test_the_pack_shows_the_years_and_each_trend(root, tmp_path):
    result = run(root / "returns-2027", tmp_path / "2027", 2027, root / "packs")
    assert result.exit_code == 0, result.output
    page = (tmp_path / "2027" / "review_pack.html").read_text(encoding="utf-8")
    years = page[page.index('id="years"') : page.index("</section>", page.index('id="years"'))]  # the summary's end
    assert '<caption id="rag-years">Ratings year by year</caption>' in years
    assert "Red at its last 3 reviews (2025, 2026, 2027)" in years and "P-003" not in years
    profile = page[page.index('id="p-p-002-xlsx"') :]
    profile = profile[: profile.index("</article>")]
    assert (
        "From 2025 to 2027: rating Green \u2192 Amber \u2192 Green; checklist completeness 100% \u2192 83% "
        "\u2192 100%; assurance 100% \u2192 100% \u2192 100%."
    ) in profile
    assert re.search(r"<caption [^>]*>Over the years: P-002 [^<]*</caption>", profile)  # named for a screen reader


def _money_rows(page: str) -> list[tuple[str, ...]]:
    table = page[page.index('<caption id="money-years">') :]
    table = table[: table.index("</table>")]
    return [
        tuple(re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S))
        for row in re.findall(r"<tr>(.*?)</tr>", table[table.index("<tbody>") :], re.S)
    ]


#: Each year's money and time as its own pack's summary gave them.
MONEY_ROWS = [
    ("2025", "3", "£60,000", "120", "£195,000", "£3.25 (3 partnerships)"),
    ("2026", "3", "£50,000, given by 2 of 3", "80, given by 2 of 3", "£130,000", "£2.60 (2 partnerships)"),
    ("2027", "4", "£100,000", "160", "£260,000", "£2.60 (4 partnerships)"),
]


def test_the_years_side_by_side_give_each_years_money_as_its_own_summary_gave_it(root, tmp_path):
    """Council funding, officer days, partners' money and what it is for each council pound, year by
    year: last year's folder alone carries the years before it."""
    summary = (root / "packs" / "2026" / "review_pack.html").read_text(encoding="utf-8")
    summary = summary[summary.index('id="summary"') : summary.index("<h3>Ratings</h3>")]
    assert (
        ">£50,000</span>" in summary
        and "council funding a year to partnerships in scope and assessed, given by 2 of 3" in summary
    )
    result = run(root / "returns-2027", tmp_path / "2027", 2027, root / "packs" / "2026")
    assert result.exit_code == 0, result.output
    assert _money_rows((tmp_path / "2027" / "review_pack.html").read_text(encoding="utf-8")) == MONEY_ROWS
    _, data = history(tmp_path / "2027")
    assert [
        (
            row["year"],
            row["totals"]["in_scope"],
            row["totals"]["funding"],
            row["totals"]["funding_given"],
            row["totals"]["officer_days"],
            row["totals"]["officer_days_given"],
            row["totals"]["leverage"]["per_council_pound"],
        )
        for row in data["history"]["years"]
    ] == [(2025, 3, 60000, 3, 120, 3, 3.25), (2026, 3, 50000, 2, 80, 2, 2.6), (2027, 4, 100000, 4, 160, 4, 2.6)]


def test_a_year_of_an_older_release_shows_its_money_as_not_given(root, tmp_path):
    """A results.json that does not hold a figure (an older release) gives it as not given, never £0."""
    packs = tmp_path / "packs"
    shutil.copytree(root / "packs", packs)
    path = packs / "2025" / "results.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    del data["totals"]["funding_given"], data["totals"]["leverage"]  # before either was written
    path.write_text(json.dumps(data), encoding="utf-8")
    result = run(root / "returns-2027", tmp_path / "given", 2027, packs / "2025", packs / "2026")
    assert result.exit_code == 0, result.output
    page = (tmp_path / "given" / "review_pack.html").read_text(encoding="utf-8")
    assert _money_rows(page) == [("2025", "3", "Not given", "120", "Not given", "Not given"), *MONEY_ROWS[1:]]
    _, data = history(tmp_path / "given")
    assert data["history"]["years"][0]["totals"]["funding"] is None
    # Last year's results.json of an older release carries its earlier years' ratings alone.
    path = packs / "2026" / "results.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    for row in data["history"]["years"]:
        del row["totals"]
    path.write_text(json.dumps(data), encoding="utf-8")
    result = run(root / "returns-2027", tmp_path / "carried", 2027, packs / "2026")
    assert result.exit_code == 0, result.output
    page = (tmp_path / "carried" / "review_pack.html").read_text(encoding="utf-8")
    assert _money_rows(page)[0] == ("2025", "Not given", "Not given", "Not given", "Not given", "Not given")
    assert _money_rows(page)[1:] == MONEY_ROWS[1:]


def test_without_earlier_years_each_partnership_has_this_year_only(root):
    found, data = history(root / "packs" / "2025")
    assert found["P-001"] == [(2025, "Red")]
    assert data["history"]["red_for_two_reviews_or_more"] == []
    page = (root / "packs" / "2025" / "review_pack.html").read_text(encoding="utf-8")
    assert 'id="years"' not in page and "Over the years" not in page


def test_a_year_that_cannot_be_read_stops_the_run_in_one_line(root, tmp_path):
    holder = tmp_path / "earlier"
    shutil.copytree(root / "packs", holder)
    (holder / "2024").mkdir()
    (holder / "2024" / "results.json").write_text("{broken", encoding="utf-8")
    result = run(root / "returns-2027", tmp_path / "2027", 2027, holder)
    lines = result.output.strip().splitlines()
    assert result.exit_code == 2 and len(lines) == 1 and "2024" in lines[0] and "cannot be read" in lines[0]
    assert not (tmp_path / "2027").exists()


def test_the_same_year_given_twice_is_refused_in_one_line(root, tmp_path):
    shutil.copytree(root / "packs" / "2026", tmp_path / "copy-of-2026")
    result = run(root / "returns-2027", tmp_path / "2027", 2027, root / "packs" / "2026", tmp_path / "copy-of-2026")
    lines = result.output.strip().splitlines()
    assert result.exit_code == 2 and len(lines) == 1 and "both the review of 2026" in lines[0]


def _profile(page: str, anchor: str) -> str:
    profile = page[page.index(f'id="{anchor}"') :]
    return profile[: profile.index("</article>")]


def test_each_profile_draws_its_years_as_a_small_trend(root, tmp_path):
    """An image for every reader: named, described by its figures, the ratings in words, the marks
    told apart by line and shape; the table stays as the data; the same bytes every run."""
    pages = []
    for run_name in ("one", "two"):
        result = run(root / "returns-2027", tmp_path / run_name, 2027, root / "packs")
        assert result.exit_code == 0, result.output
        pages.append((tmp_path / run_name / "review_pack.html").read_text(encoding="utf-8"))
    profile = _profile(pages[0], "p-p-002-xlsx")
    svg = re.search(r'<svg [^>]*class="trend-chart".*?</svg>', profile, flags=re.S).group(0)
    root_tag = svg[: svg.index(">")]
    assert 'role="img"' in root_tag and 'aria-labelledby="p-p-002-xlsx-trend-title"' in root_tag
    assert 'aria-describedby="p-p-002-xlsx-trend-desc"' in root_tag
    assert '<title id="p-p-002-xlsx-trend-title">Over the years: P-002 Partnership 2</title>' in svg
    assert (
        '<desc id="p-p-002-xlsx-trend-desc">From 2025 to 2027: rating Green \u2192 Amber \u2192 Green; '
        "checklist completeness 100% \u2192 83% \u2192 100%; assurance 100% \u2192 100% \u2192 100%.</desc>"
    ) in svg
    words = re.findall(r"<text [^>]*>([^<]*)</text>", svg)
    assert ["2025", "Green", "2026", "Amber", "2027", "Green"] == [
        word for word in words if word in ("2025", "2026", "2027", "Green", "Amber")
    ]
    assert words.count("83%") == 1 and "Checklist completeness" in words and "Assurance" in words
    assert "<circle" in svg and "<rect" in svg and 'stroke-dasharray="5 3"' in svg  # marks and lines, not colour
    assert re.search(r"<caption [^>]*>Over the years: P-002 [^<]*</caption>", profile)  # the table stays
    assert _profile(pages[1], "p-p-002-xlsx") == profile
    assert 'class="trend-chart"' not in _profile(pages[0], "p-p-004-xlsx")  # one review: nothing to draw


@pytest.mark.slow  # kept out of `make test`'s three minutes; `make slow` (and CI) runs it
def test_the_trend_is_a_figure_with_its_figures_in_the_tagged_pdf(root, tmp_path):
    import subprocess
    import sys

    import page as page_checker
    import pikepdf

    out = tmp_path / "2027"
    result = CliRunner().invoke(
        cli,
        [
            "report",
            str(root / "returns-2027"),
            "--out",
            str(out),
            "--as-of",
            "2027-04-30",
            "--previous",
            str(root / "packs"),
        ],
    )
    assert result.exit_code == 0, result.output
    with pikepdf.open(out / "review_pack.pdf") as pdf:
        stack, figures = list(pdf.Root.StructTreeRoot.K), []
        while stack:
            element = stack.pop()
            if element.get("/S") == "/Figure":
                figures.append(str(element.get("/Alt", "")))
            stack.extend(
                kid
                for kid in element.get("/K", [])
                if isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/StructElem"
            )
    assert (
        "Over the years: P-002 Partnership 2. From 2025 to 2027: rating Green \u2192 Amber \u2192 Green; checklist "
        "completeness 100% \u2192 83% \u2192 100%; assurance 100% \u2192 100% \u2192 100%."
    ) in figures
    assert sum(alt.startswith("Over the years: ") for alt in figures) == 3  # P-001 to P-003; P-004 is new
    # Each figure boxed where it is drawn, in PDF points (WeasyPrint wrote CSS pixels from the top).
    for page, (left, bottom, right, top), drawn_at, _ in figure_placements(out / "review_pack.pdf"):
        assert drawn_at == pytest.approx((left, top), abs=0.01) and bottom < top, page
    report = page_checker.validate_pdf(out / "review_pack.pdf", profile="ua1")
    assert report.is_compliant, [(failure.rule_id, failure.message) for failure in report.failures][:10]
    found = subprocess.run(
        [sys.executable, "-m", "pdfua", "check", "--format", "json", str(out / "review_pack.pdf")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    checked = json.loads(found.stdout)
    assert (found.returncode, checked["summary"]["errors"], checked["summary"]["warnings"]) == (0, 0, 0), checked[
        "findings"
    ][:5]


def _table_rows(page: str, caption_id: str) -> list[list[str]]:
    """The rows of a table, each the text of its cells."""
    table = page[page.index(f'id="{caption_id}"') :]
    table = table[: table.index("</table>")]
    return [
        [
            " ".join(re.sub(r"<[^>]+>", " ", cell).split())
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        ]
        for row in re.findall(r"<tr>(.*?)</tr>", table, flags=re.S)
    ]


def _row(page: str, caption_id: str, heading: str) -> list[str]:
    return next(row[1:] for row in _table_rows(page, caption_id) if row[0] == heading)


@pytest.mark.slow  # kept out of `make test`'s three minutes; `make slow` (and CI) runs it
def test_last_years_ratings_read_the_same_in_every_table_when_an_id_came_twice(tmp_path):
    """An ID returned twice is counted once in a pack's figures; next year's pack shows that year's
    ratings as its pack gave them, in the change since last year as in the years side by side."""
    first, second = returns(tmp_path / "returns-2026", 2026), returns(tmp_path / "returns-2027", 2027)
    write_workbook(  # a second return of P-003 by mistake, for another body, out of scope
        first / "P-003-other.xlsx",
        partnership_id="P-003",
        register={"name": "Another body", "scope_informal_group": "Yes"},
    )
    assert run(first, tmp_path / "2026", 2026).exit_code == 0
    result = run(second, tmp_path / "2027", 2027, tmp_path / "2026")
    assert result.exit_code == 0, result.output

    own = (tmp_path / "2026" / "review_pack.html").read_text(encoding="utf-8")
    own_ratings = _table_rows(own, "rag-split")[-1]  # Red, Amber, Green, Out of scope, Not assessed
    page = (tmp_path / "2027" / "review_pack.html").read_text(encoding="utf-8")
    then, side_by_side = _row(page, "rag-change", "Rating then (2026)"), _row(page, "rag-years", "2026")
    assert then == side_by_side == [*own_ratings, "3"]  # and the total
    assert _row(page, "rag-change", "Rating now (2027)") == _row(page, "rag-years", "2027")


def test_a_year_run_again_with_the_folder_of_years_compares_with_the_year_before(root, tmp_path):
    """`--previous output` once output/2027 exists (the year run again after officers' corrections):
    this year's own earlier run is not "last year"."""
    packs = tmp_path / "output"
    shutil.copytree(root / "packs", packs)
    for _ in range(2):
        result = run(root / "returns-2027", packs / "2027", 2027, packs)
        assert result.exit_code == 0, result.output
    _, data = history(packs / "2027")
    assert data["change_since_previous"]["previous_year"] == 2026
    assert [row["year"] for row in data["history"]["years"]] == [2025, 2026, 2027]
    assert "Change since 2026" in (packs / "2027" / "review_pack.html").read_text(encoding="utf-8")


def test_a_later_year_given_as_the_previous_one_is_refused_in_one_line(root, tmp_path):
    result = run(root / "returns-2025", tmp_path / "2025", 2025, root / "packs" / "2026")
    lines = result.output.strip().splitlines()
    assert result.exit_code == 2 and len(lines) == 1, result.output
    assert "2026" in lines[0] and "before 2025" in lines[0]
    assert not (tmp_path / "2025").exists()


def two_years(root: Path) -> tuple[dict, str]:
    """The reports of root/returns-2026 and root/returns-2027 (with 2026 as --previous): the 2027
    change since last year, and the 2027 pack's text."""
    assert run(root / "returns-2026", root / "2026", 2026).exit_code == 0
    result = run(root / "returns-2027", root / "2027", 2027, root / "2026")
    assert result.exit_code == 0, result.output
    change = json.loads((root / "2027" / "results.json").read_text(encoding="utf-8"))["change_since_previous"]
    page = (root / "2027" / "review_pack.html").read_text(encoding="utf-8")
    return change, re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))


@pytest.mark.slow  # kept out of `make test`'s three minutes; `make slow` (and CI) runs it
def test_a_partnership_whose_id_was_typed_differently_is_pointed_out(tmp_path):
    """P-001 returned as 'P001' this year reads as one partnership ended and another new: the pack says
    they share a name and asks for the ID to be corrected, so that the years are matched."""
    for year, partnership_id in ((2026, "P-001"), (2027, "P001")):
        folder = tmp_path / f"returns-{year}"
        folder.mkdir()
        write_workbook(folder / "safer.xlsx", partnership_id=partnership_id, register={"name": "Safer  Streets"})
        write_workbook(folder / "other.xlsx", partnership_id="P-002", register={"name": "Youth Forum"})
    change, page = two_years(tmp_path)
    assert change["ids_changed"] == [{"new": "P001", "ended": "P-001"}]
    assert (
        "P001 has the name of last year's P-001 (Safer Streets): if it is the same partnership, correct its "
        "Partnership ID to P-001, so that the years are matched."
    ) in page


@pytest.mark.slow  # kept out of `make test`'s three minutes; `make slow` (and CI) runs it
def test_last_years_file_returned_again_is_pointed_out(tmp_path):
    """An officer who sends last year's workbook again (the very bytes) has not done this year's review:
    the change since last year names the file, and results.json records it."""
    last, this = tmp_path / "returns-2026", tmp_path / "returns-2027"
    for folder in (last, this):
        folder.mkdir()
    write_workbook(last / "P-001 safer streets.xlsx", partnership_id="P-001", register={"name": "Safer Streets"})
    write_workbook(last / "P-002.xlsx", partnership_id="P-002", register={"name": "Youth Forum"})
    shutil.copy(last / "P-001 safer streets.xlsx", this / "P-001 returned.xlsx")
    write_workbook(this / "P-002.xlsx", partnership_id="P-002", register={"name": "Youth Forum", "funding": 1000})
    change, page = two_years(tmp_path)
    assert change["returned_unchanged"] == [{"file": "P-001 returned.xlsx", "last_year": "P-001 safer streets.xlsx"}]
    assert (
        "P-001 returned.xlsx is the very file returned last year (P-001 safer streets.xlsx), unchanged: "
        "ask its officer for this year's review."
    ) in page


def _plain(html: str) -> str:
    """The text a reader sees: inline tags dropped, others read as a space, spaces collapsed."""
    inline = re.sub(r"</?(?:strong|a|span|code|em)\b[^>]*>", "", html)
    return " ".join(re.sub(r"<[^>]+>", " ", inline).replace("&#39;", "'").split())


@pytest.mark.parametrize("given", ["a folder of years", "last year alone"])
def test_a_partnership_back_after_a_year_without_a_return_is_not_new(root, tmp_path, given):
    """P-002 was reviewed in 2025, sent no return in 2026 and is back in 2027: the 2027 pack called it
    "New this year" while its years showed 2025. It had no return last year but one in 2025, and the
    pack and results.json say so; P-004, never seen before, is still new. Given last year's folder
    alone, P-002 was new and its 2025 review lost: 2026's results.json did not mention it, as it had
    no return that year. It now carries the years of every partnership seen before with no return."""
    packs = tmp_path / "packs"
    shutil.copytree(root / "packs" / "2025", packs / "2025")
    gap = shutil.copytree(root / "returns-2026", tmp_path / "returns-2026")
    (gap / "P-002.xlsx").unlink()
    assert run(gap, packs / "2026", 2026, packs).exit_code == 0
    previous = packs if given == "a folder of years" else packs / "2026"
    result = run(root / "returns-2027", tmp_path / "2027", 2027, previous)
    assert result.exit_code == 0, result.output

    found, data = history(tmp_path / "2027")
    assert found["P-002"] == [(2025, "Green"), (2027, "Green")]
    change = data["change_since_previous"]
    assert (change["new"], change["back"], change["ended"]) == (["P-004"], ["P-002"], [])
    p2 = next(item for item in change["partnerships"] if item["id"] == "P-002")
    assert (p2["status"], p2["last_review"], p2["rag_then"]) == ("back", 2025, None)
    page = (tmp_path / "2027" / "review_pack.html").read_text(encoding="utf-8")
    summary = _plain(page[page.index('id="change"') : page.index('id="charts"')])
    assert "New this year (1): P-004 Partnership 4 (Red)." in summary
    assert (
        "No return last year, but one in an earlier year (1): P-002 Partnership 2 (Green; last reviewed in 2025)."
        in (summary)
    )
    profile = _plain(_profile(page, "p-p-002-xlsx"))
    assert "No return last year, but one in 2025 (its last review before this one)." in profile
    assert "New this year" not in profile
    assert "New this year" in _plain(_profile(page, "p-p-004-xlsx"))


def test_years_without_a_return_are_carried_from_year_to_year():
    """A partnership Red in 2025, with no return in 2026 or 2027, is back and Red in 2028, each year
    run with the year before alone: it is back, with its 2025 review, and Red at two reviews running
    (a year without a return has no review). Each year's results carry it under `no_return`."""
    from pipeline.cycle.compare import compare
    from pipeline.cycle.history import add_history

    def year(number: int, *ids: str, earlier: dict | None = None) -> dict:
        data = {
            "year": number,
            "partnerships": [{"id": key, "name": f"Partnership {key}", "rag": "Red"} for key in ids],
            "totals": {"rag": {"Red": len(ids)}},
        }
        add_history(data, [earlier] if earlier else [])
        return data

    first = year(2025, "P-1", "P-9")
    second = year(2026, "P-1", earlier=first)
    third = year(2027, "P-1", earlier=second)
    fourth = year(2028, "P-1", "P-9", earlier=third)
    assert [(item["id"], [entry["year"] for entry in item["history"]]) for item in third["history"]["no_return"]] == [
        ("P-9", [2025])
    ]
    [p9] = [item for item in fourth["partnerships"] if item["id"] == "P-9"]
    assert [(entry["year"], entry["rag"]) for entry in p9["history"]] == [(2025, "Red"), (2028, "Red")]
    assert fourth["history"]["red_for_two_reviews_or_more"] == ["P-1", "P-9"]
    assert fourth["history"]["no_return"] == []
    assert [change.id for change in compare(fourth, third).back] == ["P-9"]


@pytest.fixture(scope="module")
def two_years_without(root, tmp_path_factory):
    """P-003, Red in 2025, sends no return in 2026 or 2027; each year is run with the year before."""
    gap = tmp_path_factory.mktemp("no-return")
    shutil.copytree(root / "packs" / "2025", gap / "packs" / "2025")
    for year in (2026, 2027):
        returned = shutil.copytree(root / f"returns-{year}", gap / f"returns-{year}")
        (returned / "P-003.xlsx").unlink()
        result = run(returned, gap / "packs" / str(year), year, gap / "packs" / str(year - 1))
        assert result.exit_code == 0, result.output
    return gap


def _years_section(out: Path) -> str:
    page = (out / "review_pack.html").read_text(encoding="utf-8")
    return _plain(page[page.index('id="years"') : page.index('id="charts"')])


@pytest.mark.parametrize("given", ["each year", "last year alone"])
def test_results_give_a_partnership_without_a_return_its_last_review_and_the_years_since(
    two_years_without, tmp_path, given
):
    """P-003 was reviewed in 2025 and sent nothing in 2026 or 2027. The 2026 pack said it was returned
    last year but not this year; 2027's results.json had it under `history.no_return` with its 2025
    figures alone, nothing saying it was missing for the second year running. Each partnership there
    now has its `last_review` and `years_without_return`, and those without one for two years or more
    are listed, however the earlier years are given."""
    packs = two_years_without / "packs"
    previous = (packs / "2025", packs / "2026") if given == "each year" else (packs / "2026",)
    result = run(two_years_without / "returns-2027", tmp_path / "2027", 2027, *previous)
    assert result.exit_code == 0, result.output
    _, data = history(tmp_path / "2027")
    assert [
        (item["id"], item["last_review"], item["years_without_return"]) for item in data["history"]["no_return"]
    ] == [("P-003", 2025, [2026, 2027])]
    assert data["history"]["no_return_for_two_years_or_more"] == ["P-003"]
    # The first year without a return is not yet two: that year's change says it (returned last year).
    _, last_year = history(packs / "2026")
    assert [(item["id"], item["years_without_return"]) for item in last_year["history"]["no_return"]] == [
        ("P-003", [2026])
    ]
    assert last_year["history"]["no_return_for_two_years_or_more"] == []


def test_the_pack_names_a_partnership_without_a_return_for_two_years(two_years_without):
    """The 2027 pack said nothing of P-003 anywhere: not returned last year either, it was not in the
    change since last year, and the years side by side showed only the split. It now names it, with
    the years without a return and its last review and rating."""
    packs = two_years_without / "packs"
    assert (
        "No return for two years or more P-003 Partnership 3: no return for 2 years running (2026, 2027); "
        "last reviewed in 2025 (Red). Check whether it has ended or its returns are missing"
    ) in _years_section(packs / "2027")
    assert "No partnership has gone two years or more without a return." in _years_section(packs / "2026")


def test_rollover_names_a_partnership_without_a_return_for_two_years(two_years_without, tmp_path):
    """Rolled over from 2027's register, next year's workbooks left P-003 out without a word (the
    command named only those returned the year before): it names it, and where its actions are."""
    from pipeline.cycle.rollover import write_rollover

    lines = write_rollover(two_years_without / "packs" / "2027" / "register.xlsx", tmp_path / "2028").summary_lines()
    assert (
        "Not rolled over, no return for two years or more: P-003 Partnership 3 (none since the 2025 review). "
        "Their open actions and own risks are in the register.xlsx of their last review: for any still "
        "running, roll over from it too."
    ) in lines


@pytest.mark.slow  # kept out of `make test`'s three minutes; `make slow` (and CI) runs it
def test_a_second_return_of_an_id_keeps_its_own_years(tmp_path):
    """Two partnerships returned under P-003 in 2026 (Partnership 3 counted, "Another body" out of scope)
    and again in 2027, with a third, "Third body": each 2027 profile showed the counted return's 2026
    figures as its own. Each return now has its own earlier figures, matched by name; a return whose
    name no return of the ID had that year has no figures for it, and its profile says why."""
    first, second = returns(tmp_path / "returns-2026", 2026), returns(tmp_path / "returns-2027", 2027)
    for folder, year, name in ((first, 2026, "Another  BODY"), (second, 2027, "another body")):
        write_workbook(
            folder / "P-003-other.xlsx",
            partnership_id="P-003",
            register={"name": name, "scope_informal_group": "Yes", "review_completed_on": dt.date(year, 3, 1)},
        )
    write_workbook(
        second / "P-003-third.xlsx",
        partnership_id="P-003",
        register={"name": "Third body", "review_completed_on": dt.date(2027, 3, 1)},
    )
    assert run(first, tmp_path / "2026", 2026).exit_code == 0
    result = run(second, tmp_path / "2027", 2027, tmp_path / "2026")
    assert result.exit_code == 0, result.output

    data = json.loads((tmp_path / "2027" / "results.json").read_text(encoding="utf-8"))
    years = {item["file"]: item["history"] for item in data["partnerships"]}
    assert [(entry["year"], entry["rag"]) for entry in years["P-003.xlsx"]] == [(2026, "Green"), (2027, "Red")]
    assert [(entry["year"], entry["rag"]) for entry in years["P-003-other.xlsx"]] == [
        (2026, "Out of scope"),
        (2027, "Out of scope"),
    ]
    assert [entry["year"] for entry in years["P-003-third.xlsx"]] == [2027]
    left_out = {item["file"]: item["history_left_out"] for item in data["partnerships"]}
    assert left_out["P-003-third.xlsx"] == [{"year": 2026, "names": ["Partnership 3", "Another BODY"]}]
    assert left_out["P-003.xlsx"] == left_out["P-003-other.xlsx"] == []
    page = (tmp_path / "2027" / "review_pack.html").read_text(encoding="utf-8")
    other = _plain(_profile(page, "p-p-003-other-xlsx"))
    assert "rating Out of scope \u2192 Out of scope" in other and "Green" not in other
    third = _plain(_profile(page, "p-p-003-third-xlsx"))
    assert (
        "2026 is not shown: that year Partnership ID P-003 was returned only under other names (Partnership 3; "
        "Another BODY), so none of that year's figures are this partnership's."
    ) in third


def test_a_long_rating_under_the_last_year_stays_inside_the_trend():
    # 'Out of scope' under the last year ran off the picture's right edge and read 'Out of scop'.
    from pipeline.pack.trend import WIDTH, trend_svg

    entries = [
        {"year": 2025, "rag": "Not assessed", "checklist_completeness": None, "checklist_assurance": None},
        {"year": 2026, "rag": "Out of scope", "checklist_completeness": None, "checklist_assurance": None},
    ]
    svg = trend_svg(entries, ident="t", title="Over the years", description="")
    for x, anchor, text in re.findall(r'<text x="([\d.]+)"[^>]*text-anchor="(\w+)">(Out of scope|Not assessed)<', svg):
        width = len(text) * 12 * 0.6  # bold 12-unit DejaVu Sans: about 0.6 of its size a character
        left = {"start": float(x), "middle": float(x) - width / 2, "end": float(x) - width}[anchor]
        assert 0 <= left and left + width <= WIDTH, (text, x, anchor)


def test_a_partnership_out_of_scope_every_year_has_no_empty_trend(tmp_path):
    """Out of scope both years: its profile drew an 'Over the years' chart of axes and a legend with
    nothing plotted. It has no chart; its words and table still give its rating each year."""
    for year in (2026, 2027):
        write_workbook(
            tmp_path / f"in-{year}" / "p1.xlsx",
            register={"scope_outside_body": "Yes", "review_completed_on": dt.date(year, 4, 15)},
        )
    assert run(tmp_path / "in-2026", tmp_path / "2026", 2026).exit_code == 0
    result = run(tmp_path / "in-2027", tmp_path / "2027", 2027, tmp_path / "2026")
    assert result.exit_code == 0, result.output
    page = (tmp_path / "2027" / "review_pack.html").read_text(encoding="utf-8")
    profile = page[page.index('class="profile"') :]
    trend = profile[profile.index("Over the years") : profile.index("</table>", profile.index("Over the years"))]
    assert "<svg" not in trend and "Out of scope" in trend
    assert "rating Out of scope \u2192 Out of scope" in _plain(trend)
