"""What the pack and the rollover say of the strategy's content follows the catalogue: a risk added to
`pipeline.catalogue.RISKS` or a band renamed changes every sentence that counts or names them. Each
test changes the catalogue (monkeypatch) and reads what a real run writes from real workbooks."""

from __future__ import annotations

import datetime as dt
import html as markup
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner
from officer import AS_OF, write_workbook

from pipeline import catalogue
from pipeline.check.assess import assess_folder
from pipeline.cli import cli
from pipeline.config import Config
from pipeline.pack.chart_figures import chart_figures

NEXT_YEAR = {"next_review": dt.date(2028, 3, 31), "review_completed_on": dt.date(2027, 4, 15)}
MEDIUM_RISK = {"Likelihood": 3, "Impact": 3}
OWN_RISK = {"Ref": "R10", "Risk": "Our venue closes", "Likelihood": 2, "Impact": 3, "Mitigation": "A second venue"}


def invoke(*args: str) -> str:
    result = CliRunner().invoke(cli, [*args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def plain(html: str) -> str:
    return markup.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


@pytest.fixture
def eight_risks(monkeypatch):
    """The strategy as it would be with one risk fewer: eight, R01 to R08 (R09's row is then the
    officer's own)."""
    monkeypatch.setattr(catalogue, "RISKS", catalogue.RISKS[:8])


def test_the_pack_and_the_rollover_count_and_name_the_strategys_risks_as_the_catalogue_has_them(
    tmp_path: Path, eight_risks
):
    write_workbook(tmp_path / "2026" / "p1.xlsx", partnership_id="P-001", risks={"R01": {"Likelihood": 2, "Impact": 2}})
    write_workbook(
        tmp_path / "2027" / "p1.xlsx",
        partnership_id="P-001",
        register=NEXT_YEAR,
        risks={"R01": {"Likelihood": 5, "Impact": 5}, "R10": OWN_RISK},
    )
    invoke("report", str(tmp_path / "2026"), "--out", str(tmp_path / "pack-2026"), "--as-of", "2026-04-30", "--no-pdf")
    invoke(
        "report",
        str(tmp_path / "2027"),
        "--out",
        str(tmp_path / "pack-2027"),
        "--as-of",
        "2027-04-30",
        "--no-pdf",
        "--previous",
        str(tmp_path / "pack-2026"),
    )
    html = (tmp_path / "pack-2027" / "review_pack.html").read_text(encoding="utf-8")
    words = plain(html)
    assert "nine risks" not in words
    for said in (
        "The strategy's eight risks, ranked",  # the chart's heading
        "The strategy's eight risks ranked by their average score",  # its text alternative
        "The eight risks of working in partnership named in the strategy",  # its caption
        "the strategy's eight risks sit, enlarged",  # the heat map's caption, with movement
        "labelled R01 to R08",
        "The strategy's eight risks by their average score",  # the Risk movement table
        "Average score of each of the strategy's eight risks, then and now",
    ):
        assert said in words, said
    # The method names the bands from the catalogue and the configured limits.
    assert "Low up to 4, Medium up to 12, High above." in words
    svg = (tmp_path / "pack-2027" / "charts" / "risk_heat_map.svg").read_text(encoding="utf-8")
    assert "R01\u2013R09" not in svg and "nine" not in svg

    rolled = invoke(
        "templates",
        "--from-register",
        str(tmp_path / "pack-2027" / "register.xlsx"),
        "--out",
        str(tmp_path / "2028"),
        "--year",
        "2028",
    )
    assert "officers added below R08" in rolled, rolled
    assert "R09" not in rolled


def test_a_renamed_band_is_named_in_the_heat_maps_description(tmp_path: Path, monkeypatch):
    """The description counted risks by band names typed in it ("Medium", "High"): a band renamed in the
    catalogue was counted as none."""
    for number in (1, 2):
        write_workbook(tmp_path / f"p{number}.xlsx", partnership_id=f"P-00{number}", risks={"R02": MEDIUM_RISK})
    monkeypatch.setattr(catalogue, "MEDIUM", "Moderate")
    monkeypatch.setattr(catalogue, "HIGH", "Severe")
    monkeypatch.setattr(catalogue, "RISK_BANDS", (catalogue.LOW, "Moderate", "Severe"))
    config = Config()
    scores = assess_folder(tmp_path, config, as_of=AS_OF).scores
    bands = Counter(risk.band for score in scores for risk in score.risks)
    assert set(bands) == {"Low", "Moderate", "Severe"}, bands
    summary = chart_figures(scores, config)["risk_heat_map"].summary
    assert (
        f"{bands['Low']} Low (score 1 to 4), {bands['Moderate']} Moderate (5 to 12) and {bands['Severe']} Severe "
        "(over 12)." in summary
    ), summary
    assert "The Severe risks: 2 at likelihood 4 and impact 4." in summary, summary
    assert "Medium" not in summary and "High" not in summary


#: Imports the project with a fifteenth area of practice added to the catalogue before anything reads
#: it (as an edit of catalogue.py would), and prints the README's rule table.
FIFTEEN_AREAS = """
import sys
from pipeline import catalogue
catalogue.AREAS = (*catalogue.AREAS, catalogue.Area("I15", "Whether partners can share data lawfully."))
catalogue.IMPROVEMENT_ROWS = {area.ref: catalogue.IMPROVEMENT.first_row + n for n, area in enumerate(catalogue.AREAS)}
sys.path.insert(0, "docs")
import readme_tables
print(readme_tables.rules())
"""


def test_the_rule_table_names_the_last_area_and_its_row_from_the_catalogue():
    """It said "an action under I14", "(row 15)" and "(I01 to I14)" by hand: a fifteenth area left it
    sending officers to I14's row."""
    root = Path(__file__).parents[1]
    table = subprocess.run(
        [sys.executable, "-c", FIFTEEN_AREAS], cwd=root, capture_output=True, text=True, check=True
    ).stdout
    row = next(line for line in table.splitlines() if line.startswith("| `sheet.other_table` |"))
    assert "an action under I15" in row
    assert "last area of practice of the Improvement sheet (row 16)" in row
    assert "(I01 to I15)" in row
    assert "I14" not in row and "row 15" not in row
