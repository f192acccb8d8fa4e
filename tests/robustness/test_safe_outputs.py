"""What officers type never escapes into the machine or the pack.

- IDs, names and returned file names never become paths outside the output folder (feedback copies,
  rolled-over workbooks), whatever they hold: `../../x`, `/etc/passwd`, `CON`, 300 characters, unicode.
- Text a spreadsheet would run (`=`, `+`, `-`, `@`, tab, CR first) is inert in every CSV and XLSX written.
- Officer text holding HTML is escaped in the HTML pack and shown as text in the PDF; the HTML names no
  external URL, and WeasyPrint fetches nothing, even when asked to by the document itself.
"""

from __future__ import annotations

import csv
import io
import unicodedata
import urllib.request
from html.parser import HTMLParser
from pathlib import Path, PurePosixPath

import pytest
from click.testing import CliRunner
from hypothesis import given, strategies as st
from openpyxl import load_workbook

from officer import AS_OF, write_workbook
from pipeline import catalogue
from pipeline.cli import cli
from pipeline.files.names import UniqueNames, mirrored_path, safe_stem
from pipeline.cycle.rollover import file_name
from pipeline.cycle.template import build_workbook

HOSTILE_NAMES = [
    "../../x",
    "/etc/passwd",
    "..",
    ".",
    "CON",
    "con.txt",
    "LPT1",
    "aux.xlsx",
    "NUL:",
    "COM1 ",
    "a/../../b",
    "C:\\Windows\\system32",
    "\\\\server\\share",
    "x" * 300,
    "名前 パートナーシップ",
    "ünïcödé ☃ 🚀",
    "\u202eevil",
    "~$lock",
    " .hidden",
    "",
    "   ",
    "a\x00b",
    'a:b*c?d"e<f>g|h',
]
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
PAYLOADS = [
    "=1+1",
    "+44 20 7946 0000",
    "-2+3",
    "@SUM(A1:A9)",
    "\t=1+1",
    "\r=1+1",
    '=HYPERLINK("http://example.invalid/steal","Click")',
    "=cmd|' /C calc'!A0",
]
HTML_PAYLOADS = [
    '<script>alert("x")</script>',
    "<img src=x onerror=alert(1)>",
    '<img src="http://example.invalid/x.png">',
    '<a href="file:///etc/passwd">passwords</a>',
    "<style>@import url(http://example.invalid/a.css);</style>",
    "<link rel=stylesheet href=//x.invalid/a>",
]


# --- Paths -----------------------------------------------------------------------------------------


def assert_inside(path: Path, folder: Path) -> None:
    assert path.resolve().is_relative_to(folder.resolve()), path
    for part in path.relative_to(folder).parts:
        assert part not in ("", ".", "..") and not part.startswith(".") and len(part.encode()) <= 255, part
        assert part.split(".")[0].lower() not in {"con", "prn", "aux", "nul", "com1", "lpt1"}, part
        # Letters of any script, punctuation and symbols are kept (a feedback copy keeps the officer's own
        # name: St Mary’s – Trust #2), but no control or direction character, and nothing Windows refuses.
        assert not set(part) & set('<>:"\\|?*'), part
        assert all(unicodedata.category(char)[0] in "LMNPS" or char == " " for char in part), part


@given(st.lists(st.one_of(st.sampled_from(HOSTILE_NAMES), st.text(max_size=300)), min_size=1, max_size=8))
def test_names_made_from_any_text_stay_inside_the_folder_and_are_unique(tmp_path_factory, texts):
    folder = tmp_path_factory.mktemp("names")
    names = UniqueNames(folder)
    claimed = [names.claim(mirrored_path(text + ".xlsx", ".xlsx")) for text in texts]
    claimed += [names.claim(PurePosixPath(file_name(text, text))) for text in texts]
    for path in claimed:
        assert_inside(path, folder)
    assert len({str(path).casefold() for path in claimed}) == len(claimed)


@pytest.mark.parametrize("text", HOSTILE_NAMES)
def test_a_hostile_name_gives_a_plain_stem(text):
    stem = safe_stem(text, fallback="workbook")
    assert stem and "/" not in stem and "\\" not in stem and ".." not in stem and len(stem) <= 80


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory):
    """Returns whose file names, IDs, names and answers are all hostile; the report, then the rollover."""
    root = tmp_path_factory.mktemp("safe")
    folder = root / "input"

    def as_text(cells):
        def edit(book):
            for (sheet, ref), value in cells.items():
                book[sheet][ref].value = value
                book[sheet][ref].data_type = "s"  # typed as text, as Excel stores '=1+1 typed with a quote

        return edit

    files = [
        "CON.xlsx",
        "aux/nul.xlsx",
        "ünïcödé ☃ name.xlsx",
        ("x" * 200) + ".xlsx",
        "=cmd.xlsx",
        "a..b.xlsx",
        "-2+3.xlsx",
        "<img src=x onerror=alert(1)>.xlsx",
    ]
    for index, name in enumerate(files):
        payload = PAYLOADS[index % len(PAYLOADS)]
        html = HTML_PAYLOADS[index % len(HTML_PAYLOADS)]
        register = catalogue.REGISTER_ROWS
        write_workbook(
            folder / name,
            partnership_id=HOSTILE_NAMES[index],
            # A negative number (a number, not text): never a formula, so written as it is.
            register={"name": f"{html} {HOSTILE_NAMES[index + 8]}", "purpose": html, "councillor_days": -2500},
            checklist={"1a": {"Evidence": html}, "2a": {"Status": None}},
            improvement={"I14": {"Action owner": html}},
            risks={"R02": {"Mitigation": html}, "R03": {"Likelihood": "-1"}},
            edit=as_text(
                {
                    ("Register", f"B{register['council_role']}"): payload,
                    ("Register", f"B{register['partners']}"): payload,
                    ("Register", f"B{register['service_area']}"): payload,
                    ("Checklist", "D3"): payload,
                    ("Checklist", "E4"): payload,
                    ("Improvement", "D15"): payload,
                    ("Risks", "B3"): payload,
                }
            ),
        )
    sentinel = root / "outside"
    sentinel.mkdir()
    out = root / "out"
    runner = CliRunner()
    result = runner.invoke(
        cli,
        ["report", str(folder), "--out", str(out), "--as-of", AS_OF.isoformat(), "--no-pdf"],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    rolled = root / "next-year"
    result = runner.invoke(
        cli,
        ["templates", "--out", str(rolled), "--from-register", str(out / "register.xlsx"), "--year", "2027"],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    return root, folder, out, rolled, files


def test_feedback_copies_and_rolled_over_workbooks_stay_inside_their_folders(hostile_run):
    root, folder, out, rolled, files = hostile_run
    copies = sorted((out / "feedback").rglob("*.xlsx"))
    assert len(copies) == len(files)  # every return has findings, so every one has a copy
    for path in copies:
        assert_inside(path, out / "feedback")
    workbooks = sorted(rolled.rglob("*.xlsx"))
    assert len(workbooks) >= len(files) - 2  # some IDs are blank or duplicates after clean-up
    for path in workbooks:
        assert_inside(path, rolled)
    written = {path for path in root.rglob("*") if path.is_file()}
    assert {
        path
        for path in written
        if not path.is_relative_to(folder) and not path.is_relative_to(out) and not path.is_relative_to(rolled)
    } == set()
    assert not Path("/x").exists() and not any((root / "outside").iterdir())


# --- Formulas --------------------------------------------------------------------------------------


def template_formulas() -> set[tuple[str, str, str]]:
    book = build_workbook()
    return {
        (sheet.title, cell.coordinate, str(cell.value))
        for sheet in book.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.data_type == "f"
    }


@pytest.mark.parametrize("name", ["validation_report.csv", "answers.csv"])
def test_no_csv_cell_starts_a_formula(hostile_run, name):
    _, _, out, _, _ = hostile_run
    rows = list(csv.reader(io.StringIO((out / name).read_text(encoding="utf-8"))))
    values = [value for row in rows for value in row]
    assert any(value.startswith("'=") for value in values)  # the payloads did reach the report
    assert any(value.startswith("'-2+3") for value in values)  # text that reads as a sum stays guarded
    # A cell holding a number is written as that number: -2500 is no formula, and '-2500 was not a
    # number to a dashboard. Any other value starting a formula is not allowed.
    assert "-2500" in values and "'-2500" not in values
    assert [value for value in values if value.startswith(FORMULA_STARTS) and value != "-2500"] == []


def test_no_xlsx_written_holds_a_formula_the_template_does_not(hostile_run):
    _, _, out, rolled, _ = hostile_run
    allowed = template_formulas()
    # Every sheet is ours: formula-like officer text is shown as typed, in a text cell with the quote
    # prefix, so neither opening nor editing it runs it.
    ours = {"validation_report.xlsx": None, "register.xlsx": None}
    checked = 0
    for path in [*out.rglob("*.xlsx"), *rolled.rglob("*.xlsx")]:
        book = load_workbook(path)
        for sheet in book.worksheets:
            own_text = path.name in ours or sheet.title == "Findings"
            for row in sheet.iter_rows():
                for cell in row:
                    if cell.data_type == "f":
                        assert (sheet.title, cell.coordinate, str(cell.value)) in allowed, (path.name, cell.coordinate)
                    if own_text and isinstance(cell.value, str) and cell.value.startswith(FORMULA_STARTS):
                        assert cell.data_type == "s" and cell.quotePrefix, (path.name, sheet.title, cell.coordinate)
                    checked += 1
    assert checked > 10_000


# --- HTML and PDF ----------------------------------------------------------------------------------


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.styles: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, {name: value or "" for name, value in attrs}))
        self._in_style = tag == "style"

    def handle_endtag(self, tag):
        self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.styles.append(data)


def test_officer_html_is_escaped_and_the_pack_names_no_external_url(hostile_run):
    _, _, out, _, _ = hostile_run
    page = (out / "review_pack.html").read_text(encoding="utf-8")
    parser = Tags()
    parser.feed(page)
    names = {tag for tag, _ in parser.tags}
    assert not names & {"script", "img", "iframe", "object", "embed", "link", "base", "form", "input"}
    for tag, attrs in parser.tags:
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, name)
            if name.startswith("xmlns"):
                continue  # SVG namespace names, never fetched
            if name == "data-section" and tag == "h3":
                continue  # a profile's title, escaped, as its pages' running head on paper: text, never fetched
            lowered = value.lower()
            assert not any(scheme in lowered for scheme in ("http:", "https:", "file:", "javascript:", "//")), (
                tag,
                name,
                value,
            )
            if name in ("href", "src", "xlink:href"):
                assert value.startswith("#"), (tag, name, value)
    for css in parser.styles:
        assert "@import" not in css and "//" not in css.replace("/*", "").replace("*/", "")
        assert all(url.startswith("#") for url in css.split("url(")[1:]), css
    assert "&lt;script&gt;alert(" in page and "&lt;img src=x onerror=alert(1)&gt;" in page


@pytest.mark.slow  # kept out of `make test`'s three minutes; `make slow` (and CI) runs it
def test_officer_html_is_text_in_the_pdf(tmp_path):
    from pypdf import PdfReader

    from pipeline.config import Config
    from pipeline.run import report

    folder = tmp_path / "input"
    write_workbook(
        folder / "p.xlsx",
        register={"name": '<script>alert("x")</script> Board', "purpose": '<img src="http://example.invalid/x.png">'},
    )
    report(folder, tmp_path / "out", as_of=AS_OF, year=2026, config=Config(), pdf=True)
    data = (tmp_path / "out" / "review_pack.pdf").read_bytes()
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    assert '<script>alert("x")</script> Board' in text
    assert "example.invalid" in text  # shown as the text the officer typed
    assert b"/Subtype /Image" not in data and b"/URI" not in data


def test_weasyprint_fetches_nothing_even_when_the_document_asks(tmp_path, monkeypatch):
    """The renderer the pack uses, given a document that asks for local files and web addresses."""
    from pipeline.pack import pdf as pack

    png = tmp_path / "secret.png"
    png.write_bytes(
        bytes.fromhex(
            "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
            "1f15c4890000000d49444154789c6360f8cf00000301010018dd8db00000000049454e44ae426082"
        )
    )
    css = tmp_path / "evil.css"
    css.write_text("body { background: #ff0000; } p::after { content: 'LEAKED-CSS'; }", encoding="utf-8")
    opened = []
    monkeypatch.setattr(urllib.request, "urlopen", lambda *args, **kwargs: opened.append(args) or 1 / 0)
    real_open = open

    def watching_open(file, *args, **kwargs):
        if str(file) in (str(png), str(css)):
            opened.append(file)
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr("builtins.open", watching_open)
    document = f"""<html><head><link rel="stylesheet" href="{css.as_uri()}">
      <style>@import url("{css.as_uri()}"); @import url("http://example.invalid/a.css");
      h1 {{ background-image: url("{png.as_uri()}"); }}</style></head>
      <body><h1>Pack</h1><p>text</p><img src="{png.as_uri()}"><img src="http://example.invalid/x.png">
      <img src="{png}"><object data="{png.as_uri()}"></object><iframe src="file:///etc/passwd"></iframe></body></html>"""
    data = pack.pdf_bytes(document)
    assert opened == []
    assert b"/Subtype /Image" not in data
    from pypdf import PdfReader

    assert "LEAKED-CSS" not in "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
