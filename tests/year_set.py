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
