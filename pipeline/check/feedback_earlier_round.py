"""Taking an earlier round's marks off a returned feedback copy, in its package.

An officer corrects the feedback copy and returns it: it still carries our Findings sheet, our
comments and our red and amber fills. Before the new round's marks are made, `take_off` removes them
so that a corrected cell is no longer shown as wrong and nothing is shown twice:
- our Findings sheet (recognised by its title and header row, not only its name), with its part, its
  relationships, its content type, its entry in the workbook, the defined names scoped to it (print
  titles, filter range); the other sheets' scoped names and the workbook views are renumbered;
- our findings in every comment (the officer's own text on the same cell stays);
- our fills, each cell going back to the fill the standard template gives it.
Sheets and parts that carry none of these keep their bytes.
"""

from __future__ import annotations

import re

from typing import TYPE_CHECKING

from pipeline.check.feedback_comments import Notes
from pipeline.files.xlsx_package import Cells, Package, q

if TYPE_CHECKING:
    from pipeline.check.feedback_package import FindingsSheet, Ours

_STYLE = re.compile(rb'<(?:\w+:)?c\b[^>]*?\bs="([0-9]+)"')


def take_off(package: Package, notes: Notes, ours: Ours, findings: FindingsSheet) -> None:
    """Remove the marks `ours` describes, and a sheet like `findings`, from every sheet of `package`."""
    _remove_findings_sheets(package, findings)
    for part in notes.commented_sheets():
        notes.of(part).take_off(ours.comment_start, ours.comment_end)
    _restore_fills(package, ours)


def is_findings_sheet(package: Package, part: str, findings: FindingsSheet) -> bool:
    """Whether the sheet in `part` is a Findings sheet this tool wrote (its title and header row)."""
    cells = Cells(package.xml(part))
    row = findings.header_row
    headers = tuple(cells.text(package, row, column) for column in range(1, len(findings.headers) + 1))
    return cells.text(package, 1, 1) == findings.title and headers == tuple(findings.headers)


def _remove_findings_sheets(package: Package, findings: FindingsSheet) -> None:
    while True:
        for index, sheet in enumerate(package.sheets):
            named = sheet.name.casefold().startswith(findings.name.casefold())  # "Findings1" beside an officer's own
            if named and sheet.part and is_findings_sheet(package, sheet.part, findings):
                package.remove_sheet(index)
                break
        else:
            return


def _restore_fills(package: Package, ours: Ours) -> None:
    """Give every cell with one of our fills the template's fill for it."""
    marked = package.styles.solid_fills_of({ours.error_colour, ours.warning_colour})
    if not marked:
        return
    for sheet in package.sheets:
        if not sheet.part:
            continue
        if not package.is_parsed(sheet.part) and not any(
            int(style) in marked for style in _STYLE.findall(package.parts[sheet.part])
        ):
            continue
        root = package.xml(sheet.part)
        changed = False
        for cell in root.iter(q("c")):
            style = cell.get("s")
            if style is not None and style.isdigit() and int(style) in marked:
                fill = package.styles.fill(ours.template_fill(sheet.name, cell.get("r", "A1")))
                cell.set("s", str(package.styles.with_fill(int(style), fill)))
                changed = True
        if changed:
            package.changed(sheet.part)
