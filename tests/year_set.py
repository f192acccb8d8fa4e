"""A small year of returns for the pack and report tests, each built to a known rating.

Real workbooks from the real template (tests/officer.py), filled as officers would:

| file | ID | rating | why |
| --- | --- | --- | --- |
| p1-green.xlsx | P-001 | Green | complete, no High risk |
| p2-script.xlsx | P-002 | Red | 15 questions blank; its name holds a <script> |
| p3-contract.xlsx | P-003 | Out of scope | "Contract for service delivery" is Yes |
| p4-overdue.xlsx | P-004 | Red | an action 120 days overdue and an unmitigated High risk |
| p5-no-risks.xlsx | P-005 | Not assessed | its Risks sheet was deleted |
| notes.txt | | ignored | not a workbook |

`write_years_of_moves` writes two years of 30 partnerships with many moves (MOVES), for the change since
last year at a size where listing every move would drown the executive summary.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from officer import AS_OF, write_workbook

from pipeline import catalogue

SCRIPT_NAME = '<script>alert("pack")</script> Harbour Board'
EXPECTED_RAG = {"P-001": "Green", "P-002": "Red", "P-003": "Out of scope", "P-004": "Red", "P-005": "Not assessed"}


def write_year(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    low_r01 = {"R01": {"Likelihood": 2, "Impact": 2}}
    write_workbook(
        folder / "p1-green.xlsx",
        partnership_id="P-001",
        risks=low_r01,
        register={"service_area": "Economic Development", "funding": 10000, "officer_days": 12},
    )
    write_workbook(
        folder / "p2-script.xlsx",
        partnership_id="P-002",
        risks=low_r01,
        register={"name": SCRIPT_NAME},
        checklist={question.ref: {"Status": None, "Evidence": None} for question in catalogue.QUESTIONS[:15]},
    )
    write_workbook(
        folder / "p3-contract.xlsx",
        partnership_id="P-003",
        register={"scope_contract": "Yes", "name": "Leisure Centre Management Contract"},
    )
    write_workbook(
        folder / "p4-overdue.xlsx",
        partnership_id="P-004",
        register={"name": "Rural Transport Partnership", "funding": 50000},
        improvement={"I14": {"Due date": AS_OF - dt.timedelta(days=120)}},
        risks={"R05": {"Likelihood": 5, "Impact": 4, "Mitigation": None}},
    )
    write_workbook(
        folder / "p5-no-risks.xlsx",
        partnership_id="P-005",
        edit=lambda book: book.remove(book[catalogue.RISKS_SHEET.name]),
    )
    (folder / "notes.txt").write_text("Reminder: chase P-006.\n", encoding="utf-8")
    return folder


#: Two years of 30 partnerships with many moves (the shape of a big council's second year, small):
#: P-001..P-008 Green then Red (15 questions blank), P-009..P-020 Green then Amber (4 blank), P-021..P-026
#: and P-030 Green both years, P-027 and P-028 Amber then Green, P-029 returned in 2026 only, P-031 and
#: P-032 new in 2027 (Green). So 20 got worse (8 of them now Red), 2 improved, 7 kept their rating.
MOVES = {"worse": 20, "now_red": 8, "better": 2, "kept": 7, "new": 2, "ended": 1}


def write_years_of_moves(root: Path) -> tuple[Path, Path]:
    """The returns of 2026 and 2027 of MOVES, in root/returns-2026 and root/returns-2027."""
    blank = {question.ref: {"Status": None, "Evidence": None} for question in catalogue.QUESTIONS}
    no_action = {
        "I14": {"Answer": "Yes", "Action": None, "Action owner": None, "Due date": None, "Action status": None}
    }
    folders = []
    for year in (2026, 2027):
        folder = root / f"returns-{year}"
        review = {"review_completed_on": dt.date(year, 4, 15), "next_review": dt.date(year + 1, 3, 31)}
        numbers = [*range(1, 29), 30, 31, 32] if year == 2027 else range(1, 31)
        for number in numbers:
            left_blank = 0
            if year == 2027 and number <= 8:
                left_blank = 15
            elif (year == 2027 and number <= 20) or (year == 2026 and number in (27, 28)):
                left_blank = 4
            write_workbook(
                folder / f"p{number:02}.xlsx",
                partnership_id=f"P-{number:03}",
                register={"name": f"Partnership {number}", **review},
                checklist=dict(list(blank.items())[:left_blank]),
                risks={"R01": {"Likelihood": 2, "Impact": 2}},
                improvement=no_action,
            )
        folders.append(folder)
    return folders[0], folders[1]
