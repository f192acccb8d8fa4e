"""The README's tables that restate the code, generated from it: `make docs` rewrites them (with cog),
and `make test` fails when README.md is out of date (`cog --check`)."""

from __future__ import annotations

import re

from pipeline import catalogue
from pipeline.cycle.register import SHEETS
from pipeline.config import FRACTIONS, MAX_OBJECTIVES, RANGES, Config
from pipeline.findings import FILE_LEVEL_RULES, RULES
from pipeline.values import in_words


def _flatten(data: dict, prefix: str = "") -> list[tuple[str, object]]:
    rows: list[tuple[str, object]] = []
    for key, value in data.items():
        nested = isinstance(value, dict) and value
        rows += _flatten(value, f"{prefix}{key}.") if nested else [(prefix + key, value)]
    return rows


#: What a configuration key means, where its name alone would not say.
EXPLAINED = {
    "duplication.min_shared_organisations": "partner organisations two partnerships must both name to be a "
    "possible duplication",
    "duplication.min_purpose_similarity": "how alike their purposes must read, 0 to 1",
    "duplication.near_identical": "how alike, letter by letter (common words such as Partnership left out), two "
    "names must be to make a possible duplication whatever partners they share, 0 to 1",
    "organisation_aliases": "a table of name = name meant",
    "pdf_profiles_per_chunk": "profiles rendered to a part of the PDF, to bound memory; 0: the whole pack as one part",
}


#: What a message's placeholder stands for, where its name alone would not say (by rule, then name).
PLACEHOLDERS = {
    "file.unsupported_format": {"format": "a or an format"},
    "file.too_large": {
        "reason": 'what is wrong: "The file is too large to be a completed review workbook (<size>)" '
        "for a size over its limit; for a cell beyond the rows and columns allowed, a cell "
        "longer than Excel allows or a read that takes too long, what it is"
    },
    "sheet.missing": {
        "fix": 'what to do: "Copy your answers into a fresh copy of the standard template, which has every '
        'sheet, and do not delete or rename its sheets."; when a sheet '
        "of another name reads much like it: \"A sheet named 'Risk register' is there instead: give it back "
        "its name, 'Risks'.\""
    },
    "sheet.layout": {
        "problem": 'what happened, e.g. "The row of question 1d was deleted"; for a Ref or a header typed over '
        "or out of place: \"Expected '1d' here\"",
        "fix": 'how to undo it, e.g. "To put it back, insert a row below the row of question 1c (row 4); in the '
        "new row 5, type 1d in A5 and the template's words for it in C5: \u201c<the question>\u201d, then answer it "
        'again. Or copy your answers into a fresh template."; for columns inserted or '
        "deleted, one finding: \"A column was inserted at column C, before 'Answer': delete column C.\"; "
        "for a header typed over: \"The header was changed: change it back to 'Action'.\"; for other "
        'headers out of place: "Rows, columns or headers of the standard template have been moved, '
        'renamed or deleted: copy your answers into a fresh template."',
    },
    "register.missing": {"said": "for text that only says there is none: \": 'TBC' does not answer it\""},
    "action.no_owner": {"said": "for text that only says there is none: \": 'TBC' does not name anyone\""},
    "register.review_overdue": {
        "fix": 'what to do: "Complete the review and set the next review date."; when this review was completed '
        'in the year up to that date, or after it, by the as-of date: "This review was completed on 01/03/2026, before then: set '
        'the date of the next one (usually a year after this one)." (", before then" only when it was)'
    },
    "register.duplicate_id": {"other": "the other files of the ID, each with the partnership it names"},
    "register.date_formula": {
        "changes": 'for a formula of today\'s date: ", so its date changes each time the workbook is saved"'
    },
    "action.date_formula": {
        "changes": 'for a formula of today\'s date: ", so it changes each time the workbook is saved"'
    },
    "sheet.rows_moved": {
        "problem": 'what happened, e.g. "A row was inserted above the row of risk R04 in the Risks sheet (row 5)"',
        "fix": 'undo it, e.g. "delete row 5", "sort the table by its first column (Ref)"',
    },
    "sheet.other_table": {
        "found": '"Another table starts" (below the risks or the objectives); below the Register, Checklist or '
        'Improvement: "A second copy of the table starts", "An action is typed" (or "2 actions are typed, the '
        'first"), "Something is typed"',
        "table": f'e.g. "risk register", "last {catalogue.IMPROVEMENT.row} of the {catalogue.IMPROVEMENT.name} '
        f'sheet (row {catalogue.IMPROVEMENT_ROWS[catalogue.AREAS[-1].ref]})"',
        "unread": '"it is not read as risks" (or objectives), "it is not read", "it is not read or counted" (actions)',
        "fix": '"Move it to a sheet of its own."; for a copy of the table: "A workbook holds one partnership\'s '
        "review: give another partnership a workbook of its own, and put this partnership's answers in the rows "
        f'above."; for actions: "Put each action in the row of the {catalogue.IMPROVEMENT.row} it answers '
        f'({catalogue.AREAS[0].ref} to {catalogue.AREAS[-1].ref})."; '
        "otherwise: \"Put this partnership's answers in the row of their question, and anything else on a sheet of "
        'its own."',
    },
    "sheet.merged_cells": {
        "what": 'whose cells, e.g. "The answers of rows 2 to 4 in column D (Status)", "The Status and Evidence of row 6"',
        "cells": 'the merged range, e.g. "D2:D4"',
        "first": 'e.g. "row 2\'s", "the Status"',
        "fix": '"answer each question in its own cell" (field, objective, area of practice, risk), or for one row "put each answer in its own cell"',
    },
}


def _escaped(text: str) -> str:
    return text.replace("<", "&lt;").replace(">", "&gt;")


def rules() -> str:
    """Every rule code: severity, when it fires, and what the officer is told (`<...>` filled in)."""
    lines = ["| rule | severity | when | what the officer is told to do |", "| --- | --- | --- | --- |"]
    for rule in RULES.values():
        explained = PLACEHOLDERS.get(rule.code, {})
        told = re.sub(r"\{(\w+)\}", lambda match: _escaped(f"<{explained.get(match[1], match[1])}>"), rule.template)
        lines.append(f"| `{rule.code}` | {rule.severity} | {rule.when} | {told} |")
    return "\n".join(lines) + "\n"


def not_assessed() -> str:
    """Which rules' errors make a workbook Not assessed (`findings.FILE_LEVEL_RULES`), in the table's order."""
    codes = [f"`{code}`" for code in RULES if code in FILE_LEVEL_RULES]
    return (
        f"An error of {', '.join(codes[:-1])} or {codes[-1]} (the file, or one of its sheets, cannot be read as "
        "the standard template) makes that workbook *Not assessed*; the batch always goes on.\n"
    )


def _allowed(key: str) -> str:
    """What a setting may be, as `pipeline.config.check_ranges` checks it."""
    if key in RANGES:
        lowest, highest = RANGES[key]
        return f"{lowest:,} to {highest:,}"
    if key in FRACTIONS:
        return "0 to 1"
    if key.startswith("scoring.risk_"):
        return "1 to 24, low below medium"
    if key in ("council_name", "pack_title"):
        return "text, not blank"
    return ""


def configuration() -> str:
    """Every configuration key with its default; the lists (the council's objectives, the significance
    tiers) are set out in sections of their own below the table."""
    config = Config().as_dict()
    objectives, tiers = config.pop("objectives"), config.pop("significance")["tiers"]
    lines = ["| key | default | allowed |", "| --- | --- | --- |"]
    for key, value in _flatten(config):
        shown = f"`{value!r}`" if value != {} else "none"
        lines.append(f"| `{key}` | {shown}{f' ({EXPLAINED[key]})' if key in EXPLAINED else ''} | {_allowed(key)} |")
    count = in_words(len(objectives))
    lines.append(f"| `objectives` | `[objectives]`: the {count} below | 1 to {MAX_OBJECTIVES} |")
    names = [tier["name"] for tier in tiers]
    lines.append(f"| `significance.tiers` | `[[significance.tiers]]`: {', '.join(names)} below | at least 1 |")
    return "\n".join(lines) + "\n"


def register_sheets() -> str:
    """register.xlsx's sheets in the order written, each with its columns (`pipeline.cycle.register.SHEETS`);
    the Register sheet's register fields by their first and last, as the template gives them all."""
    fields = [item.label for item in catalogue.REGISTER_FIELDS]
    lines = []
    for sheet, _, headers in SHEETS:
        if tuple(headers[: len(fields)]) == tuple(fields):
            rest = ", ".join(f"`{header}`" for header in headers[len(fields) :])
            columns = (
                f"the {len(fields)} register fields in the template's order (`{fields[0]}` to `{fields[-1]}`), "
                f"then {rest}"
            )
        else:
            columns = ", ".join(f"`{header}`" for header in headers)
        lines.append(f"- *{sheet}*: {columns}")
    return "\n".join(lines) + "\n"
