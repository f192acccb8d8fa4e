"""What partners put in for each council pound, on returns built to known answers (template version 2).

| ID | council funding | partner contributions | total budget | leverage | built so |
| --- | ---: | ---: | ---: | --- | --- |
| P-001 | 25,000 | 60,000 | | 2.4 | partners' money as given |
| P-002 | 10,000 | (blank) | 35,000 | 2.5 | from the total less the council's part |
| P-003 | 0 | 5,000 | | none | the council puts in no money |
| P-004 | (blank) | 5,000 | | none | council funding not given |
| P-005 | 20,000 | "lots" | | none | partner contributions cannot be read |
| P-006 | 40,000 | (blank) | 30,000 | none | the total is less than the council's own funding |
| P-007 | 5,000 | 1,000 | | 0.2 | out of scope: not counted |

Total over P-001 and P-002: (60,000 + 25,000) / (25,000 + 10,000) = 2.43. P-003 and P-004 say what
partners put in (£5,000 each) with no council funding to set it against: their partners' money is shown,
never a figure per council pound.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from officer import write_workbook

from pipeline import catalogue
from pipeline.cli import cli

ANSWERS = {
    "P-001": {"funding": 25000, "partner_contributions": 60000},
    "P-002": {"funding": 10000, "partner_contributions": None, "total_budget": 35000},
    "P-003": {"funding": 0, "partner_contributions": 5000},
    "P-004": {"funding": None, "partner_contributions": 5000},
    "P-005": {"funding": 20000, "partner_contributions": "lots"},
    "P-006": {"funding": 40000, "partner_contributions": None, "total_budget": 30000},
    "P-007": {"funding": 5000, "partner_contributions": 1000, catalogue.SCOPE_FIELDS[3].key: "Yes"},
}


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    root = tmp_path_factory.mktemp("leverage")
    for partnership_id, register in ANSWERS.items():
        write_workbook(
            root / "returns" / f"{partnership_id}.xlsx",
            partnership_id=partnership_id,
            register={"total_budget": None, **register},
        )
    result = CliRunner().invoke(
        cli, ["report", str(root / "returns"), "--out", str(root / "out"), "--as-of", "2026-04-30", "--no-pdf"]
    )
    assert result.exit_code == 0, result.output
    return root / "out"


def results(run: Path) -> dict:
    return json.loads((run / "results.json").read_text(encoding="utf-8"))


def test_each_partnership_leverage_or_null(run):
    found = {item["id"]: item["leverage"] for item in results(run)["partnerships"]}
    assert found == {
        "P-001": 2.4,
        "P-002": 2.5,
        "P-003": None,
        "P-004": None,
        "P-005": None,
        "P-006": None,
        "P-007": None,
    }


def test_the_reason_is_given_when_there_is_none(run):
    reasons = {item["id"]: item["leverage_reason"] for item in results(run)["partnerships"]}
    assert "no money" in reasons["P-003"]
    assert "'Annual council funding (£)' is not given" in reasons["P-004"]
    assert "'Partner contributions (£)' cannot be read" in reasons["P-005"]
    assert "less than the council's own funding" in reasons["P-006"]
    assert "out of scope" in reasons["P-007"]
    assert "Total partnership budget" in reasons["P-002"]


def test_the_total_counts_only_partnerships_with_a_leverage(run):
    total = results(run)["totals"]["leverage"]
    assert total == {
        "per_council_pound": 2.43,
        "council": 35000.0,
        "partners": 85000.0,
        "partnerships": 2,
        "without": 4,
        "partners_only": {"partnerships": 2, "partners": 10000.0},
    }


def test_partners_money_is_kept_when_the_council_puts_in_none(run):
    """A partnership the council puts nothing into, or whose council funding is not given, still says
    what the partners put in: results.json carries it beside the leverage it cannot have."""
    found = {item["id"]: item["partners_money"] for item in results(run)["partnerships"]}
    assert found == {
        "P-001": 60000.0,
        "P-002": 25000.0,
        "P-003": 5000.0,
        "P-004": 5000.0,
        "P-005": None,
        "P-006": None,
        "P-007": None,
    }


def test_the_pack_says_it_and_why_not(run):
    page = (run / "review_pack.html").read_text(encoding="utf-8")
    start = page.index('id="leverage"')
    block = " ".join(page[start : page.index('<ul class="leverage-reasons">', start)].split())
    assert (
        "Across the 2 partnerships that the council funds and that say what the other partners put in, partners "
        "put in £2.43 for each £1 of council funding (£85,000 against £35,000 a year). A further 2 partnerships "
        "say what the other partners put in (£10,000 a year) but give no council funding to set it against "
        "(none, or a figure not given or that cannot be read), so no figure per council pound."
    ) in html.unescape(block)
    assert "In all, 4 partnerships have no figure" in block
    profile = page[page.index('id="p-p-006-xlsx"') :]
    assert "less than the council's own funding" in html.unescape(profile[: profile.index("</article>")])
    profile = html.unescape(page[page.index('id="p-p-003-xlsx"') :])
    assert (
        "cannot be worked out: the council puts in no money, so there is no council pound to compare with; "
        "partners put in £5,000 a year."
    ) in " ".join(profile[: profile.index("</article>")].split())


def _figure(page: str, name: str) -> str:
    start = page.index(f'id="chart-{name}"')
    return html.unescape(page[start : page.index("</figure>", start)])


def test_the_resources_chart_draws_council_and_partners_money_and_says_the_leverage(run):
    """The money panel: the council's funding then the partners' money, for the partnerships with most
    money, the council's and the partners' together (those the council puts nothing into by their
    partners' money, as the title says); each labelled with partners' money per council pound, or
    shortly why not (never drawn as nothing); the words and the data table give the same, with the
    partners' money wherever given and the reason when there is no figure."""
    svg = (run / "charts" / "resources_vs_assurance.svg").read_text(encoding="utf-8")
    labels = [html.unescape(text) for text in re.findall(r"<text [^>]*>([^<]*)</text>", svg)]
    said = ("per council £1", "not known", "no council funding", "council funding not")
    assert [label for label in labels if any(words in label for words in said)] == [
        "£2.40 per council £1",
        "partners' money not known",
        "£2.50 per council £1",
        "partners' money not known",
        "no council funding",
        "council funding not given",
    ]
    assert "Partners' money" in labels and "Council funding" in labels
    figure = " ".join(_figure((run / "review_pack.html").read_text(encoding="utf-8"), "resources_vs_assurance").split())
    assert (
        "partners put in £2.43 for each £1 of council funding (£85,000 against £35,000 a year). A further 2 "
        "partnerships say what the other partners put in (£10,000 a year) but give no council funding to set it "
        "against (none, or a figure not given or that cannot be read), so no figure per council pound. In all, 4 "
        "partnerships have no such figure; the table says why for each."
    ) in figure
    assert (
        "The lower panel shows the 6 partnerships with most money a year, the council's funding then the partners' "
        "money (hatched), labelled with partners' money per council pound where the council funds it: P-001 "
        "£25,000 and £60,000 (£2.40); P-006 £40,000 and partners' money not known; P-002 £10,000 and £25,000 "
        "(£2.50); P-005 £20,000 and partners' money not known; P-003 £0 and £5,000 (no council funding); P-004 "
        "\u2014 and £5,000 (council funding not given)."
    ) in figure
    rows = {
        cells[0]: cells[-2:]
        for cells in (
            re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row) for row in re.findall(r"<tr>(.*?)</tr>", figure, flags=re.S)
        )
        if cells
    }
    by_id = {key.split()[0]: value for key, value in rows.items() if key.startswith("P-")}
    assert by_id["P-001"] == ["£60,000", "£2.40"]
    assert by_id["P-003"] == [
        "£5,000",
        "none: the council puts in no money, so there is no council pound to compare with",
    ]
    assert by_id["P-004"] == ["£5,000", "none: 'Annual council funding (£)' is not given"]
    assert by_id["P-005"] == ["\u2014", "none: 'Partner contributions (£)' cannot be read"]
