"""The Findings sheet of a feedback copy, added to the workbook's package as its first sheet.

It lists every finding of the workbook (title, instruction, a header row, one row a finding with a
link to its cell), selected and shown first, with its print titles and filter range as defined names
scoped to it. The other sheets' scoped names and the workbook views move along one place.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from xml.sax.saxutils import escape, quoteattr

from lxml import etree

from pipeline.files.fast_xlsx import FORMULA_STARTS
from pipeline.files.xlsx_package import (
    MAIN,
    REL,
    WORKSHEET_CONTENT,
    WORKSHEET_TYPE,
    Package,
    Styles,
    clean_text,
    column_letters,
    q,
)

if TYPE_CHECKING:
    from pipeline.check.feedback_package import FindingsSheet


def add_findings_sheet(package: Package, findings: FindingsSheet, fills: dict[bool, int]) -> None:
    """Add `findings` as the first sheet; `fills` are the red (True) and amber (False) fill ids."""
    taken = {sheet.name.casefold() for sheet in package.sheets}
    name, number = findings.name, 0
    while name.casefold() in taken:  # an officer's own sheet of that name stays
        number += 1
        name = f"{findings.name}{number}"
    part = package.unused("xl/worksheets/sheet{}.xml")
    package.put(part, _findings_xml(findings, package.styles, fills), WORKSHEET_CONTENT)
    rel_id = package.add_rel("xl/workbook.xml", WORKSHEET_TYPE, part)
    sheets = package.book.find(q("sheets"))
    ids = [int(sheet.get("sheetId", "0")) for sheet in sheets if sheet.get("sheetId", "").isdigit()]
    element = etree.Element(q("sheet"), nsmap={"r": REL})  # the prefix never left to lxml's choice
    element.set("name", name)
    element.set("sheetId", str(max(ids, default=0) + 1))
    element.set(q("id", REL), rel_id)
    sheets.insert(0, element)
    for view in package.book.iter(q("workbookView")):
        view.set("activeTab", "0")
        view.set("firstSheet", "0")
    names = package.book.find(q("definedNames"))
    for defined in names if names is not None else ():
        scope = defined.get("localSheetId")
        if scope is not None and scope.isdigit():
            defined.set("localSheetId", str(int(scope) + 1))
    if names is None:
        names = etree.Element(q("definedNames"))
        calc = sheets.getnext()
        while calc is not None and calc.tag in (q("functionGroups"), q("externalReferences")):
            calc = calc.getnext()
        if calc is not None:
            calc.addprevious(names)
        else:
            package.book.append(names)
    last = findings.header_row + len(findings.rows)
    quoted = "'" + name.replace("'", "''") + "'"
    for defined_name, text, hidden in (
        ("_xlnm._FilterDatabase", f"{quoted}!$A${findings.header_row}:$F${last}", True),
        ("_xlnm.Print_Titles", f"{quoted}!${findings.header_row}:${findings.header_row}", False),
    ):
        element = etree.Element(q("definedName"))
        element.set("name", defined_name)
        element.set("localSheetId", "0")
        if hidden:
            element.set("hidden", "1")
        element.text = text
        names.insert(0, element)
    package.changed("xl/workbook.xml")


def _findings_xml(findings: FindingsSheet, styles: Styles, fills: dict[bool, int]) -> bytes:
    title = styles.new(font=styles.font(bold=True, size="14"), top=False)
    instruction = styles.new(wrap=True)
    header = styles.new(font=styles.font(bold=True), top=False)
    link_font = styles.font(link=True)
    header_row = findings.header_row
    width = len(findings.headers)
    last_column = column_letters(width)

    def cell(row: int, column: int, value: str, style: int) -> str:
        reference = f"{column_letters(column)}{row}"
        text = clean_text(value)
        if not text:
            return f'<c r="{reference}" s="{style}"/>'
        return f'<c r="{reference}" s="{style}" t="inlineStr"><is><t xml:space="preserve">{escape(text)}</t></is></c>'

    def text_style(value: str, **kwargs) -> int:
        return styles.new(quote=clean_text(value).startswith(FORMULA_STARTS), **kwargs)

    rows = [
        f'<row r="1">{cell(1, 1, findings.title, title)}</row>',
        f'<row r="2" ht="60" customHeight="1">{cell(2, 1, findings.instruction, instruction)}'
        + "".join(f'<c r="{column_letters(column)}2" s="{instruction}"/>' for column in range(2, width + 1))
        + "</row>",
        f'<row r="{header_row}">'
        + "".join(cell(header_row, column, text, header) for column, text in enumerate(findings.headers, 1))
        + "</row>",
    ]
    links = []
    for number, item in enumerate(findings.rows, start=header_row + 1):
        height = f' ht="{item.height:g}" customHeight="1"' if item.height else ""
        cells = []
        for column, value in enumerate(item.values, start=1):
            if column == 4:
                style = text_style(value, fill=fills[item.error])
            elif item.link and column == item.link_column:
                style = text_style(value, font=link_font)
            else:
                style = text_style(value, wrap=column in (5, 6))
            cells.append(cell(number, column, value, style))
        rows.append(f'<row r="{number}"{height}>{"".join(cells)}</row>')
        if item.link:
            place = item.values[0] + (" " + item.values[1] if item.values[1] else "")
            links.append(
                f'<hyperlink ref="{column_letters(item.link_column)}{number}" '
                f"location={quoteattr(item.link)} tooltip={quoteattr(clean_text('Go to ' + place))} "
                f"display={quoteattr(clean_text(item.values[item.link_column - 1]))}/>"
            )
    last = header_row + len(findings.rows)
    first_body = header_row + 1
    columns = "".join(
        f'<col min="{index}" max="{index}" width="{width_}" customWidth="1"/>'
        for index, width_ in enumerate(findings.widths, start=1)
    )
    xml = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<worksheet xmlns="{MAIN}" xmlns:r="{REL}"><sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>'
        f'<dimension ref="A1:{last_column}{max(last, header_row)}"/>'
        f'<sheetViews><sheetView tabSelected="1" workbookViewId="0"><pane ySplit="{header_row}" '
        f'topLeftCell="A{first_body}" activePane="bottomLeft" state="frozen"/><selection pane="bottomLeft" '
        f'activeCell="A{first_body}" sqref="A{first_body}"/></sheetView></sheetViews>'
        f'<sheetFormatPr defaultRowHeight="15"/><cols>{columns}</cols>'
        f"<sheetData>{''.join(rows)}</sheetData>"
        f'<autoFilter ref="A{header_row}:{last_column}{last}"/>'
        f'<mergeCells count="1"><mergeCell ref="A2:{last_column}2"/></mergeCells>'
        + (f"<hyperlinks>{''.join(links)}</hyperlinks>" if links else "")
        + '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
        '<pageSetup orientation="landscape" fitToWidth="1" fitToHeight="0"/></worksheet>'
    )
    return xml.encode("utf-8")
