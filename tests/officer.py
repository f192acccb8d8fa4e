"""Workbooks filled the way an officer fills them, for tests.

`write_workbook(path, ...)` builds the real standard workbook (`pipeline.cycle.template.build_workbook`),
fills it through `pipeline.cycle.fill.fill` with a complete and valid return (`complete_answers()`: no
finding at all when validated as of `AS_OF`), applies the overrides given, and saves it. Overrides
use the shapes of `fill`: register values by field key, table cells by ref and header name; a value
of None blanks the cell. Example::

    write_workbook(tmp / "p1.xlsx", register={"id": "P-001", "council_role": "Boss"},
                   checklist={"1a": {"Status": None}}, risks={"R10": {"Risk": "Our own", "Likelihood": 5}})

`objectives=` answers the Objectives sheet by Ref; `council_objectives=` lists other objectives than
the default configuration's on it (each answered No unless `objectives=` says otherwise); `version=1` builds the previous template (no
Objectives sheet, no budget fields), filled with the same answers where it has the cells.

`edit=` takes a function called with the openpyxl workbook just before saving, for changes that are
not answers (renaming a sheet, moving a header, ...).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Callable, Mapping

from openpyxl.workbook.workbook import Workbook

from pipeline import catalogue
from pipeline.config import DEFAULT_OBJECTIVES, Objective
from pipeline.cycle.fill import fill
from pipeline.records import Value

#: The date complete_answers() is valid against: nothing is overdue on it.
AS_OF = dt.date(2026, 4, 30)


def complete_answers(partnership_id: str = "P-001") -> dict[str, dict]:
    """A complete, valid return: every field, question, area and risk answered, no finding as of AS_OF.

    Area I14 is answered No with a full action (owner, due date, In progress); risk R01 is High
    (4 x 4) with a mitigation.
    """
    register: dict[str, Value] = {
        "id": partnership_id,
        "name": f"Safer Communities Partnership {partnership_id}",
        "purpose": "Reduce crime and anti-social behaviour across the district.",
        "partners": "Police; Fire and Rescue Service; Probation Service",
        "lead_officer": "Sam Patel",
        "lead_officer_email": "sam.patel@council.gov.uk",
        "service_area": "Community Safety",
        "council_role": "Leading",
        "strategic_operational": "Strategic",
        "statutory_voluntary": "Statutory",
        "single_multi": "Multi organisation",
        "geographic_level": "Local",
        "legal_status": "No separate legal status",
        "objectives": "Safe and strong communities",
        "performance_method": "Quarterly performance report",
        "funding": 25000,
        "officer_days": 40,
        "councillor_days": 6,
        "start_date": dt.date(2015, 4, 1),
        "next_review": dt.date(2027, 3, 31),
        "review_completed_on": dt.date(2026, 4, 15),
        "review_completed_by": "Sam Patel",
        **{item.key: catalogue.NO for item in catalogue.SCOPE_FIELDS},
        "total_budget": 90000,
        "partner_contributions": 65000,
    }
    checklist = {
        question.ref: {
            "Status": catalogue.YES,
            "Evidence": f"Terms of reference, item {question.ref}",
            "Evidence location": "Shared drive / Partnerships",
        }
        for question in catalogue.QUESTIONS
    }
    improvement: dict[str, dict[str, Value]] = {area.ref: {"Answer": catalogue.YES} for area in catalogue.AREAS}
    improvement["I14"] = {
        "Answer": catalogue.NO,
        "Action": "Review the governance arrangements with partners",
        "Action owner": "Sam Patel",
        "Due date": dt.date(2026, 9, 30),
        "Action status": catalogue.IN_PROGRESS,
    }
    risks = {
        risk.ref: {"Likelihood": 2, "Impact": 2, "Mitigation": "Standing item at the board", "Owner": "Sam Patel"}
        for risk in catalogue.RISKS
    }
    risks["R01"] = {"Likelihood": 4, "Impact": 4, "Mitigation": "Quarterly performance review", "Owner": "Sam Patel"}
    objectives = {item.ref: {"Contributes": catalogue.NO} for item in DEFAULT_OBJECTIVES}
    objectives["O2"] = {
        "Contributes": catalogue.YES,
        "How": "Joint patrols and a shared plan against anti-social behaviour",
    }
    return {
        "register": register,
        "checklist": checklist,
        "improvement": improvement,
        "risks": risks,
        "objectives": objectives,
    }


def _merged(base: Mapping, overrides: Mapping | None, nested: bool) -> dict:
    merged = {key: dict(value) if nested else value for key, value in base.items()}
    for key, value in (overrides or {}).items():
        if nested:
            merged.setdefault(key, {}).update(value)
        else:
            merged[key] = value
    return merged


def filled_workbook(
    *,
    partnership_id: str = "P-001",
    register: Mapping | None = None,
    checklist: Mapping | None = None,
    improvement: Mapping | None = None,
    risks: Mapping | None = None,
    objectives: Mapping | None = None,
    version: int = catalogue.TEMPLATE_VERSION,
    council_objectives: tuple[Objective, ...] = DEFAULT_OBJECTIVES,
) -> Workbook:
    """The standard workbook filled with complete_answers() and the overrides, in memory."""
    from pipeline.cycle.template import build_workbook

    answers = complete_answers(partnership_id)
    if council_objectives != DEFAULT_OBJECTIVES:
        answers["objectives"] = {item.ref: {"Contributes": catalogue.NO} for item in council_objectives}
    fields = {item.key for item in catalogue.register_fields(version)}
    return fill(
        build_workbook(council_objectives, version=version),
        register={
            key: value for key, value in _merged(answers["register"], register, nested=False).items() if key in fields
        },
        checklist=_merged(answers["checklist"], checklist, nested=True),
        improvement=_merged(answers["improvement"], improvement, nested=True),
        risks=_merged(answers["risks"], risks, nested=True),
        objectives=_merged(answers["objectives"], objectives, nested=True) if version >= 2 else None,
    )


def write_workbook(
    path: Path,
    *,
    partnership_id: str = "P-001",
    register: Mapping | None = None,
    checklist: Mapping | None = None,
    improvement: Mapping | None = None,
    risks: Mapping | None = None,
    objectives: Mapping | None = None,
    version: int = catalogue.TEMPLATE_VERSION,
    council_objectives: tuple[Objective, ...] = DEFAULT_OBJECTIVES,
    edit: Callable[[Workbook], None] | None = None,
) -> Path:
    """Save a filled standard workbook at `path` (see the module docstring) and return the path."""
    from pipeline.files.xlsx import save

    workbook = filled_workbook(
        partnership_id=partnership_id,
        register=register,
        checklist=checklist,
        improvement=improvement,
        risks=risks,
        objectives=objectives,
        version=version,
        council_objectives=council_objectives,
    )
    if edit is not None:
        edit(workbook)
    save(workbook, Path(path))
    return Path(path)


def document_properties(path: Path) -> dict[str, str | None]:
    """A workbook's document properties as its docProps/core.xml holds them, by element name with its
    namespace's prefix ("dc:language"): what a screen reader and Excel's File > Info read."""
    import zipfile

    from lxml import etree

    prefixes = {
        "http://purl.org/dc/elements/1.1/": "dc",
        "http://purl.org/dc/terms/": "dcterms",
        "http://schemas.openxmlformats.org/package/2006/metadata/core-properties": "cp",
    }
    with zipfile.ZipFile(path) as archive:
        root = etree.fromstring(archive.read("docProps/core.xml"))
    return {f"{prefixes[etree.QName(item).namespace]}:{etree.QName(item).localname}": item.text for item in root}
